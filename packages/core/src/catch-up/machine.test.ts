import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../retry/policy.js';
import {
  type CatchUpAction,
  type CatchUpContext,
  type CatchUpEvent,
  type CatchUpState,
  INITIAL_CATCH_UP,
  isHolding,
  isInOrder,
  transition,
} from './machine.js';

const timing = { sendDeadlineMs: 30_000, retryBaseMs: 5_000, retryMaxMs: 60_000, historyLagMs: 5_000 };
/**
 * On connection 2, connected, the thread subscribed; its live messages began at 1,000 and it
 * is 3,000 now: the history lag passes at 6,000.
 */
const ctx = (over: Partial<CatchUpContext> = {}): CatchUpContext => ({
  epoch: 2,
  connected: true,
  subscribed: true,
  liveSince: 1_000,
  now: 3_000,
  timing,
  ...over,
});

const network = new SdkError('network', 'socket closed');
const server = new SdkError('server_error', 'try later');
const refused = new SdkError('not_authorized', 'not a participant');

const live: CatchUpState = { status: 'live', inOrder: false };
const liveInOrder: CatchUpState = { status: 'live', inOrder: true };
/** The guard set at 3,000 (`sendDeadlineMs` + `historyLagMs`), and one a drop stopped with 20 s left. */
const GUARD_SET = { due: 38_000 } as const;
const GUARD_STOPPED = { left: 20_000 } as const;
/** Cut short by a drop: the guard stopped with it. */
const holding: CatchUpState = { status: 'holding', guard: GUARD_STOPPED };
/** Cut short while the guard ran (the run's connection replaced while connected). */
const holdingGuarded: CatchUpState = { status: 'holding', guard: GUARD_SET };
const run = { epoch: 2, attempt: 1, holding: true, inOrder: false, guard: GUARD_SET } as const;
const paging: CatchUpState = { status: 'paging', ...run };
const pagingInOrder: CatchUpState = { status: 'paging', ...run, inOrder: true };
const pagingReleased: CatchUpState = { status: 'paging', ...run, holding: false, guard: undefined };
const pagingThird: CatchUpState = { status: 'paging', ...run, attempt: 3 };
const waiting: CatchUpState = { status: 'waiting', ...run };
const waitingReleased: CatchUpState = { status: 'waiting', ...run, holding: false, guard: undefined };
const settling: CatchUpState = { status: 'settling', ...run };
const settlingInOrder: CatchUpState = { status: 'settling', ...run, inOrder: true };
const settlingReleased: CatchUpState = { status: 'settling', ...run, holding: false, guard: undefined };
/** Runs of connection 1, whose drop stopped the guard. */
const pagingEarlier: CatchUpState = { status: 'paging', ...run, epoch: 1, guard: GUARD_STOPPED };
const waitingEarlier: CatchUpState = { status: 'waiting', ...run, epoch: 1, guard: GUARD_STOPPED };
const settlingEarlier: CatchUpState = { status: 'settling', ...run, epoch: 1, guard: GUARD_STOPPED };
const pagingEarlierReleased: CatchUpState = { ...pagingReleased, epoch: 1 };
const waitingEarlierReleased: CatchUpState = { ...waitingReleased, epoch: 1 };
const settlingEarlierReleased: CatchUpState = { ...settlingReleased, epoch: 1 };

/** A clean pass of run 2 that started once the lag had passed (at 6,000), and one that started before. */
const fetchedAfterLag: CatchUpEvent = { type: 'fetched', epoch: 2, startedAt: 6_000, clean: true };
const fetchedEarly: CatchUpEvent = { type: 'fetched', epoch: 2, startedAt: 2_000, clean: true };

/** `sendDeadlineMs` more than the history lag. */
const GUARD: CatchUpAction = { type: 'set-timer', timer: 'hold', ms: 35_000 };
/** The guard a drop stopped, resumed with the 20 s it had left (due at 23,000). */
const RESUME_GUARD: CatchUpAction = { type: 'set-timer', timer: 'hold', ms: 20_000 };
const FETCH: CatchUpAction = { type: 'fetch' };
const RELEASE: CatchUpAction = { type: 'release' };
const RELEASE_PROVEN: CatchUpAction = { type: 'release-proven' };
const SETTLE: CatchUpAction = { type: 'settle' };
const END_GUARD: CatchUpAction = { type: 'clear-timer', timer: 'hold' };
const CANCEL_WAIT: CatchUpAction = { type: 'clear-timer', timer: 'retry' };
const CANCEL_LAG: CatchUpAction = { type: 'clear-timer', timer: 'lag' };
/** The lag timer: until 6,000, from 3,000. */
const LAG: CatchUpAction = { type: 'set-timer', timer: 'lag', ms: 3_000 };
/** The timer that ends a wait: `retry` for waiting, `lag-passed` for settling. */
const timerOf = (from: CatchUpState): CatchUpEvent =>
  from.status === 'settling' ? { type: 'lag-passed' } : { type: 'retry' };

