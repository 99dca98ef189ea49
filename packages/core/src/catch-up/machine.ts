/**
 * The catch-up state machine of one thread, as a pure function: `(state, event, context) →
 * (state, actions)`. No clock, no I/O: the driver (driver.ts) reads history, holds and
 * releases live messages, and feeds the results back as events. The table is in the README.
 */
import type { SdkError } from '@weiyu/protocol';
import type { ChatTiming } from '../api.js';
import type { MachineStep, TimerAction } from '../machine/runner.js';
import { endsCatchUp, retryDelay } from '../retry/policy.js';

/** A catch-up under way: the connection it belongs to and its attempt number (1 for the first). */
interface Run {
  /** The connection (counted from 1) it started on: only a run of the current one ends a gap. */
  readonly epoch: number;
  readonly attempt: number;
  /** Whether live messages wait until it ends (false once the hold guard let them through). */
  readonly holding: boolean;
  /** Whether the thread was in order when it started, and still is. */
  readonly inOrder: boolean;
}

/** Where one thread stands. */
export type CatchUpState =
  /**
   * No catch-up under way, nothing held. `inOrder`: caught up on this connection, so every
   * live message since arrived in order and is a safe place for the next catch-up to stop.
   */
  | { readonly status: 'live'; readonly inOrder: boolean }
  /** A catch-up cut short by a drop: live messages stay held for the next connection's one. */
  | { readonly status: 'holding' }
  /** Reading history back to a stop point. */
  | ({ readonly status: 'paging' } & Run)
  /** A read failed; waiting to try again. */
  | ({ readonly status: 'waiting' } & Run);

/** Something that happened to a thread's catch-up. Results of a read carry its run's epoch. */
export type CatchUpEvent =
  /** Catch up (after a connect, a new subscription, or `catchUp()`). */
  | { readonly type: 'start' }
  /** A read of run `epoch` found what was missed (the driver has let it through already). */
  | { readonly type: 'fetched'; readonly epoch: number }
  | { readonly type: 'failed'; readonly epoch: number; readonly error: SdkError }
  /** The wait before the next attempt is over. */
  | { readonly type: 'retry' }
  /** Live messages have been held for `sendDeadlineMs`. */
  | { readonly type: 'hold-expired' }
  /** The link is no longer up: what arrives now may have a gap before it. */
  | { readonly type: 'disconnected' };

/** The timers a thread may have running: the hold guard, the wait between attempts. */
export type CatchUpTimer = 'hold' | 'retry';

/** What the driver must do after a transition. */
export type CatchUpAction =
  /** Read history back to a stop point, for the run now under way. */
  | { readonly type: 'fetch' }
  /** Let the held live messages through, in the order they came. */
  | { readonly type: 'release' }
  /** The run ended: settle its `catchUp()` promises. */
  | { readonly type: 'settle' }
  | TimerAction<CatchUpTimer>;

/** The facts of the moment a transition depends on. */
export interface CatchUpContext {
  /** The connection now (counted from 1; 0 before the first). */
  readonly epoch: number;
  /** Whether the realtime link is up now. */
  readonly connected: boolean;
  /** Whether the thread is still subscribed (a catch-up of a thread no longer wanted stops). */
  readonly subscribed: boolean;
  readonly timing: Pick<ChatTiming, 'sendDeadlineMs' | 'retryBaseMs' | 'retryMaxMs'>;
}

/** The result of a transition. `state` is the same object when the event changed nothing. */
export type CatchUpStep = MachineStep<CatchUpState, CatchUpAction>;

/** Where a thread starts: nothing known about it. */
export const INITIAL_CATCH_UP: CatchUpState = { status: 'live', inOrder: false };

/** Whether live messages of the thread wait now. */
export function isHolding(state: CatchUpState): boolean {
  return state.status === 'holding' || ((state.status === 'paging' || state.status === 'waiting') && state.holding);
}

/** Whether live messages of the thread arrive in order now (each a safe stop point). */
export function isInOrder(state: CatchUpState): boolean {
  return state.status !== 'holding' && state.inOrder;
}

