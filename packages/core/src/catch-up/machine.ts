/**
 * The catch-up state machine of one thread, as a pure function: `(state, event, context) →
 * (state, actions)`. No clock, no I/O: the driver (driver.ts) reads history, holds and
 * releases live messages, and feeds the results back as events. The table is in the README.
 */
import type { SdkError } from '@weiyu/protocol';
import type { ChatTiming } from '../api.js';
import type { MachineStep, TimerAction } from '../machine/runner.js';
import { endsCatchUp, retryDelay } from '../retry/policy.js';

/**
 * The hold guard's clock, which runs only while connected: held messages wait for history, and
 * while the link is down nothing can come that they could be put in order with — letting them
 * through then would show them before what the next connection's catch-up finds.
 */
export type HoldGuard =
  /** Running: it fires at `due` (client time) unless the link drops first. */
  | { readonly due: number }
  /** Stopped while not connected: `left` ms of connected time to go. */
  | { readonly left: number };

/** A catch-up under way: the connection it belongs to and its attempt number (1 for the first). */
interface Run {
  /** The connection (counted from 1) it started on: only a run of the current one ends a gap. */
  readonly epoch: number;
  readonly attempt: number;
  /** Whether live messages wait until it ends (false once the hold guard let them through). */
  readonly holding: boolean;
  /** Whether the thread was in order when it started, and still is. */
  readonly inOrder: boolean;
  /** The hold guard, while holding. */
  readonly guard?: HoldGuard;
}

/** Where one thread stands. */
export type CatchUpState =
  /**
   * No catch-up under way. `inOrder`: caught up on this connection, so every live message
   * since arrived in order and moves the watermark. Not in order and not connected, live
   * messages wait (they came before the catch-up of the connection being set up).
   */
  | { readonly status: 'live'; readonly inOrder: boolean }
  /** A catch-up cut short by a drop: live messages stay held for the next connection's one. */
  | { readonly status: 'holding'; readonly guard?: HoldGuard }
  /** Reading history back to the watermark (one pass). */
  | ({ readonly status: 'paging' } & Run)
  /** A read failed; waiting to try again. */
  | ({ readonly status: 'waiting' } & Run)
  /** A pass is read, but history lags behind this connection: waiting to read it again. */
  | ({ readonly status: 'settling' } & Run);

/** Something that happened to a thread's catch-up. Results of a read carry its run's epoch. */
export type CatchUpEvent =
  /** Catch up (after a connect, a new subscription, or `catchUp()`). */
  | { readonly type: 'start' }
  /**
   * A pass of run `epoch`, started at `startedAt` (client clock), read history back to the
   * watermark and let what it found through. `clean`: no row can have moved past it (history
   * did not shrink while it paged).
   */
  | { readonly type: 'fetched'; readonly epoch: number; readonly startedAt: number; readonly clean: boolean }
  /**
   * A pass of run `epoch` failed. `progressed`: it read a page on this attempt first, so the
   * failures are not in a row: the wait before the next attempt starts again from the first.
   */
  | { readonly type: 'failed'; readonly epoch: number; readonly error: SdkError; readonly progressed?: boolean }
  /** The wait before the next attempt is over. */
  | { readonly type: 'retry' }
  /** The history lag has passed since this connection's live messages began: read again. */
  | { readonly type: 'lag-passed' }
  /**
   * Live messages have been held for `sendDeadlineMs` (plus the history lag) of connected time
   * without a clean pass.
   */
  | { readonly type: 'hold-expired' }
  /** The link is no longer up: what arrives now may have a gap before it. */
  | { readonly type: 'disconnected' };

/** The timers a thread may have running: the hold guard, the wait between attempts, the history lag. */
export type CatchUpTimer = 'hold' | 'retry' | 'lag';

/** What the driver must do after a transition. */
export type CatchUpAction =
  /** Read history back to the watermark (one pass), for the run now under way. */
  | { readonly type: 'fetch' }
  /** Let every held live message through, in the order they came. */
  | { readonly type: 'release' }
  /**
   * Let through the held live messages the clean passes read so far have put in order: those of
   * connections that began at least `historyLagMs` before one started (everything older was in
   * history by then, and that pass let it through).
   */
  | { readonly type: 'release-proven' }
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
  /**
   * When the thread's live messages began to come on this connection (client clock: the
   * connect, or the subscription if later); undefined when not connected.
   */
  readonly liveSince: number | undefined;
  /** The time now (client clock). */
  readonly now: number;
  readonly timing: Pick<ChatTiming, 'sendDeadlineMs' | 'retryBaseMs' | 'retryMaxMs' | 'historyLagMs'>;
}

