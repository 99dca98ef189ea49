import { isKnownThreadType } from '../names.js';
import { parseCreatedAt } from '../time.js';
import type { WireMessage } from '../wire.js';
import type { ServerMode } from './options.js';

/** Whether the server takes a message, and whether it echoes it over MQTT once taken. */
export type Admission =
  | {
      /** Taken. */
      readonly ok: true;
      /** Whether the server echoes it over MQTT (not for an unknown thread type). */
      readonly echoed: boolean;
    }
  | {
      /** Dropped. */
      readonly ok: false;
      /** Why, for logs (the real server says nothing). */
      readonly reason: string;
    };

/**
 * Why the server drops a message, silently, as it does: no `status`, no thread or
 * `thread.topic`, a `createdAt` it cannot parse. The real server has no uid check and stores
 * an unknown thread type without echoing it. `strict` also wants a uid, a known thread type
 * and `thread.topic` = the PUBLISH topic (when the message came over MQTT).
 */
export function admit(message: WireMessage, mode: ServerMode, publishTopic?: string): Admission {
  const thread = message.thread;
  if (!message.status) return refuse('message has no status');
  if (!thread) return refuse('message has no thread');
  if (!thread.topic) return refuse('message has no thread.topic');
  if (message.createdAt && !parseCreatedAt(message.createdAt).ok) {
    return refuse(`createdAt "${message.createdAt}" does not parse`);
  }
  const knownType = isKnownThreadType(thread.type);
  if (mode === 'strict') {
    if (!message.uid) return refuse('message has no uid');
    if (!knownType) return refuse(`thread.type "${thread.type}" is not a thread type`);
    if (publishTopic !== undefined && thread.topic !== publishTopic) {
      return refuse(`thread.topic "${thread.topic}" is not the topic "${publishTopic}"`);
    }
  }
  return { ok: true, echoed: knownType };
}

function refuse(reason: string): Admission {
  return { ok: false, reason };
}
