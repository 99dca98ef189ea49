/**
 * The send state machine of one message, as a pure function: `(state, event, context) →
 * (state, actions)`. No clock, no I/O: the sender (sender.ts) runs the actions and feeds the
 * results back as events. Every SENDING state has a deadline, so nothing stays SENDING forever.
 */

import { SdkError } from '@weiyu/protocol';
import type { ChatTiming, LocalStatus } from '../api.js';
import { keepsMessageAfterRestFailure, retryDelay } from '../retry/policy.js';

/** Where one message stands on its way to the server. */
export type SendState =
  /** In the outbox, waiting for its turn on the thread (or for the first connection). */
  | { readonly status: 'queued'; readonly attempt: number }
  /** MQTT PUBLISH sent, waiting for the broker to take it. */
  | { readonly status: 'publishing'; readonly attempt: number }
  /** The broker took it; waiting for the server's echo (the only real confirmation). */
  | { readonly status: 'awaiting-echo'; readonly attempt: number }
  /** Sent over REST, waiting for the answer. */
  | { readonly status: 'posting'; readonly attempt: number }
  /**
   * Failed for a reason that may pass (network, timeout): kept in the outbox, tried again when
   * the retry timer fires in `waitMs`, or once connected (`waitMs` is `Infinity`: no timer, it
   * waits for the connection).
   */
  | { readonly status: 'retry-wait'; readonly attempt: number; readonly error: SdkError; readonly waitMs: number }
  /** Confirmed by the echo or by REST code 200. */
  | { readonly status: 'succeeded'; readonly attempt: number; readonly createdAt?: number }
  /** Failed for good (server refused it, oversize, unauthenticated): out of the outbox. */
  | { readonly status: 'failed'; readonly attempt: number; readonly error: SdkError };

/** Something that happened to a message. Results of an attempt carry its number. */
export type SendEvent =
  /** Its turn came: the first attempt. */
  | { readonly type: 'start' }
  /** Try again after a retryable failure (reconnected, or the retry timer fired). */
  | { readonly type: 'retry' }
  /** The app asked to send it again (`resend`). */
  | { readonly type: 'resend' }
  | { readonly type: 'published'; readonly attempt: number }
  | { readonly type: 'publish-failed'; readonly attempt: number; readonly error: SdkError }
  /** The server's copy with the same uid arrived (any status: a plain broker echoes it as is). */
  | { readonly type: 'echo'; readonly createdAt?: number }
  | { readonly type: 'echo-timeout'; readonly attempt: number }
  | { readonly type: 'rest-ok'; readonly attempt: number; readonly createdAt?: number }
  | { readonly type: 'rest-failed'; readonly attempt: number; readonly error: SdkError }
  /** The attempt's deadline (`sendDeadlineMs`) passed. */
  | { readonly type: 'deadline'; readonly attempt: number };

/** The timers a message may have running. */
export type SendTimer = 'echo' | 'deadline' | 'retry';

/** What the sender must do after a transition. */
export type SendAction =
  | { readonly type: 'publish' }
  | { readonly type: 'post' }
  | { readonly type: 'set-timer'; readonly timer: SendTimer; readonly ms: number }
  | { readonly type: 'clear-timer'; readonly timer: SendTimer }
  /** Take it out of the outbox: it is confirmed or failed for good. */
  | { readonly type: 'forget' };

/** The facts of the moment a transition depends on. */
export interface SendContext {
  /** Whether the realtime link is up now. */
  readonly connected: boolean;
  /** Whether there is a REST fallback. */
  readonly hasRest: boolean;
  /** Whether the encoded message is too big for one MQTT packet. */
  readonly oversize: boolean;
  readonly timing: Pick<ChatTiming, 'echoTimeoutMs' | 'sendDeadlineMs' | 'retryBaseMs' | 'retryMaxMs'>;
}

/** The result of a transition. `state` is the same object when the event changed nothing. */
export interface Transition {
  readonly state: SendState;
  readonly actions: readonly SendAction[];
}

const CLEAR_ALL: readonly SendAction[] = [
  { type: 'clear-timer', timer: 'echo' },
  { type: 'clear-timer', timer: 'deadline' },
  { type: 'clear-timer', timer: 'retry' },
];
/** Settled for good: no timer left, out of the outbox. Shared: actions are never changed. */
const SETTLE: readonly SendAction[] = [...CLEAR_ALL, { type: 'forget' }];
const NONE: readonly SendAction[] = [];
const PUBLISH: SendAction = { type: 'publish' };
const POST: SendAction = { type: 'post' };
const CLEAR_RETRY: SendAction = { type: 'clear-timer', timer: 'retry' };
const CLEAR_ECHO: SendAction = { type: 'clear-timer', timer: 'echo' };

/** The status the app sees for a send state. */
export function sendStatus(state: SendState): LocalStatus {
  switch (state.status) {
    case 'queued':
      return 'QUEUED';
    case 'publishing':
    case 'awaiting-echo':
    case 'posting':
      return 'SENDING';
    case 'succeeded':
      return 'SUCCESS';
    case 'retry-wait':
      return 'RETRYING';
    case 'failed':
      return 'FAILED';
  }
}

