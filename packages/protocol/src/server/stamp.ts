import { formatServerTime } from '../time.js';
import type { WireMessage, WireUser } from '../wire.js';
import type { TimeFormat } from './options.js';

/** Now as the server writes `createdAt`. */
export function serverTime(now: number, format: TimeFormat): string {
  return format === 'epoch' ? String(now) : formatServerTime(now);
}

/**
 * The message as the server sends it on and stores it: status SUCCESS when it says SENDING
 * (a robot's reply becomes READ; any other status is kept), `createdAt` replaced with server
 * time, then {@link throughServerDtos}. Returns a copy.
 */
export function stamp(message: WireMessage, now: number, format: TimeFormat): WireMessage {
  const status = message.status === 'SENDING' ? (message.user?.type === 'ROBOT' ? 'READ' : 'SUCCESS') : message.status;
  return { ...throughServerDtos(message), status, createdAt: serverTime(now, format) };
}

/**
 * What the server's JSON objects keep of a message: its thread object names the state
 * `status` and the channel `client`, so `thread.state` and `thread.channel` are lost; a missing
 * user type becomes `USER`. Returns a copy.
 */
export function throughServerDtos(message: WireMessage): WireMessage {
  const { thread, user } = message;
  return {
    ...message,
    ...(user ? { user: withUserType(user) } : {}),
    ...(thread
      ? {
          thread: {
            ...thread,
            state: '',
            channel: '',
            ...(thread.user ? { user: withUserType(thread.user) } : {}),
          },
        }
      : {}),
  };
}

function withUserType(user: WireUser): WireUser {
  return user.type ? { ...user } : { ...user, type: 'USER' };
}

/** A deep copy of a message (every field is a string or a plain object). */
export function cloneWireMessage(message: WireMessage): WireMessage {
  const { thread, user } = message;
  return {
    ...message,
    ...(user ? { user: { ...user } } : {}),
    ...(thread ? { thread: { ...thread, ...(thread.user ? { user: { ...thread.user } } : {}) } } : {}),
  };
}

/**
 * Freezes a message and the objects in it (user, thread, thread.user), so that one copy can be
 * shared by the store, the echoes and the caller: nobody can change it under the others.
 * Returns the same message.
 */
export function freezeWireMessage(message: WireMessage): WireMessage {
  const { thread, user } = message;
  if (user) Object.freeze(user);
  if (thread) {
    if (thread.user) Object.freeze(thread.user);
    Object.freeze(thread);
  }
  return Object.freeze(message);
}

/** Whether a message and the objects in it are frozen ({@link freezeWireMessage}). */
export function isFrozenWireMessage(message: WireMessage): boolean {
  const { thread, user } = message;
  return (
    Object.isFrozen(message) &&
    (!user || Object.isFrozen(user)) &&
    (!thread || (Object.isFrozen(thread) && (!thread.user || Object.isFrozen(thread.user))))
  );
}