/** The result of a transition. `state` is the same object when the event changed nothing. */
export type CatchUpStep = MachineStep<CatchUpState, CatchUpAction>;

/** Where a thread starts: nothing known about it. */
export const INITIAL_CATCH_UP: CatchUpState = { status: 'live', inOrder: false };

/** Whether live messages of the thread wait now. */
export function isHolding(state: CatchUpState, connected: boolean): boolean {
  switch (state.status) {
    case 'holding':
      return true;
    case 'live':
      // Not in order and not connected: they came before this connection's catch-up began.
      return !state.inOrder && !connected;
    default:
      return state.holding;
  }
}

/** Whether live messages of the thread arrive in order now (each moves the watermark). */
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
      if (state.status === 'paging' && event.epoch === state.epoch) return fetched(state, event, context);
      // A pass of an earlier run still proves what it read: what it put in order shows.
      return event.clean && state.status !== 'live' && isHolding(state, true) ? progress(state, context) : same;
    case 'failed':
      if (state.status !== 'paging' || event.epoch !== state.epoch) return same;
      // Not allowed to read it, or no longer wanted: trying again would not help.
      if (endsCatchUp(event.error) || !context.subscribed) return end(state, state.inOrder);
      if (!isCurrent(state, context)) return cutShort(state, false);
      return waitToRetry(state, event.progressed ? 1 : state.attempt, context);
    case 'retry':
      if (state.status !== 'waiting') return same;
      return again(state, state.attempt + 1, context);
    case 'lag-passed':
      if (state.status !== 'settling') return same;
      return again(state, 1, context);
    case 'hold-expired':
      // History is slow: live messages show, and what was missed follows (its createdAt tells where).
      if (state.status === 'holding') return { state: { status: 'live', inOrder: false }, actions: [RELEASE] };
      if (state.status === 'live' || !state.holding) return same;
      return { state: { ...state, holding: false, guard: undefined }, actions: [RELEASE] };
    case 'disconnected':
      return disconnected(state, context);
  }
}

/** The link is down: the thread is no longer in order, and the hold guard stops until the next connection. */
function disconnected(state: CatchUpState, context: CatchUpContext): CatchUpStep {
  const guard = state.status === 'live' ? undefined : state.guard;
  const inOrder = state.status !== 'holding' && state.inOrder;
  const running = guard !== undefined && 'due' in guard;
  if (!running && !inOrder) return { state, actions: [] };
  const next = {
    ...state,
    ...(inOrder ? { inOrder: false } : {}),
    ...(running ? { guard: { left: Math.max(0, guard.due - context.now) } } : {}),
  } as CatchUpState;
  return { state: next, actions: running ? [STOP_GUARD] : [] };
}

/** A state other than `live`: one that may hold live messages, with a hold guard. */
type Held = Exclude<CatchUpState, { readonly status: 'live' }>;

const RELEASE: CatchUpAction = { type: 'release' };
const RELEASE_PROVEN: CatchUpAction = { type: 'release-proven' };
const FETCH: CatchUpAction = { type: 'fetch' };
const SETTLE: CatchUpAction = { type: 'settle' };
const STOP_GUARD: CatchUpAction = { type: 'clear-timer', timer: 'hold' };
const CANCEL_RETRY: CatchUpAction = { type: 'clear-timer', timer: 'retry' };
const CANCEL_LAG: CatchUpAction = { type: 'clear-timer', timer: 'lag' };

/**
 * The hold guard: held messages wait at least the history lag, and `sendDeadlineMs` more at most,
 * of connected time. One running runs on; one a drop stopped resumes with what it had left; else
 * a new one. Not connected, it waits for the connection.
 */
function armGuard(context: CatchUpContext, guard?: HoldGuard): { guard: HoldGuard; actions: CatchUpAction[] } {
  if (guard !== undefined && 'due' in guard) return { guard, actions: [] };
  const ms = guard?.left ?? context.timing.sendDeadlineMs + context.timing.historyLagMs;
  if (!context.connected) return { guard: { left: ms }, actions: [] };
  return { guard: { due: context.now + ms }, actions: [{ type: 'set-timer', timer: 'hold', ms }] };
}

/**
 * A catch-up is asked for. One under way for this connection is joined; one from an earlier
 * connection read history before the drop and cannot see what came meanwhile, so it is replaced.
 */
