import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../retry/policy.js';
import {
  isInFlight,
  isSettled,
  type SendAction,
  type SendContext,
  type SendEvent,
  type SendState,
  sendStatus,
  transition,
} from './machine.js';

const timing = { echoTimeoutMs: 5_000, sendDeadlineMs: 30_000, retryBaseMs: 5_000, retryMaxMs: 60_000 };
const ctx = (over: Partial<SendContext> = {}): SendContext => ({
  connected: true,
  hasRest: true,
  oversize: false,
  timing,
  ...over,
});

const network = new SdkError('network', 'socket closed');
const server = new SdkError('server_error', 'thread closed');
const unauthenticated = new SdkError('unauthenticated', 'token expired');

const queued: SendState = { status: 'queued', attempt: 0 };
const publishing: SendState = { status: 'publishing', attempt: 1 };
const awaiting: SendState = { status: 'awaiting-echo', attempt: 1 };
const posting: SendState = { status: 'posting', attempt: 1 };
const retryWait: SendState = { status: 'retry-wait', attempt: 1, error: network, waitMs: 5_000 };
const waitingForLink: SendState = { status: 'retry-wait', attempt: 1, error: network, waitMs: Infinity };
const succeeded: SendState = { status: 'succeeded', attempt: 1 };
const failed: SendState = { status: 'failed', attempt: 1, error: server };

const BEGIN: SendAction[] = [
  { type: 'clear-timer', timer: 'retry' },
  { type: 'clear-timer', timer: 'echo' },
  { type: 'set-timer', timer: 'deadline', ms: 30_000 },
];
const CLEAR_ALL: SendAction[] = [
  { type: 'clear-timer', timer: 'echo' },
  { type: 'clear-timer', timer: 'deadline' },
  { type: 'clear-timer', timer: 'retry' },
];
const WAIT_CONNECTED = (attempt: number): SendAction[] => [
  ...CLEAR_ALL,
  { type: 'set-timer', timer: 'retry', ms: retryDelay(attempt, timing) },
];

interface Row {
  readonly name: string;
  readonly from: SendState;
  readonly event: SendEvent;
  readonly context?: Partial<SendContext>;
  /** The expected state's status and attempt; the error code when it has one; a retry wait's `waitMs`. */
  readonly to: { status: SendState['status']; attempt: number; code?: string; createdAt?: number; waitMs?: number };
  readonly actions: SendAction[];
}