interface Row {
  /** The README's columns: the state(s), the event and when, the next state. */
  readonly state: string;
  readonly event: string;
  readonly next: string;
  readonly from: readonly CatchUpState[];
  /** The event, or the one for each start state (the timer of waiting, the timer of settling). */
  readonly on: CatchUpEvent | ((from: CatchUpState) => CatchUpEvent);
  readonly context?: Partial<CatchUpContext>;
  /** The next state: `unchanged` (the same object), a state, or one made from the start state. */
  readonly to: 'unchanged' | CatchUpState | ((from: CatchUpState) => CatchUpState);
  readonly actions: readonly CatchUpAction[];
}

/** The catch-up table of the README, row by row; each row is checked against `transition`. */
const rows: Row[] = [
  {
    state: 'live',
    event: 'start (a connect, a new subscription, `catchUp()`)',
    next: 'paging (attempt 1 of this connection), holding',
    from: [live, liveInOrder],
    on: { type: 'start' },
    to: (from) => ({ status: 'paging', ...run, inOrder: isInOrder(from) }),
    actions: [GUARD, FETCH],
  },
  {
    state: 'holding',
    event: 'start',
    next: 'paging, holding (the guard resumes with the connected time it had left)',
    from: [holding],
    on: { type: 'start' },
    to: { status: 'paging', ...run, guard: { due: 23_000 } },
    actions: [RESUME_GUARD, FETCH],
  },
  {
    state: 'paging, waiting, settling',
    event: 'start, same connection',
    next: 'unchanged (the caller joins the run)',
    from: [paging, waiting, settling],
    on: { type: 'start' },
    to: 'unchanged',
    actions: [],
  },
  {
    state: 'paging, waiting, settling (holding)',
    event: 'start, a newer connection',
    next: 'paging (attempt 1 of this connection; the guard resumes)',
    from: [pagingEarlier, waitingEarlier, settlingEarlier],
    on: { type: 'start' },
    to: { status: 'paging', ...run, guard: { due: 23_000 } },
    actions: [CANCEL_WAIT, CANCEL_LAG, SETTLE, RESUME_GUARD, FETCH],
  },
  {
    state: 'paging, waiting, settling (guard expired)',
    event: 'start, a newer connection',
    next: 'paging (attempt 1 of this connection), holding',
    from: [pagingEarlierReleased, waitingEarlierReleased, settlingEarlierReleased],
    on: { type: 'start' },
    to: { status: 'paging', ...run },
    actions: [CANCEL_WAIT, CANCEL_LAG, SETTLE, GUARD, FETCH],
  },
  {
    state: 'paging',
    event:
      'fetched: a clean pass, started once `historyLagMs` had passed since the thread’s live messages began (connected on the run’s connection)',
    next: 'live, in order',
    from: [paging],
    on: fetchedAfterLag,
    to: liveInOrder,
    actions: [END_GUARD, SETTLE, RELEASE],
  },
  {
    state: 'paging (holding)',
    event: 'fetched: a clean pass, started before the lag had passed',
    next: 'settling (history may not have what came just before this connection yet)',
    from: [paging],
    on: fetchedEarly,
    to: settling,
    actions: [RELEASE_PROVEN, GUARD, LAG],
  },
  {
    state: 'paging (guard expired)',
    event: 'fetched: a clean pass, started before the lag had passed',
    next: 'settling',
    from: [pagingReleased],
    on: fetchedEarly,
    to: settlingReleased,
    actions: [LAG],
  },
  {
    state: 'paging',
    event: 'fetched: not clean (history shrank while it paged: a row may have moved past it)',
    next: 'settling (read again as soon as the lag has passed)',
    from: [paging],
    on: { type: 'fetched', epoch: 2, startedAt: 6_000, clean: false },
    context: { now: 7_000 },
    to: settling,
    actions: [{ type: 'set-timer', timer: 'lag', ms: 0 }],
  },
  {
    state: 'paging (holding)',
    event: 'fetched, the run’s connection gone',
    next: 'holding (cut short: the gap is still open; the guard goes with it)',
    from: [{ ...paging, guard: GUARD_STOPPED }, paging],
    on: fetchedAfterLag,
    context: { connected: false, liveSince: undefined },
    to: (from) => ({ status: 'holding', guard: 'guard' in from ? from.guard : undefined }),
    actions: [RELEASE_PROVEN, SETTLE],
  },
  {
    state: 'paging (guard expired)',
    event: 'fetched, the run’s connection gone',
    next: 'live (cut short)',
    from: [pagingReleased],
    on: fetchedAfterLag,
    context: { connected: false, liveSince: undefined },
    to: live,
    actions: [SETTLE],
  },
  {
    state: 'paging',
    event: 'fetched, the thread not subscribed (`catchUp()` by hand)',
    next: 'live (in order only if it was)',
    from: [paging, pagingInOrder],
    on: fetchedEarly,
    context: { subscribed: false },
    to: (from) => ({ status: 'live', inOrder: isInOrder(from) }),
    actions: [END_GUARD, SETTLE, RELEASE],
  },
  {
    state: 'paging, waiting, settling, holding (holding)',
    event: 'fetched: a clean pass of an earlier run',
    next: 'unchanged but the guard, which measures from now (what it found went through all the same)',
    from: [paging, waiting, settling, holding],
    on: { type: 'fetched', epoch: 1, startedAt: 6_000, clean: true },
    to: (from) => ({ ...from, guard: GUARD_SET }) as CatchUpState,
    actions: [RELEASE_PROVEN, GUARD],
  },
  {
    state: 'holding',
    event: 'fetched: a clean pass of an earlier run, not connected',
    next: 'unchanged but the guard, which starts again on the next connection',
    from: [holding],
    on: { type: 'fetched', epoch: 1, startedAt: 6_000, clean: true },
    context: { connected: false, liveSince: undefined },
    to: { status: 'holding', guard: { left: 35_000 } },
    actions: [RELEASE_PROVEN],
  },
  {
    state: 'paging',
    event: 'fetched (not clean) or failed, of an earlier run',
    next: 'unchanged (what it found went through all the same)',
    from: [paging],
    on: { type: 'fetched', epoch: 1, startedAt: 6_000, clean: false },
    to: 'unchanged',
    actions: [],
  },
  {
    state: 'paging',
    event: 'failed, a refusal (`endsCatchUp`: not authorized, bad topic…)',
    next: 'live (given up)',
    from: [paging],
    on: { type: 'failed', epoch: 2, error: refused },
    to: live,
    actions: [END_GUARD, SETTLE, RELEASE],
  },
  {
    state: 'paging',
    event: 'failed, the thread no longer subscribed',
    next: 'live (given up)',
    from: [paging],
    on: { type: 'failed', epoch: 2, error: network },
    context: { subscribed: false },
    to: live,
    actions: [END_GUARD, SETTLE, RELEASE],
  },
  {
    state: 'paging (holding)',
    event: 'failed, the run’s connection gone',
    next: 'holding (cut short: the gap is still open)',
    from: [{ ...paging, guard: GUARD_STOPPED }],
    on: { type: 'failed', epoch: 2, error: network },
    context: { connected: false },
    to: holding,
    actions: [SETTLE],
  },
  {
    state: 'paging (guard expired)',
    event: 'failed, the run’s connection gone',
    next: 'live (cut short)',
    from: [pagingReleased],
    on: { type: 'failed', epoch: 2, error: network },
    context: { epoch: 3 },
    to: live,
    actions: [SETTLE],
  },
  {
    state: 'paging',
    event: 'failed otherwise (network, server error, timeout)',
    next: 'waiting',
    from: [pagingThird],
    on: { type: 'failed', epoch: 2, error: server },
    to: { status: 'waiting', ...run, attempt: 3 },
    actions: [{ type: 'set-timer', timer: 'retry', ms: retryDelay(3, timing) }],
  },
  {
    state: 'paging',
    event: 'failed after reading a page on this attempt (not failures in a row)',
    next: 'waiting (the backoff starts again)',
    from: [pagingThird],
    on: { type: 'failed', epoch: 2, error: server, progressed: true },
    to: { status: 'waiting', ...run, attempt: 1 },
    actions: [{ type: 'set-timer', timer: 'retry', ms: retryDelay(1, timing) }],
  },
  {
    state: 'waiting',
    event: 'retry timer',
    next: 'paging (next attempt)',
    from: [waiting],
    on: { type: 'retry' },
    to: { status: 'paging', ...run, attempt: 2 },
    actions: [FETCH],
  },
  {
    state: 'waiting, settling (holding)',
    event: 'retry or lag timer, the run’s connection gone',
    next: 'holding (cut short)',
    from: [waiting, settling].map((from) => ({ ...from, guard: GUARD_STOPPED }) as CatchUpState),
    on: timerOf,
    context: { connected: false },
    to: holding,
    actions: [SETTLE],
  },
  {
    state: 'waiting, settling (guard expired)',
    event: 'retry or lag timer, the run’s connection gone',
    next: 'live (cut short)',
    from: [waitingReleased, settlingReleased],
    on: timerOf,
    context: { connected: false },
    to: live,
    actions: [SETTLE],
  },
  {
    state: 'waiting, settling',
    event: 'retry or lag timer, the thread no longer subscribed',
    next: 'live (given up)',
    from: [waiting, settling],
    on: timerOf,
    context: { subscribed: false },
    to: live,
    actions: [END_GUARD, SETTLE, RELEASE],
  },
  {
    state: 'settling',
    event: 'lag timer (`historyLagMs` since the thread’s live messages began)',
    next: 'paging (attempt 1: the next pass)',
    from: [settling],
    on: { type: 'lag-passed' },
    to: { status: 'paging', ...run },
    actions: [FETCH],
  },
  {
    state: 'paging, waiting, settling (holding)',
    event:
      'hold guard (`sendDeadlineMs` + `historyLagMs` without a clean pass), or a live message past `dedupeCapacity` (or 8,000,000 bytes) held',
    next: 'unchanged, not holding',
    from: [paging, waiting, settling],
    on: { type: 'hold-expired' },
    to: (from) => ({ ...from, holding: false, guard: undefined }) as CatchUpState,
    actions: [RELEASE],
  },
  {
    state: 'holding',
    event: 'hold guard, or a live message past `dedupeCapacity` (or 8,000,000 bytes) held',
    next: 'live',
    from: [holdingGuarded],
    on: { type: 'hold-expired' },
    to: live,
    actions: [RELEASE],
  },
  {
    state: 'live (in order)',
    event: 'disconnected',
    next: 'unchanged, not in order',
    from: [liveInOrder],
    on: { type: 'disconnected' },
    to: live,
    actions: [],
  },
  {
    state: 'paging, waiting, settling, holding (holding)',
    event: 'disconnected',
    next: 'unchanged, not in order; the guard stops with the connected time it has left (nothing can come to put the held messages in order with before the next connection)',
    from: [paging, pagingInOrder, waiting, settlingInOrder, holdingGuarded],
    on: { type: 'disconnected' },
    to: (from) =>
      ({ ...from, ...(from.status === 'holding' ? {} : { inOrder: false }), guard: { left: 35_000 } }) as CatchUpState,
    actions: [END_GUARD],
  },
];

