/** What the run and its server process share: the IPC messages and the message the raw clients send. */
import { randomUUID } from 'node:crypto';
import { DEMO_THREAD, ORG_UID } from '@weiyu/mock-broker/testing';
import { formatServerTime, type WireMessageInit } from '@weiyu/protocol';

/** A user as the mock broker's login gives it. */
export interface BenchUser {
  readonly uid: string;
  readonly username: string;
  readonly nickname: string;
  readonly avatar: string;
  readonly type: string;
}

/** A login: the token (MQTT password, REST bearer) and the user. */
export interface BenchLogin {
  readonly accessToken: string;
  readonly user: BenchUser;
}

/** The server process is up. */
export interface ServerReady {
  readonly type: 'ready';
  readonly mqttUrl: string;
  readonly httpUrl: string;
  /** Proxy ports by name: `sender-5`, `receiver-50`, `http-0`, … (side and one-way delay in ms). */
  readonly proxies: Readonly<Record<string, number>>;
  readonly agent: BenchLogin;
  readonly visitor: BenchLogin;
}

/** What the run asks the server process. */
export type ServerCommand = { readonly id: number } & (
  | { readonly cmd: 'outage'; readonly proxy: string; readonly on: boolean }
  /** A raw publisher sends `count` messages of the visitor on the demo thread; answers the ms it took. */
  | { readonly cmd: 'publish'; readonly count: number; readonly text: string }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'close' }
);

/** The text of every message: with the wire fields around it, a 578-byte protobuf message, as in issue 13. */
export const TEXT = `bench ${'消息'.repeat(60)} ${'x'.repeat(110)}`;

/**
 * The message the raw mqtt.js clients send: field for field what the SDK puts on the wire for
 * the same text (core's messageToWire), with a fresh 32-hex uid, so both pairs carry the same bytes.
 */
export function rawWire(user: BenchUser, text: string): WireMessageInit & { uid: string } {
  const wireUser = { uid: user.uid, nickname: user.nickname, avatar: user.avatar, type: user.type, extra: '' };
  return {
    uid: randomUUID().replaceAll('-', ''),
    type: 'TEXT',
    content: text,
    status: 'SENDING',
    createdAt: formatServerTime(Date.now()),
    channel: 'WEB',
    extra: JSON.stringify({ orgUid: ORG_UID }),
    user: wireUser,
    thread: {
      uid: DEMO_THREAD.uid,
      topic: DEMO_THREAD.topic,
      type: DEMO_THREAD.type,
      state: '',
      channel: '',
      extra: '',
      // The visitor's thread names the visitor: the sender here, as in the SDK's wire form.
      user: wireUser,
    },
  };
}