const rows: Row[] = [
  // start
  {
    name: 'start, connected → publish',
    from: queued,
    event: { type: 'start' },
    to: { status: 'publishing', attempt: 1 },
    actions: [...BEGIN, { type: 'publish' }],
  },
  {
    name: 'start, offline with REST → post',
    from: queued,
    event: { type: 'start' },
    context: { connected: false },
    to: { status: 'posting', attempt: 1 },
    actions: [...BEGIN, { type: 'post' }],
  },
  {
    name: 'start, offline without REST → RETRYING, waits for the connection',
    from: queued,
    event: { type: 'start' },
    context: { connected: false, hasRest: false },
    to: { status: 'retry-wait', attempt: 1, code: 'not_connected', waitMs: Infinity },
    actions: CLEAR_ALL,
  },
  {
    name: 'start, oversize with REST → post (never MQTT)',
    from: queued,
    event: { type: 'start' },
    context: { oversize: true },
    to: { status: 'posting', attempt: 1 },
    actions: [...BEGIN, { type: 'post' }],
  },
  {
    name: 'start, oversize without REST → FAILED oversize, forgotten',
    from: queued,
    event: { type: 'start' },
    context: { oversize: true, hasRest: false },
    to: { status: 'failed', attempt: 1, code: 'oversize' },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'start when not queued is ignored',
    from: publishing,
    event: { type: 'start' },
    to: { status: 'publishing', attempt: 1 },
    actions: [],
  },
  // publishing
  {
    name: 'published → wait for the echo',
    from: publishing,
    event: { type: 'published', attempt: 1 },
    to: { status: 'awaiting-echo', attempt: 1 },
    actions: [{ type: 'set-timer', timer: 'echo', ms: 5_000 }],
  },
  {
    name: 'published of an older attempt is ignored',
    from: publishing,
    event: { type: 'published', attempt: 0 },
    to: { status: 'publishing', attempt: 1 },
    actions: [],
  },
  {
    name: 'publish failed with REST → post',
    from: publishing,
    event: { type: 'publish-failed', attempt: 1, error: network },
    to: { status: 'posting', attempt: 1 },
    actions: [{ type: 'post' }],
  },
  {
    name: 'publish failed without REST, still connected → retry later',
    from: publishing,
    event: { type: 'publish-failed', attempt: 1, error: network },
    context: { hasRest: false },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'publish failed without REST, offline → wait for the connection',
    from: publishing,
    event: { type: 'publish-failed', attempt: 1, error: network },
    context: { hasRest: false, connected: false },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: Infinity },
    actions: CLEAR_ALL,
  },
  {
    name: 'publish failed of an older attempt is ignored',
    from: publishing,
    event: { type: 'publish-failed', attempt: 7, error: network },
    to: { status: 'publishing', attempt: 1 },
    actions: [],
  },
  // echo (any status: a plain broker echoes SENDING as it is)
  {
    name: 'echo while publishing → SUCCESS',
    from: publishing,
    event: { type: 'echo', createdAt: 42 },
    to: { status: 'succeeded', attempt: 1, createdAt: 42 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'echo while awaiting it → SUCCESS',
    from: awaiting,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'echo while posting → SUCCESS',
    from: posting,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'echo while waiting to retry → SUCCESS',
    from: retryWait,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'echo of a message left by an earlier client → SUCCESS',
    from: queued,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 0 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'echo after a final failure → SUCCESS after all',
    from: failed,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'late echo after SUCCESS is merged (no change)',
    from: succeeded,
    event: { type: 'echo' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [],
  },
  // echo timeout
  {
    name: 'echo timeout with REST → post the same uid',
    from: awaiting,
    event: { type: 'echo-timeout', attempt: 1 },
    to: { status: 'posting', attempt: 1 },
    actions: [{ type: 'post' }],
  },
  {
    name: 'echo timeout without REST, connected → publish again',
    from: awaiting,
    event: { type: 'echo-timeout', attempt: 1 },
    context: { hasRest: false },
    to: { status: 'publishing', attempt: 1 },
    actions: [{ type: 'publish' }],
  },
  {
    name: 'echo timeout without REST, offline → wait for the connection',
    from: awaiting,
    event: { type: 'echo-timeout', attempt: 1 },
    context: { hasRest: false, connected: false },
    to: { status: 'retry-wait', attempt: 1, code: 'not_connected', waitMs: Infinity },
    actions: CLEAR_ALL,
  },
  {
    name: 'echo timeout of an older attempt is ignored',
    from: awaiting,
    event: { type: 'echo-timeout', attempt: 0 },
    to: { status: 'awaiting-echo', attempt: 1 },
    actions: [],
  },
  // REST
  {
    name: 'REST code 200 → SUCCESS with the server time',
    from: posting,
    event: { type: 'rest-ok', attempt: 1, createdAt: 7 },
    to: { status: 'succeeded', attempt: 1, createdAt: 7 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'REST ok of an older attempt still confirms',
    from: publishing,
    event: { type: 'rest-ok', attempt: 0 },
    to: { status: 'succeeded', attempt: 1 },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'REST ok for a queued message is ignored',
    from: queued,
    event: { type: 'rest-ok', attempt: 0 },
    to: { status: 'queued', attempt: 0 },
    actions: [],
  },
  {
    name: 'REST code ≠ 200 → FAILED with the server message, forgotten',
    from: posting,
    event: { type: 'rest-failed', attempt: 1, error: server },
    to: { status: 'failed', attempt: 1, code: 'server_error' },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'REST 401 → FAILED unauthenticated, forgotten',
    from: posting,
    event: { type: 'rest-failed', attempt: 1, error: unauthenticated },
    to: { status: 'failed', attempt: 1, code: 'unauthenticated' },
    actions: [...CLEAR_ALL, { type: 'forget' }],
  },
  {
    name: 'REST network error, connected → RETRYING, retry timer',
    from: posting,
    event: { type: 'rest-failed', attempt: 1, error: network },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'REST network error, offline with REST → RETRYING, retry timer (REST needs no connection)',
    from: posting,
    event: { type: 'rest-failed', attempt: 1, error: network },
    context: { connected: false },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'REST answered something that is not the envelope (a portal page) → kept, retry timer',
    from: posting,
    event: { type: 'rest-failed', attempt: 1, error: new SdkError('protocol', 'not the envelope') },
    to: { status: 'retry-wait', attempt: 1, code: 'protocol', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'REST failure of an older attempt is ignored',
    from: posting,
    event: { type: 'rest-failed', attempt: 0, error: server },
    to: { status: 'posting', attempt: 1 },
    actions: [],
  },
  // deadline
  {
    name: 'deadline while publishing → RETRYING (timeout)',
    from: publishing,
    event: { type: 'deadline', attempt: 1 },
    to: { status: 'retry-wait', attempt: 1, code: 'timeout', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'deadline while awaiting the echo, offline, no REST → RETRYING, kept for reconnect',
    from: awaiting,
    event: { type: 'deadline', attempt: 1 },
    context: { connected: false, hasRest: false },
    to: { status: 'retry-wait', attempt: 1, code: 'timeout', waitMs: Infinity },
    actions: CLEAR_ALL,
  },
  {
    name: 'deadline while awaiting the echo, offline with REST → RETRYING, retry timer',
    from: awaiting,
    event: { type: 'deadline', attempt: 1 },
    context: { connected: false },
    to: { status: 'retry-wait', attempt: 1, code: 'timeout', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'deadline while posting → RETRYING',
    from: posting,
    event: { type: 'deadline', attempt: 1 },
    to: { status: 'retry-wait', attempt: 1, code: 'timeout', waitMs: 5_000 },
    actions: WAIT_CONNECTED(1),
  },
  {
    name: 'deadline of an older attempt is ignored',
    from: posting,
    event: { type: 'deadline', attempt: 0 },
    to: { status: 'posting', attempt: 1 },
    actions: [],
  },
  {
    name: 'deadline after SUCCESS is ignored',
    from: succeeded,
    event: { type: 'deadline', attempt: 1 },
    to: { status: 'succeeded', attempt: 1 },
    actions: [],
  },
  // retry and resend
  {
    name: 'retry (reconnected) → next attempt over MQTT',
    from: retryWait,
    event: { type: 'retry' },
    to: { status: 'publishing', attempt: 2 },
    actions: [...BEGIN, { type: 'publish' }],
  },
  {
    name: 'retry with nowhere to send (the link went down after the timer was set) → waits for the connection',
    from: retryWait,
    event: { type: 'retry' },
    context: { connected: false, hasRest: false },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: Infinity },
    actions: [],
  },
  {
    name: 'retry with nowhere to send, waiting for the connection already → unchanged',
    from: waitingForLink,
    event: { type: 'retry' },
    context: { connected: false, hasRest: false },
    to: { status: 'retry-wait', attempt: 1, code: 'network', waitMs: Infinity },
    actions: [],
  },
  {
    name: 'retry offline with REST → post',
    from: retryWait,
    event: { type: 'retry' },
    context: { connected: false },
    to: { status: 'posting', attempt: 2 },
    actions: [...BEGIN, { type: 'post' }],
  },
  {
    name: 'retry of a message in flight is ignored',
    from: awaiting,
    event: { type: 'retry' },
    to: { status: 'awaiting-echo', attempt: 1 },
    actions: [],
  },
  {
    name: 'resend a final failure → new attempt',
    from: failed,
    event: { type: 'resend' },
    to: { status: 'publishing', attempt: 2 },
    actions: [...BEGIN, { type: 'publish' }],
  },
  {
    name: 'resend while waiting to retry → new attempt now',
    from: retryWait,
    event: { type: 'resend' },
    to: { status: 'publishing', attempt: 2 },
    actions: [...BEGIN, { type: 'publish' }],
  },
  {
    name: 'resend of a confirmed message is ignored',
    from: succeeded,
    event: { type: 'resend' },
    to: { status: 'succeeded', attempt: 1 },
    actions: [],
  },
  {
    name: 'resend of a message in flight is ignored',
    from: posting,
    event: { type: 'resend' },
    to: { status: 'posting', attempt: 1 },
    actions: [],
  },
];

describe('send state machine', () => {
  it.each(rows)('$name', (row) => {
    const result = transition(row.from, row.event, ctx(row.context));
    const { status, attempt } = result.state;
    expect({ status, attempt }).toEqual({ status: row.to.status, attempt: row.to.attempt });
    if (row.to.code) {
      expect('error' in result.state && result.state.error.code).toBe(row.to.code);
    }
    if (row.to.createdAt !== undefined) {
      expect(result.state.status === 'succeeded' && result.state.createdAt).toBe(row.to.createdAt);
    }
    if (row.to.waitMs !== undefined) {
      expect(result.state.status === 'retry-wait' && result.state.waitMs).toBe(row.to.waitMs);
    }
    expect(result.actions).toEqual(row.actions);
    // Nothing to do and nothing new: the same state object (the one exception: a retry wait that lost its timer).
    const lostTimer = row.from.status === 'retry-wait' && row.to.waitMs === Infinity && row.from.waitMs !== Infinity;
    if (row.actions.length === 0 && !lostTimer) expect(result.state).toBe(row.from);
  });

  it('covers every state with at least one row', () => {
    const covered = new Set(rows.map((r) => r.from.status));
    expect([...covered].sort()).toEqual(
      ['awaiting-echo', 'failed', 'posting', 'publishing', 'queued', 'retry-wait', 'succeeded'].sort(),
    );
  });

  it('gives every SENDING state a deadline: each attempt sets one, and the deadline leaves SENDING', () => {
    for (const row of rows) {
      const result = transition(row.from, row.event, ctx(row.context));
      const entersFlight = isInFlight(result.state) && !isInFlight(row.from);
      if (entersFlight) {
        expect(result.actions).toContainEqual({ type: 'set-timer', timer: 'deadline', ms: 30_000 });
      }
    }
    for (const from of [publishing, awaiting, posting]) {
      const result = transition(from, { type: 'deadline', attempt: 1 }, ctx());
      expect(sendStatus(result.state)).toBe('RETRYING');
      expect(isInFlight(result.state)).toBe(false);
    }
  });

  it('maps states to the statuses the app sees', () => {
    expect([queued, publishing, awaiting, posting, retryWait, succeeded, failed].map(sendStatus)).toEqual([
      'QUEUED',
      'SENDING',
      'SENDING',
      'SENDING',
      'RETRYING',
      'SUCCESS',
      'FAILED',
    ]);
    expect(isSettled(succeeded) && isSettled(failed) && !isSettled(retryWait)).toBe(true);
  });

  it('gives every retry wait a time: the retry timer it sets, or Infinity when it sets none (waits for the connection)', () => {
    for (const row of rows) {
      const result = transition(row.from, row.event, ctx(row.context));
      if (result.state.status !== 'retry-wait' || result.state === row.from) continue;
      const timer = result.actions.find((a) => a.type === 'set-timer' && a.timer === 'retry');
      expect(result.state.waitMs, row.name).toBe(timer?.type === 'set-timer' ? timer.ms : Infinity);
    }
  });

  it('marks retryable failures retryable and final ones not', () => {
    const waiting = transition(posting, { type: 'rest-failed', attempt: 1, error: network }, ctx()).state;
    expect(waiting.status === 'retry-wait' && waiting.error.retryable).toBe(true);
    const final = transition(posting, { type: 'rest-failed', attempt: 1, error: server }, ctx()).state;
    expect(final.status === 'failed' && final.error.retryable).toBe(false);
  });

  it('backs off automatic retries, doubling up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, timing))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
  });
});
