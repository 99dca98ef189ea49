/**
 * The connection state machine as a pure function: given a state and an event it returns the
 * next state and the effects to perform. The manager performs them; nothing here touches time,
 * randomness or the network (random draws and the time come in on the events).
 */
import type { SdkError } from '@weiyu/protocol';
import type { ConnectionState } from '../api.js';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff.js';
import { isAuthRefusal } from '../retry/policy.js';

/** The machine's state: the public {@link ConnectionState} plus what the policy remembers. */
export interface MachineState {
  readonly connection: ConnectionState;
  /** Consecutive failures (failed attempts and drops) since the last stable connection. */
  readonly failures: number;
  /** A refreshed token was already asked for after an authentication failure. */
  readonly refreshed: boolean;
  /** What the environment last said about the network. */
  readonly online: boolean;
}

/** Something that happened, as the manager reports it to the machine. */
export type MachineEvent =
  /** The app asked to connect (and a token is there or will be asked for). */
  | { readonly type: 'start' }
  /** The app asked to drop the connection and connect again now. */
  | { readonly type: 'restart' }
  /** The token is empty: an anonymous visitor does not connect. */
  | { readonly type: 'anonymous' }
  /** The app asked to connect with a static empty token: nothing is tried. */
  | { readonly type: 'start-anonymous' }
  /** The broker accepted the connection and the subscriptions are in place. */
  | { readonly type: 'connected'; readonly now: number }
  /**
   * A connect attempt failed; `jitter` is a random draw in [0, 1). `byTokenProvider`: the token
   * provider itself failed (it may log in: a refusal from it is final, never asked again).
   */
  | {
      readonly type: 'connect-failed';
      readonly error: SdkError;
      readonly now: number;
      readonly jitter: number;
      readonly byTokenProvider?: boolean;
    }
  /** A connection that was up went down. */
  | { readonly type: 'disconnected'; readonly error: SdkError; readonly now: number; readonly jitter: number }
  /** The backoff wait is over. */
  | { readonly type: 'retry-due' }
  /** The connection has been up for `stableAfterMs`. */
  | { readonly type: 'stable' }
  | { readonly type: 'online' }
  | { readonly type: 'offline' }
  | { readonly type: 'visible' }
  | { readonly type: 'hidden' }
  /**
   * Much more time passed than a timer asked for: the machine slept (or was frozen). A
   * connection that looks up may be dead; a backoff wait is over.
   */
  | { readonly type: 'wake' }
  /** The app disconnected. */
  | { readonly type: 'stop' }
  /** The server logged this user out (KICKOFF). */
  | { readonly type: 'kicked'; readonly reason: string };

/** An effect the manager performs. */
export type MachineAction =
  /** Get a token (a fresh one when `refresh`) and open a connection. */
  | { readonly type: 'connect'; readonly refresh: boolean }
  /** Abort any attempt in flight and close the connection. */
  | { readonly type: 'close' }
  | { readonly type: 'schedule-retry'; readonly delayMs: number }
  | { readonly type: 'cancel-retry' }
  | { readonly type: 'schedule-stable'; readonly delayMs: number }
  | { readonly type: 'cancel-stable' };

/** What the machine needs to know about the client's policy. */
export interface MachineConfig extends BackoffPolicy {
  readonly stableAfterMs: number;
  /** Whether a token provider can be asked for a fresh token after an authentication failure. */
  readonly canRefresh: boolean;
}

/** A next state and the effects to perform, in order. */
export interface Transition {
  readonly state: MachineState;
  readonly actions: readonly MachineAction[];
}

/** The reason of the `kicked` state when another connection took over this clientId. */
export const KICKED_BY_SAME_CLIENT_ID = 'same-client-id';

/** The state before anything happened. */
export function initialMachineState(online = true): MachineState {
  return { connection: { status: 'idle', reason: 'not-started' }, failures: 0, refreshed: false, online };
}

const STOP_TIMERS: readonly MachineAction[] = [{ type: 'cancel-retry' }, { type: 'cancel-stable' }];

const unchanged = (state: MachineState): Transition => ({ state, actions: [] });

/** Connects now as attempt `failures + 1`. */
function connectNow(state: MachineState, refresh = false, extra: readonly MachineAction[] = []): Transition {
  return {
    state: { ...state, connection: { status: 'connecting', attempt: state.failures + 1 } },
    actions: [...extra, { type: 'connect', refresh }],
  };
}