/** The pure transition function of the catch-up state machine. */
export function transition(state: CatchUpState, event: CatchUpEvent, context: CatchUpContext): CatchUpStep {
  const same: CatchUpStep = { state, actions: [] };
  switch (event.type) {
    case 'start':
      return start(state, context);
    case 'fetched':
      if (state.status !== 'paging' || event.epoch !== state.epoch) return same;
      // Only a catch-up of the current connection proves the thread has no gap.
      return end(state, state.inOrder || isCurrent(state, context));
    case 'failed':
      if (state.status !== 'paging' || event.epoch !== state.epoch) return same;
      // Not allowed to read it, or no longer wanted: trying again would not help.
      if (endsCatchUp(event.error) || !context.subscribed) return end(state, state.inOrder);
      if (!isCurrent(state, context)) return cutShort(state);
      return {
        state: { ...state, status: 'waiting' },
        actions: [{ type: 'set-timer', timer: 'retry', ms: retryDelay(state.attempt, context.timing) }],
      };
    case 'retry':
      if (state.status !== 'waiting') return same;
      if (!isCurrent(state, context)) return cutShort(state);
      if (!context.subscribed) return end(state, state.inOrder);
      return { state: { ...state, status: 'paging', attempt: state.attempt + 1 }, actions: [{ type: 'fetch' }] };
    case 'hold-expired':
      // History is slow: live messages show, and what was missed follows (its createdAt tells where).
      if (state.status === 'holding') return { state: { status: 'live', inOrder: false }, actions: [RELEASE] };
      if (state.status === 'live' || !state.holding) return same;
      return { state: { ...state, holding: false }, actions: [RELEASE] };
    case 'disconnected':
      if (state.status === 'holding' || !state.inOrder) return same;
      return { state: { ...state, inOrder: false }, actions: [] };
  }
}

const RELEASE: CatchUpAction = { type: 'release' };
const FETCH: CatchUpAction = { type: 'fetch' };
const SETTLE: CatchUpAction = { type: 'settle' };

/**
 * A catch-up is asked for. One under way for this connection is joined; one from an earlier
 * connection read history before the drop and cannot see what came meanwhile, so it is replaced.
 */
function start(state: CatchUpState, context: CatchUpContext): CatchUpStep {
  const run = (inOrder: boolean): Run => ({ epoch: context.epoch, attempt: 1, holding: true, inOrder });
  const guard: CatchUpAction = { type: 'set-timer', timer: 'hold', ms: context.timing.sendDeadlineMs };
  switch (state.status) {
    case 'live':
      return { state: { status: 'paging', ...run(state.inOrder) }, actions: [guard, FETCH] };
    case 'holding':
      // The hold guard set when the holding began still bounds the wait.
      return { state: { status: 'paging', ...run(false) }, actions: [FETCH] };
    case 'paging':
    case 'waiting': {
      if (state.epoch === context.epoch) return { state, actions: [] };
      const replace: CatchUpAction[] = [{ type: 'clear-timer', timer: 'retry' }, SETTLE];
      if (!state.holding) replace.push(guard);
      return { state: { status: 'paging', ...run(state.inOrder) }, actions: [...replace, FETCH] };
    }
  }
}

/** The run ends (caught up, or given up): live messages show. */
function end(state: CatchUpState & Run, inOrder: boolean): CatchUpStep {
  // Settled before the release: a listener that starts a catch-up meanwhile waits for its own.
  const actions: CatchUpAction[] = [{ type: 'clear-timer', timer: 'hold' }, SETTLE];
  if (state.holding) actions.push(RELEASE);
  return { state: { status: 'live', inOrder }, actions };
}

/** Ended by a drop: the gap is still open, so what is held stays held for the next connection. */
function cutShort(state: CatchUpState & Run): CatchUpStep {
  return { state: state.holding ? { status: 'holding' } : { status: 'live', inOrder: false }, actions: [SETTLE] };
}

function isCurrent(run: Run, context: CatchUpContext): boolean {
  return context.connected && run.epoch === context.epoch;
}