/** What a row expects from one of its start states. */
function expected(row: Row, from: CatchUpState): CatchUpState {
  if (row.to === 'unchanged') return from;
  return typeof row.to === 'function' ? row.to(from) : row.to;
}

/** How the README names each action. */
function describeAction(action: CatchUpAction): string {
  switch (action.type) {
    case 'fetch':
      return 'read history back to the watermark (a pass)';
    case 'release':
      return 'let the held live messages through';
    case 'release-proven':
      return 'let through the held live messages clean passes put in order';
    case 'settle':
      return 'settle the run’s `catchUp()` promises';
    case 'set-timer':
      if (action.timer === 'hold' && action.ms !== 35_000) return 'resume the guard (the connected time it had left)';
      return {
        hold: 'hold live messages (guard: `sendDeadlineMs` + `historyLagMs` of connected time)',
        retry: 'retry timer (`retryDelay`)',
        lag: 'lag timer (until `historyLagMs` after the live messages began)',
      }[action.timer];
    case 'clear-timer':
      return { hold: 'stop the guard', retry: 'cancel the wait', lag: 'cancel the lag timer' }[action.timer];
  }
}

/** The README's table, rendered from the rows. */
function catchUpTable(): string {
  const lines = ['| state | event | next state | actions |', '|---|---|---|---|'];
  for (const row of rows) {
    const actions = row.actions.length === 0 ? '—' : row.actions.map(describeAction).join('; ');
    lines.push(`| ${row.state} | ${row.event} | ${row.next} | ${actions} |`);
  }
  return lines.join('\n');
}