/** After a failure: wait the backoff (or for the network when offline), then try again. */
function backOff(state: MachineState, error: SdkError, now: number, jitter: number, config: MachineConfig): Transition {
  const failures = state.failures + 1;
  const attempt = failures + 1;
  if (!state.online) {
    return {
      state: {
        ...state,
        failures,
        connection: { status: 'reconnecting', attempt, retryAt: Number.POSITIVE_INFINITY, error },
      },
      actions: [{ type: 'cancel-retry' }],
    };
  }
  const delayMs = backoffDelay(failures, jitter, config);
  return {
    state: { ...state, failures, connection: { status: 'reconnecting', attempt, retryAt: now + delayMs, error } },
    actions: [{ type: 'schedule-retry', delayMs }],
  };
}

/** The connection state machine. Events that make no sense in a state leave it unchanged. */
export function transition(state: MachineState, event: MachineEvent, config: MachineConfig): Transition {
  const status = state.connection.status;
  switch (event.type) {
    case 'start':
      if (status === 'connecting' || status === 'connected') return unchanged(state);
      if (status === 'reconnecting') return connectNow(state, false, [{ type: 'cancel-retry' }]);
      return connectNow({ ...state, failures: 0, refreshed: false });

    case 'restart':
      return connectNow({ ...state, failures: 0, refreshed: false }, false, [...STOP_TIMERS, { type: 'close' }]);

    case 'start-anonymous':
      // A static empty token is known before any attempt: stay idle, show no attempt.
      if (status !== 'idle') return unchanged(state);
      return { state: { ...state, connection: { status: 'idle', reason: 'anonymous' } }, actions: STOP_TIMERS };

    case 'anonymous':
      if (status !== 'connecting') return unchanged(state);
      return {
        state: { ...state, connection: { status: 'idle', reason: 'anonymous' } },
        actions: [...STOP_TIMERS, { type: 'close' }],
      };

    case 'connected':
      if (status !== 'connecting') return unchanged(state);
      return {
        state: { ...state, refreshed: false, connection: { status: 'connected', since: event.now } },
        actions: [{ type: 'schedule-stable', delayMs: config.stableAfterMs }],
      };

    case 'connect-failed':
      if (status !== 'connecting') return unchanged(state);
      if (isAuthRefusal(event.error)) {
        if (config.canRefresh && !state.refreshed && !event.byTokenProvider) {
          return connectNow({ ...state, failures: state.failures + 1, refreshed: true }, true);
        }
        return {
          state: { ...state, connection: { status: 'auth-failed', error: event.error } },
          actions: [...STOP_TIMERS, { type: 'close' }],
        };
      }
      return backOff(state, event.error, event.now, event.jitter, config);

    case 'disconnected': {
      if (status !== 'connected') return unchanged(state);
      if (event.error.code === 'kicked') {
        return {
          state: { ...state, connection: { status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID } },
          actions: [...STOP_TIMERS, { type: 'close' }],
        };
      }
      const next = backOff(state, event.error, event.now, event.jitter, config);
      return { state: next.state, actions: [{ type: 'cancel-stable' }, ...next.actions] };
    }

    case 'retry-due':
      if (status !== 'reconnecting' || !state.online) return unchanged(state);
      return connectNow(state);

    case 'stable':
      if (status !== 'connected') return unchanged(state);
      return { state: { ...state, failures: 0, refreshed: false }, actions: [] };

    case 'offline': {
      const connection = state.connection;
      if (connection.status === 'reconnecting') {
        return {
          state: { ...state, online: false, connection: { ...connection, retryAt: Number.POSITIVE_INFINITY } },
          actions: [{ type: 'cancel-retry' }],
        };
      }
      return unchanged({ ...state, online: false });
    }

    case 'online':
      if (status === 'reconnecting') return connectNow({ ...state, online: true }, false, [{ type: 'cancel-retry' }]);
      return unchanged({ ...state, online: true });

    case 'visible':
      if (status === 'reconnecting' && state.online) return connectNow(state, false, [{ type: 'cancel-retry' }]);
      return unchanged(state);

    case 'hidden':
      return unchanged(state);

    case 'wake':
      // The link is suspect after a sleep: drop it and connect now, as the same attempt number
      // (a sleep is not a failure of the server).
      if (status === 'connected') return connectNow(state, false, [{ type: 'cancel-stable' }, { type: 'close' }]);
      if (status === 'reconnecting' && state.online) return connectNow(state, false, [{ type: 'cancel-retry' }]);
      return unchanged(state);

    case 'stop':
      if (status === 'closed') return unchanged(state);
      return { state: { ...state, connection: { status: 'closed' } }, actions: [...STOP_TIMERS, { type: 'close' }] };

    case 'kicked':
      if (status !== 'connecting' && status !== 'connected' && status !== 'reconnecting') return unchanged(state);
      return {
        state: { ...state, connection: { status: 'kicked', reason: event.reason } },
        actions: [...STOP_TIMERS, { type: 'close' }],
      };
  }
}