/** Whether the state is one of the SENDING ones (an attempt in progress). */
export function isInFlight(state: SendState): boolean {
  return state.status === 'publishing' || state.status === 'awaiting-echo' || state.status === 'posting';
}

/** Whether nothing more will happen to the message unless the app resends it. */
export function isSettled(state: SendState): boolean {
  return state.status === 'succeeded' || state.status === 'failed';
}

/** The pure transition function of the send state machine. */
export function transition(state: SendState, event: SendEvent, context: SendContext): Transition {
  const same: Transition = { state, actions: NONE };
  switch (event.type) {
    case 'start':
      return state.status === 'queued' ? attempt(state.attempt + 1, context) : same;
    case 'retry':
      if (state.status !== 'retry-wait') return same;
      // Nowhere to send it (the link went down after the timer was set): wait for the connection.
      if (!context.connected && !context.hasRest) {
        return state.waitMs === Infinity ? same : { state: { ...state, waitMs: Infinity }, actions: NONE };
      }
      return attempt(state.attempt + 1, context);
    case 'resend':
      return state.status === 'retry-wait' || state.status === 'failed' ? attempt(state.attempt + 1, context) : same;
    case 'published':
      if (state.status !== 'publishing' || event.attempt !== state.attempt) return same;
      return {
        state: { status: 'awaiting-echo', attempt: state.attempt },
        actions: [{ type: 'set-timer', timer: 'echo', ms: context.timing.echoTimeoutMs }],
      };
    case 'publish-failed':
      if (state.status !== 'publishing' || event.attempt !== state.attempt) return same;
      if (context.hasRest) return { state: { status: 'posting', attempt: state.attempt }, actions: [{ type: 'post' }] };
      return waitToRetry(state.attempt, event.error, context);
    case 'echo':
    case 'rest-ok': {
      if (state.status === 'succeeded') return same;
      if (event.type === 'rest-ok' && state.status === 'queued') return same;
      const succeeded: SendState =
        event.createdAt === undefined
          ? { status: 'succeeded', attempt: state.attempt }
          : { status: 'succeeded', attempt: state.attempt, createdAt: event.createdAt };
      return { state: succeeded, actions: SETTLE };
    }
    case 'echo-timeout':
      if (state.status !== 'awaiting-echo' || event.attempt !== state.attempt) return same;
      if (context.hasRest) return { state: { status: 'posting', attempt: state.attempt }, actions: [{ type: 'post' }] };
      // No REST: publish the same uid again (the server stores by uid; receivers drop duplicates).
      if (context.connected) {
        return { state: { status: 'publishing', attempt: state.attempt }, actions: [{ type: 'publish' }] };
      }
      return waitToRetry(state.attempt, notConnected(), context);
    case 'rest-failed':
      if (state.status !== 'posting' || event.attempt !== state.attempt) return same;
      if (keepsMessageAfterRestFailure(event.error)) return waitToRetry(state.attempt, event.error, context);
      return { state: { status: 'failed', attempt: state.attempt, error: event.error }, actions: SETTLE };
    case 'deadline':
      if (!isInFlight(state) || event.attempt !== state.attempt) return same;
      return waitToRetry(
        state.attempt,
        new SdkError('timeout', `not confirmed within ${context.timing.sendDeadlineMs} ms; will be sent again`),
        context,
      );
  }
}

/** A new attempt: MQTT when connected and the message fits, else REST, else wait. */
function attempt(number: number, context: SendContext): Transition {
  if (context.oversize) {
    if (context.hasRest) return { state: { status: 'posting', attempt: number }, actions: begin(context, POST) };
    return {
      state: {
        status: 'failed',
        attempt: number,
        error: new SdkError('oversize', 'the message is too big for one MQTT packet and there is no REST fallback'),
      },
      actions: SETTLE,
    };
  }
  if (context.connected) {
    return { state: { status: 'publishing', attempt: number }, actions: begin(context, PUBLISH) };
  }
  if (context.hasRest) return { state: { status: 'posting', attempt: number }, actions: begin(context, POST) };
  return waitToRetry(number, notConnected(), context);
}

/** The actions that begin an attempt: no retry or echo timer left, the attempt's deadline, then `send`. */
function begin(context: SendContext, send: SendAction): readonly SendAction[] {
  return [CLEAR_RETRY, CLEAR_ECHO, { type: 'set-timer', timer: 'deadline', ms: context.timing.sendDeadlineMs }, send];
}

/** RETRYING, kept: retried after a backoff (connected, or REST to retry on), else on the next connect. */
function waitToRetry(number: number, error: SdkError, context: SendContext): Transition {
  // With REST the retry needs no connection (an anonymous visitor may never connect).
  if (!context.connected && !context.hasRest) {
    return { state: { status: 'retry-wait', attempt: number, error, waitMs: Infinity }, actions: CLEAR_ALL };
  }
  const waitMs = retryDelay(number, context.timing);
  return {
    state: { status: 'retry-wait', attempt: number, error, waitMs },
    actions: [...CLEAR_ALL, { type: 'set-timer', timer: 'retry', ms: waitMs }],
  };
}

function notConnected(): SdkError {
  return new SdkError('not_connected', 'not connected; the message is kept and sent when the connection is back');
}