function start(state: CatchUpState, context: CatchUpContext): CatchUpStep {
  // The hold guard set when the holding began still bounds the wait (its connected time).
  const { guard, actions } = armGuard(context, state.status === 'live' ? undefined : state.guard);
  const inOrder = state.status !== 'holding' && state.inOrder;
  const paging: CatchUpState = { status: 'paging', epoch: context.epoch, attempt: 1, holding: true, inOrder, guard };
  if (state.status === 'live' || state.status === 'holding') return { state: paging, actions: [...actions, FETCH] };
  if (state.epoch === context.epoch) return { state, actions: [] };
  return { state: paging, actions: [CANCEL_RETRY, CANCEL_LAG, SETTLE, ...actions, FETCH] };
}

/** A clean pass while holding: what it put in order shows, and the guard measures from now. */
function progress(state: Held, context: CatchUpContext): { state: Held; actions: CatchUpAction[] } {
  const { guard, actions } = armGuard(context);
  return { state: { ...state, guard }, actions: [RELEASE_PROVEN, ...actions] };
}

/**
 * A pass is read. It ends the run when it is clean and started once the history lag had passed
 * since this connection's live messages began: everything before them was in history by then.
 * Otherwise what it proves is let through and history is read again when the lag has passed.
 */
function fetched(
  state: CatchUpState & Run,
  event: Extract<CatchUpEvent, { type: 'fetched' }>,
  context: CatchUpContext,
): CatchUpStep {
  // Not subscribed (a `catchUp()` by hand): nothing comes live, so there is nothing more to wait for.
  if (!context.subscribed) return end(state, state.inOrder);
  if (!isCurrent(state, context)) return cutShort(state, event.clean);
  const { liveSince } = context;
  const lag = context.timing.historyLagMs;
  if (event.clean && liveSince !== undefined && event.startedAt >= liveSince + lag) return end(state, true);
  // Progress: what the pass put in order shows, and the guard measures from now.
  const guard = event.clean && state.holding ? armGuard(context) : undefined;
  const actions: CatchUpAction[] = guard ? [RELEASE_PROVEN, ...guard.actions] : [];
  // No start of live messages known yet (the connect is being told): wait as before a retry.
  const ms =
    liveSince === undefined ? Math.max(lag, context.timing.retryBaseMs) : Math.max(0, liveSince + lag - context.now);
  actions.push({ type: 'set-timer', timer: 'lag', ms });
  return { state: { ...state, status: 'settling', guard: guard ? guard.guard : state.guard }, actions };
}

/**
 * A read failed: wait before the next attempt as long as `attempt` failures in a row call for (a
 * pass that read a page on this attempt counts from 1 again: its failures are not in a row).
 */
function waitToRetry(state: CatchUpState & Run, attempt: number, context: CatchUpContext): CatchUpStep {
  return {
    state: { ...state, status: 'waiting', attempt },
    actions: [{ type: 'set-timer', timer: 'retry', ms: retryDelay(attempt, context.timing) }],
  };
}

/** The next pass (after a wait or the lag), unless the connection or the subscription is gone. */
function again(state: CatchUpState & Run, attempt: number, context: CatchUpContext): CatchUpStep {
  if (!isCurrent(state, context)) return cutShort(state, false);
  if (!context.subscribed) return end(state, state.inOrder);
  return { state: { ...state, status: 'paging', attempt }, actions: [FETCH] };
}

/** The run ends (caught up, or given up): live messages show. */
function end(state: CatchUpState & Run, inOrder: boolean): CatchUpStep {
  // Settled before the release: a listener that starts a catch-up meanwhile waits for its own.
  const actions: CatchUpAction[] = [STOP_GUARD, SETTLE];
  if (state.holding) actions.push(RELEASE);
  return { state: { status: 'live', inOrder }, actions };
}

/**
 * Ended by a drop: the gap is still open, so what is held stays held for the next connection
 * — except what a clean pass just put in order.
 */
function cutShort(state: CatchUpState & Run, proven: boolean): CatchUpStep {
  const actions: CatchUpAction[] = proven && state.holding ? [RELEASE_PROVEN, SETTLE] : [SETTLE];
  // The guard goes on with the holding (stopped by the drop, it resumes on the next connection).
  return {
    state: state.holding ? { status: 'holding', guard: state.guard } : { status: 'live', inOrder: false },
    actions,
  };
}

function isCurrent(run: Run, context: CatchUpContext): boolean {
  return context.connected && run.epoch === context.epoch;
}