describe('catch-up machine transition table', () => {
  for (const row of rows) {
    for (const from of row.from) {
      it(`${row.state} --${row.event}--> ${row.next} (from ${JSON.stringify(from)})`, () => {
        const event = typeof row.on === 'function' ? row.on(from) : row.on;
        const step = transition(from, event, ctx(row.context));
        expect(step.state).toEqual(expected(row, from));
        expect(step.actions).toEqual(row.actions);
        if (row.to === 'unchanged') expect(step.state).toBe(from);
        expect(row.next.startsWith('unchanged') || row.next.startsWith(step.state.status)).toBe(true);
      });
    }
  }

  it('leaves the state as it is for an event not listed', () => {
    const fetched: CatchUpEvent = { type: 'fetched', epoch: 2, startedAt: 6_000, clean: true };
    const unlisted: Array<[CatchUpState, CatchUpEvent]> = [
      [live, fetched],
      [live, { type: 'failed', epoch: 2, error: network }],
      [live, { type: 'retry' }],
      [live, { type: 'lag-passed' }],
      [live, { type: 'hold-expired' }],
      [live, { type: 'disconnected' }],
      [holding, { ...fetched, clean: false }],
      [holding, { type: 'retry' }],
      [holding, { type: 'lag-passed' }],
      [holding, { type: 'disconnected' }],
      [pagingReleased, { type: 'disconnected' }],
      [waiting, { ...fetched, clean: false }],
      [waiting, { type: 'failed', epoch: 2, error: network }],
      [waiting, { type: 'lag-passed' }],
      [settling, { ...fetched, clean: false }],
      [pagingReleased, { ...fetched, epoch: 1 }],
      [settling, { type: 'failed', epoch: 2, error: network }],
      [settling, { type: 'retry' }],
      [paging, { type: 'retry' }],
      [paging, { type: 'lag-passed' }],
      [paging, { type: 'failed', epoch: 1, error: refused }],
      [pagingReleased, { type: 'hold-expired' }],
    ];
    for (const [state, event] of unlisted) {
      const step = transition(state, event, ctx());
      expect(step.state, `${state.status} + ${event.type}`).toBe(state);
      expect(step.actions).toEqual([]);
    }
  });

  it('tells whether live messages wait and whether they move the watermark', () => {
    const states = [live, liveInOrder, holding, paging, pagingReleased, waiting, waitingReleased, settling];
    expect(states.map((state) => isHolding(state, true))).toEqual([false, false, true, true, false, true, false, true]);
    // Not connected, a thread not in order holds what comes before the connection's catch-up starts.
    expect(states.map((state) => isHolding(state, false))).toEqual([true, false, true, true, false, true, false, true]);
    expect([live, liveInOrder, holding, paging, pagingInOrder, settlingInOrder].map(isInOrder)).toEqual([
      false,
      true,
      false,
      false,
      true,
      true,
    ]);
    expect(INITIAL_CATCH_UP).toEqual(live);
  });

  it('backs off between attempts, as the retry policy says', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => {
      const step = transition(
        { status: 'paging', ...run, attempt },
        { type: 'failed', epoch: 2, error: network },
        ctx(),
      );
      const timer = step.actions.find((a) => a.type === 'set-timer');
      return timer?.type === 'set-timer' ? timer.ms : undefined;
    });
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });
});

describe('core README', () => {
  // When a row changes, this fails with the table to paste between the two markers.
  it('shows the catch-up table as the rows above', async () => {
    const fs = (await import('node:fs/promises' as string)) as {
      readFile(path: string, encoding: 'utf8'): Promise<string>;
    };
    const { fileURLToPath } = (await import('node:url' as string)) as { fileURLToPath(url: string): string };
    const moduleUrl = (import.meta as unknown as { readonly url: string }).url;
    const packageDir = fileURLToPath(moduleUrl).replace(/[\\/]src[\\/]catch-up[\\/][^\\/]*$/, '');
    const readme = await fs.readFile(`${packageDir}/README.md`, 'utf8');
    const begin = '<!-- catch-up table: generated from src/catch-up/machine.test.ts -->';
    const end = '<!-- /catch-up table -->';
    const table = readme.slice(readme.indexOf(begin) + begin.length, readme.indexOf(end)).trim();
    expect(readme).toContain(begin);
    expect(table).toBe(catchUpTable());
  });
});
