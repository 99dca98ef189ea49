import { describe, expect, expectTypeOf, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import type { Message } from './gen/weiyu/v1/message_pb.js';
import type { Thread } from './gen/weiyu/v1/thread_pb.js';
import type { User } from './gen/weiyu/v1/user_pb.js';
import type { Channel, MessageStatus, MessageType, ThreadState, ThreadType, UserType } from './names.js';
import type { WireMessage, WireThread, WireUser } from './wire.js';

type Fields<T> = Exclude<keyof T, '$typeName' | '$unknown'>;

describe('wire types', () => {
  it('have exactly the generated fields', () => {
    expectTypeOf<keyof WireMessage>().toEqualTypeOf<Fields<Message>>();
    expectTypeOf<keyof WireThread>().toEqualTypeOf<Fields<Thread>>();
    expectTypeOf<keyof WireUser>().toEqualTypeOf<Fields<User>>();
  });

  it('are plain read-only data with the name unions', () => {
    expectTypeOf<WireMessage>().toEqualTypeOf<{
      readonly uid: string;
      readonly type: MessageType;
      readonly content: string;
      readonly status: MessageStatus;
      readonly createdAt: string;
      readonly channel: Channel;
      readonly thread?: WireThread;
      readonly user?: WireUser;
      readonly extra: string;
    }>();
    expectTypeOf<WireThread>().toEqualTypeOf<{
      readonly uid: string;
      readonly topic: string;
      readonly type: ThreadType;
      readonly state: ThreadState;
      readonly user?: WireUser;
      readonly channel: Channel;
      readonly extra: string;
    }>();
    expectTypeOf<WireUser>().toEqualTypeOf<{
      readonly uid: string;
      readonly nickname: string;
      readonly avatar: string;
      readonly type: UserType;
      readonly extra: string;
    }>();
  });
});

describe('decoded wire data', () => {
  it('carries none of protobuf-es’ own keys, even with unknown fields on the wire', () => {
    const bytes = encodeMessage({ uid: 'm1', thread: { uid: 't1', user: { uid: 'u1' } }, user: { uid: 'u2' } });
    // Field 15, varint 1: a field this .proto does not know (protobuf-es keeps it in `$unknown`).
    const decoded = decodeMessage(Uint8Array.of(...bytes, 0x78, 0x01));
    if (!decoded.ok) throw decoded.error;
    const keys = (value: object | undefined): string[] => Object.keys(value ?? {});
    const all = [
      ...keys(decoded.value),
      ...keys(decoded.value.thread),
      ...keys(decoded.value.thread?.user),
      ...keys(decoded.value.user),
    ];
    expect(all.filter((key) => key.startsWith('$'))).toEqual([]);
    expect(decoded.value.thread?.user?.uid).toBe('u1');
  });
});
