/**
 * The connection state machine as a pure function: given a state and an event it returns the
 * next state and the effects to perform. The manager runs it on the shared machine runner
 * (`../machine/runner.ts`, which owns the `retry` and `stable` timers); nothing here touches
 * time, randomness or the network (random draws and the time come in on the events).
 */
import type { SdkError } from '@weiyu/protocol';
import type { ConnectionState } from '../api.js';
import type { TimerAction } from '../machine/runner.js';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff.js';
import { isAuthRefusal, stopsReconnecting } from '../retry/policy.js';

/** The machine's state: the public {@link ConnectionState} plus what the policy remembers. */
export interface MachineState {
  readonly connection: ConnectionState;
  /** Consecutive failures (failed attempts and drops) since the last stable connection. */
  readonly failures: number;
  /** A refreshed token was already asked for after an authentication failure. */
  readonly refreshed: boolean;
  /** What the environment last said about the network. */
  readonly online: boolean;
  /**
   * Connections in a row that the server closed soon after they were up (within
   * `takeoverWithinMs`): the sign of another connection taking this clientId over.
   */
  readonly closedEarly: number;
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

/** The machine's timers: the backoff wait (`retry-due`) and the stability wait (`stable`). */
export type ConnectionTimer = 'retry' | 'stable';

/** An effect the manager performs (the runner performs the timer actions itself). */
export type ConnectionEffect =
  /** Get a token (a fresh one when `refresh`) and open a connection. */
  | { readonly type: 'connect'; readonly refresh: boolean }
  /** Abort any attempt in flight and close the connection. */
  | { readonly type: 'close' };

/** Every action of a transition: effects and timer actions. */
export type MachineAction = ConnectionEffect | TimerAction<ConnectionTimer>;

/** What the machine needs to know about the client's policy. */
export interface MachineConfig extends BackoffPolicy {
  readonly stableAfterMs: number;
  /** Whether a token provider can be asked for a fresh token after an authentication failure. */
  readonly canRefresh: boolean;
  /** A connection the server closes within this long of being up counts toward a takeover. */
  readonly takeoverWithinMs: number;
  /** This many such connections in a row stop at `kicked` (`same-client-id`); 0 turns it off. */
  readonly takeoverLimit: number;
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
  return {
    connection: { status: 'idle', reason: 'not-started' },
    failures: 0,
    refreshed: false,
    online,
    closedEarly: 0,
  };
}

/** The event a fired timer of the machine delivers. */
export function connectionTimerEvent(timer: ConnectionTimer): MachineEvent {
  return timer === 'retry' ? { type: 'retry-due' } : { type: 'stable' };
}

const CANCEL_RETRY: MachineAction = { type: 'clear-timer', timer: 'retry' };
const CANCEL_STABLE: MachineAction = { type: 'clear-timer', timer: 'stable' };
const STOP_TIMERS: readonly MachineAction[] = [CANCEL_RETRY, CANCEL_STABLE];

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
        connection: { status: 'reconnecting', attempt, retryAt: Infinity, error },
      },
      actions: [CANCEL_RETRY],
    };
  }
  const delayMs = backoffDelay(failures, jitter, config);
  return {
    state: { ...state, failures, connection: { status: 'reconnecting', attempt, retryAt: now + delayMs, error } },
    actions: [{ type: 'set-timer', timer: 'retry', ms: delayMs }],
  };
}

/** Another connection took this clientId over: stop, the app must decide. */
function takenOver(state: MachineState): Transition {
  return {
    state: { ...state, closedEarly: 0, connection: { status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID } },
    actions: [...STOP_TIMERS, { type: 'close' }],
  };
}

/**
 * Whether a lost connection looks taken over: the real server closes the older connection of a
 * clientId with no packet, which the transport reports as a plain network drop, soon after the
 * other one connected. A drop while offline or for a reason of its own (protocol…) does not count.
 */
