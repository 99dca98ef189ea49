import { fromBinary } from '@bufbuild/protobuf';
import { writeMessage } from './encoder.js';
import { err, ok, type Result } from './error.js';
import { type Message, MessageSchema } from './gen/weiyu/v1/message_pb.js';
import type { Thread } from './gen/weiyu/v1/thread_pb.js';
import type { User } from './gen/weiyu/v1/user_pb.js';
import { normalizeMessage, type WireMessage, type WireMessageInit, type WireThread, type WireUser } from './wire.js';

/** Encodes a message to protobuf bytes, exactly as the Bytedesk server reads them. */
export function encodeMessage(message: WireMessageInit): Uint8Array {
  return writeMessage(normalizeMessage(message));
}

/**
 * Decodes protobuf bytes into a message. Never throws: malformed bytes come back as an
 * error result with code `decode_failed`. Unknown names in string fields are kept as they are.
 */
export function decodeMessage(bytes: Uint8Array): Result<WireMessage> {
  let decoded: Message;
  try {
    decoded = fromBinary(MessageSchema, bytes);
  } catch (cause) {
    return err('decode_failed', `malformed protobuf message (${bytes.length} bytes): ${describe(cause)}`, {
      cause,
      details: { length: bytes.length },
    });
  }
  return ok(fromGenerated(decoded));
}

/** Like {@link decodeMessage}, throwing the {@link SdkError} instead of returning it. */
export function decodeMessageOrThrow(bytes: Uint8Array): WireMessage {
  const result = decodeMessage(bytes);
  if (!result.ok) throw result.error;
  return result.value;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The generated message as wire data: every field kept as decoded, protobuf-es' own `$` keys dropped.
 * The nested ones are set on the copy, not spread into a new object: in V8's optimized code every
 * object made by a spread followed by more keys has a hidden class of its own, and each read of
 * such messages further on (the client reads a dozen fields of each) would be megamorphic.
 */
function fromGenerated(m: Message): WireMessage {
  const { $typeName: _typeName, $unknown: _unknown, thread, user, ...fields } = m;
  const wire: { -readonly [K in keyof WireMessage]: WireMessage[K] } = fields;
  if (thread) wire.thread = threadFromGenerated(thread);
  if (user) wire.user = userFromGenerated(user);
  return wire;
}

function threadFromGenerated(t: Thread): WireThread {
  const { $typeName: _typeName, $unknown: _unknown, user, ...fields } = t;
  const thread: { -readonly [K in keyof WireThread]: WireThread[K] } = fields;
  if (user) thread.user = userFromGenerated(user);
  return thread;
}

function userFromGenerated(u: User): WireUser {
  const { $typeName: _typeName, $unknown: _unknown, ...fields } = u;
  return fields;
}