function closedSoonByServer(
  state: MachineState,
  since: number,
  error: SdkError,
  now: number,
  config: MachineConfig,
): boolean {
  return state.online && error.code === 'network' && now - since < config.takeoverWithinMs;
}

/** A connect attempt failed: refresh the token once after an auth refusal, else back off. */
function attemptFailed(
  state: MachineState,
  event: Extract<MachineEvent, { type: 'connect-failed' }>,
  config: MachineConfig,
): Transition {
  if (isAuthRefusal(event.error)) {
    // A refusal by the token provider itself (a wrong password) is final: it is not asked again.
    if (config.canRefresh && !state.refreshed && !event.byTokenProvider) {
      return connectNow({ ...state, failures: state.failures + 1, refreshed: true, closedEarly: 0 }, true);
    }
    return {
      state: { ...state, closedEarly: 0, connection: { status: 'auth-failed', error: event.error } },
      actions: [...STOP_TIMERS, { type: 'close' }],
    };
  }
  if (stopsReconnecting(event.error)) {
    return {
      state: { ...state, closedEarly: 0, connection: { status: 'failed', error: event.error } },
      actions: [...STOP_TIMERS, { type: 'close' }],
    };
  }
  // A failed attempt is the network's trouble, not a takeover: the count starts again.
  return backOff({ ...state, closedEarly: 0 }, event.error, event.now, event.jitter, config);
}

/** A connection that was up went down: taken over, or back off and try again. */
function connectionLost(
  state: MachineState,
  event: Extract<MachineEvent, { type: 'disconnected' }>,
  config: MachineConfig,
): Transition {
  const connection = state.connection;
  if (connection.status !== 'connected') return unchanged(state);
  if (event.error.code === 'kicked') return takenOver(state);
  const early = closedSoonByServer(state, connection.since, event.error, event.now, config);
  const closedEarly = early ? state.closedEarly + 1 : 0;
  if (config.takeoverLimit > 0 && closedEarly >= config.takeoverLimit) return takenOver(state);
  const next = backOff({ ...state, closedEarly }, event.error, event.now, event.jitter, config);
  return { state: next.state, actions: [CANCEL_STABLE, ...next.actions] };
}

/** The connection state machine. Events that make no sense in a state leave it unchanged. */
export function transition(state: MachineState, event: MachineEvent, config: MachineConfig): Transition {
  const status = state.connection.status;
  switch (event.type) {
    case 'start':
      if (status === 'connecting' || status === 'connected') return unchanged(state);
      if (status === 'reconnecting') return connectNow(state, false, [CANCEL_RETRY]);
      return connectNow({ ...state, failures: 0, refreshed: false, closedEarly: 0 });

    case 'restart':
      return connectNow({ ...state, failures: 0, refreshed: false, closedEarly: 0 }, false, [
        ...STOP_TIMERS,
        { type: 'close' },
      ]);

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
        actions: [{ type: 'set-timer', timer: 'stable', ms: config.stableAfterMs }],
      };

    case 'connect-failed':
      return status === 'connecting' ? attemptFailed(state, event, config) : unchanged(state);

    case 'disconnected':
      return connectionLost(state, event, config);

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
          state: { ...state, online: false, connection: { ...connection, retryAt: Infinity } },
          actions: [CANCEL_RETRY],
        };
      }
      return unchanged({ ...state, online: false });
    }

    case 'online':
      if (status === 'reconnecting') return connectNow({ ...state, online: true }, false, [CANCEL_RETRY]);
      return unchanged({ ...state, online: true });

    case 'visible':
      if (status === 'reconnecting' && state.online) return connectNow(state, false, [CANCEL_RETRY]);
      return unchanged(state);

    case 'hidden':
      return unchanged(state);

    case 'wake':
      // The link is suspect after a sleep: drop it and connect now, as the same attempt number
      // (a sleep is not a failure of the server).
      if (status === 'connected') return connectNow(state, false, [CANCEL_STABLE, { type: 'close' }]);
      if (status === 'reconnecting' && state.online) return connectNow(state, false, [CANCEL_RETRY]);
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
