import { SdkError } from '@weiyu/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../api.js';
import { backoffCeiling, backoffDelay } from '../retry/backoff.js';
import { seededRandom } from '../testing/seeded-random.js';
import {
  initialMachineState,
  KICKED_BY_SAME_CLIENT_ID,
  type MachineAction,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
  transition,
} from './machine.js';

const config: MachineConfig = {
  baseMs: 5_000,
  maxMs: 60_000,
  stableAfterMs: 15_000,
  canRefresh: true,
  takeoverWithinMs: 15_000,
  takeoverLimit: 3,
};
const NOW = 1_000_000;
const network = new SdkError('network', 'down');
const refused = new SdkError('connection_refused', 'refused');
const badCredentials = new SdkError('bad_credentials', 'no');

const S = {
  idle: { status: 'idle', reason: 'not-started' },
  anonymous: { status: 'idle', reason: 'anonymous' },
  connecting: { status: 'connecting', attempt: 1 },
  connected: { status: 'connected', since: 1 },
  reconnecting: { status: 'reconnecting', attempt: 2, retryAt: NOW + 100, error: network },
  authFailed: { status: 'auth-failed', error: badCredentials },
  failed: { status: 'failed', error: new SdkError('tls', 'untrusted certificate') },
  kicked: { status: 'kicked', reason: 'x' },
  closed: { status: 'closed' },
} satisfies Record<string, ConnectionState>;

function at(connection: ConnectionState, extra: Partial<MachineState> = {}): MachineState {
  return { ...initialMachineState(), connection, ...extra };
}

const failed = (error: SdkError, jitter = 0.5, byTokenProvider?: true): MachineEvent => ({
  type: 'connect-failed',
  error,
  now: NOW,
  jitter,
  ...(byTokenProvider ? { byTokenProvider } : {}),
});
const dropped = (error: SdkError, jitter = 0.5): MachineEvent => ({ type: 'disconnected', error, now: NOW, jitter });

/** An action as the rows name it: `connect(refresh)`, `set-timer(retry)`, `close`… */
function actionName(action: MachineAction): string {
  if (action.type === 'set-timer' || action.type === 'clear-timer') return `${action.type}(${action.timer})`;
  return action.type === 'connect' && action.refresh ? 'connect(refresh)' : action.type;
}

type Row = [
  name: string,
  from: MachineState,
  event: MachineEvent,
  expected: Partial<ConnectionState> & { status: ConnectionState['status'] },
  actions: string[],
  cfg?: Partial<MachineConfig>,
];

const rows: Row[] = [
  // start
  ['idle + start → connecting', at(S.idle), { type: 'start' }, { status: 'connecting', attempt: 1 }, ['connect']],
  ['anonymous + start → connecting', at(S.anonymous), { type: 'start' }, { status: 'connecting' }, ['connect']],
  ['closed + start → connecting', at(S.closed), { type: 'start' }, { status: 'connecting', attempt: 1 }, ['connect']],
  ['auth-failed + start → connecting', at(S.authFailed), { type: 'start' }, { status: 'connecting' }, ['connect']],
  ['kicked + start → connecting', at(S.kicked), { type: 'start' }, { status: 'connecting' }, ['connect']],
  ['failed + start → connecting', at(S.failed), { type: 'start' }, { status: 'connecting' }, ['connect']],
  [
    'reconnecting + start → connecting now',
    at(S.reconnecting, { failures: 1 }),
    { type: 'start' },
    { status: 'connecting', attempt: 2 },
    ['clear-timer(retry)', 'connect'],
  ],
  ['connecting + start → unchanged', at(S.connecting), { type: 'start' }, S.connecting, []],
  ['connected + start → unchanged', at(S.connected), { type: 'start' }, S.connected, []],
  // restart
  ...(['idle', 'connecting', 'connected', 'reconnecting', 'authFailed', 'kicked', 'closed'] as const).map(
    (name): Row => [
      `${name} + restart → connecting (close first)`,
      at(S[name], { failures: 3, refreshed: true }),
      { type: 'restart' },
      { status: 'connecting', attempt: 1 },
      ['clear-timer(retry)', 'clear-timer(stable)', 'close', 'connect'],
    ],
  ),
  // anonymous
  [
    'connecting + anonymous → idle anonymous',
    at(S.connecting),
    { type: 'anonymous' },
    S.anonymous,
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  [
    'idle + start-anonymous → idle anonymous',
    at(S.idle),
    { type: 'start-anonymous' },
    S.anonymous,
    ['clear-timer(retry)', 'clear-timer(stable)'],
  ],
  ['connected + start-anonymous → unchanged', at(S.connected), { type: 'start-anonymous' }, S.connected, []],
  ['connected + anonymous → unchanged', at(S.connected), { type: 'anonymous' }, S.connected, []],
  // connected
  [
    'connecting + connected → connected',
    at(S.connecting),
    { type: 'connected', now: NOW },
    { status: 'connected', since: NOW },
    ['set-timer(stable)'],
  ],
  ['closed + connected → unchanged (stale)', at(S.closed), { type: 'connected', now: NOW }, S.closed, []],
  // connect-failed
  [
    'connecting + network failure → reconnecting with backoff',
    at(S.connecting),
    failed(refused, 0.5),
    { status: 'reconnecting', attempt: 2, retryAt: NOW + 2_500, error: refused },
    ['set-timer(retry)'],
  ],
  [
    'connecting + failure while offline → reconnecting, waiting for online',
    at(S.connecting, { online: false }),
    failed(refused),
    { status: 'reconnecting', attempt: 2, retryAt: Number.POSITIVE_INFINITY },
    ['clear-timer(retry)'],
  ],
  [
    'connecting + auth failure (provider) → connecting with a refreshed token',
    at(S.connecting),
    failed(badCredentials),
    { status: 'connecting', attempt: 2 },
    ['connect(refresh)'],
  ],
  [
    'connecting + second auth failure → auth-failed',
    at(S.connecting, { refreshed: true }),
    failed(new SdkError('not_authorized', 'no')),
    { status: 'auth-failed' },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  [
    'connecting + the token provider itself refused (a wrong password) → auth-failed, never asked again',
    at(S.connecting),
    failed(badCredentials, 0.5, true),
    { status: 'auth-failed' },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  [
    'connecting + the token provider failed on the network → reconnecting with backoff',
    at(S.connecting),
    failed(refused, 0.5, true),
    { status: 'reconnecting', attempt: 2, retryAt: NOW + 2_500, error: refused },
    ['set-timer(retry)'],
  ],
  [
    'connecting + auth failure (static token) → auth-failed',
    at(S.connecting),
    failed(new SdkError('unauthenticated', 'no')),
    { status: 'auth-failed' },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
    { canRefresh: false },
  ],
  [
    'connecting + untrusted certificate (tls) → failed, no retry',
    at(S.connecting),
    failed(new SdkError('tls', 'self-signed certificate')),
    { status: 'failed' },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  ['failed + online → unchanged', at(S.failed), { type: 'online' }, { status: 'failed' }, []],
  ['failed + wake → unchanged', at(S.failed), { type: 'wake' }, { status: 'failed' }, []],
  ['reconnecting + connect-failed → unchanged (stale)', at(S.reconnecting), failed(network), S.reconnecting, []],
  // disconnected
  [
    'connected + drop → reconnecting',
    at(S.connected),
    dropped(network, 0),
    { status: 'reconnecting', attempt: 2, retryAt: NOW, error: network },
    ['clear-timer(stable)', 'set-timer(retry)'],
  ],
  [
    'connected + drop while offline → reconnecting, waiting for online',
    at(S.connected, { online: false }),
    dropped(network),
    { status: 'reconnecting', retryAt: Number.POSITIVE_INFINITY },
    ['clear-timer(stable)', 'clear-timer(retry)'],
  ],
  [
    'connected + kicked by the same clientId → kicked',
    at(S.connected),
    dropped(new SdkError('kicked', 'taken over')),
    { status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  [
    'connected + third drop soon after connecting → kicked (same-client-id)',
    at({ status: 'connected', since: NOW - 1_000 }, { closedEarly: 2 }),
    dropped(network),
    { status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID },
    ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
  ],
  [
    'connected + third drop soon after connecting, takeoverLimit 0 → reconnecting',
    at({ status: 'connected', since: NOW - 1_000 }, { closedEarly: 2 }),
    dropped(network),
    { status: 'reconnecting' },
    ['clear-timer(stable)', 'set-timer(retry)'],
    { takeoverLimit: 0 },
  ],
  [
    'connected + drop long after connecting, after two early ones → reconnecting',
    at({ status: 'connected', since: NOW - 15_000 }, { closedEarly: 2 }),
    dropped(network),
    { status: 'reconnecting' },
    ['clear-timer(stable)', 'set-timer(retry)'],
  ],
  [
    'connected + early close for a protocol error, after two early drops → reconnecting',
    at({ status: 'connected', since: NOW - 1_000 }, { closedEarly: 2 }),
    dropped(new SdkError('protocol', 'packet too big')),
    { status: 'reconnecting' },
    ['clear-timer(stable)', 'set-timer(retry)'],
  ],
  [
    'connected + early drop while offline, after two early ones → reconnecting',
    at({ status: 'connected', since: NOW - 1_000 }, { closedEarly: 2, online: false }),
    dropped(network),
    { status: 'reconnecting', retryAt: Number.POSITIVE_INFINITY },
    ['clear-timer(stable)', 'clear-timer(retry)'],
  ],
  ['connecting + drop → unchanged (the attempt fails by itself)', at(S.connecting), dropped(network), S.connecting, []],
  // retry-due
  [
    'reconnecting + retry-due → connecting',
    at(S.reconnecting, { failures: 1 }),
    { type: 'retry-due' },
    { status: 'connecting', attempt: 2 },
    ['connect'],
  ],
  ['closed + retry-due → unchanged', at(S.closed), { type: 'retry-due' }, S.closed, []],
  // stable
  ['connected + stable → connected', at(S.connected, { failures: 4 }), { type: 'stable' }, S.connected, []],
  // environment
  [
    'reconnecting + offline → waiting for online',
    at(S.reconnecting),
    { type: 'offline' },
    { status: 'reconnecting', attempt: 2, retryAt: Number.POSITIVE_INFINITY },
    ['clear-timer(retry)'],
  ],
  ['connected + offline → unchanged', at(S.connected), { type: 'offline' }, S.connected, []],
  [
    'reconnecting + online → connecting now',
    at(S.reconnecting, { online: false, failures: 1 }),
    { type: 'online' },
    { status: 'connecting', attempt: 2 },
    ['clear-timer(retry)', 'connect'],
  ],
  ['closed + online → unchanged', at(S.closed, { online: false }), { type: 'online' }, S.closed, []],
  [
    'reconnecting + visible → connecting now',
    at(S.reconnecting, { failures: 1 }),
    { type: 'visible' },
    { status: 'connecting' },
    ['clear-timer(retry)', 'connect'],
  ],
  [
    'reconnecting (offline) + visible → unchanged',
    at(S.reconnecting, { online: false }),
    { type: 'visible' },
    S.reconnecting,
    [],
  ],
  ['reconnecting + hidden → unchanged', at(S.reconnecting), { type: 'hidden' }, S.reconnecting, []],
  // wake (a sleep was detected)
  [
    'connected + wake → connecting now, same attempt, link dropped',
    at(S.connected, { failures: 2 }),
    { type: 'wake' },
    { status: 'connecting', attempt: 3 },
    ['clear-timer(stable)', 'close', 'connect'],
  ],
  [
    'reconnecting + wake → connecting now, same attempt',
    at(S.reconnecting, { failures: 1 }),
    { type: 'wake' },
    { status: 'connecting', attempt: 2 },
    ['clear-timer(retry)', 'connect'],
  ],
  [
    'reconnecting (offline) + wake → unchanged',
    at(S.reconnecting, { online: false }),
    { type: 'wake' },
    S.reconnecting,
    [],
  ],
  ...(['idle', 'connecting', 'authFailed', 'kicked', 'closed'] as const).map(
    (name): Row => [`${name} + wake → unchanged`, at(S[name]), { type: 'wake' }, S[name], []],
  ),
  // stop
  ...(['idle', 'connecting', 'connected', 'reconnecting', 'authFailed', 'kicked'] as const).map(
    (name): Row => [
      `${name} + stop → closed`,
      at(S[name]),
      { type: 'stop' },
      S.closed,
      ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
    ],
  ),
  ['closed + stop → unchanged', at(S.closed), { type: 'stop' }, S.closed, []],
  // kicked
  ...(['connecting', 'connected', 'reconnecting'] as const).map(
    (name): Row => [
      `${name} + kicked → kicked`,
      at(S[name]),
      { type: 'kicked', reason: 'FORCE_LOGOUT' },
      { status: 'kicked', reason: 'FORCE_LOGOUT' },
      ['clear-timer(retry)', 'clear-timer(stable)', 'close'],
    ],
  ),
  ...(['idle', 'authFailed', 'closed'] as const).map(
    (name): Row => [`${name} + kicked → unchanged`, at(S[name]), { type: 'kicked', reason: 'x' }, S[name], []],
  ),
];

describe('transition', () => {
  it.each(rows)('%s', (_name, from, event, expected, actions, cfg) => {
    const next = transition(from, event, { ...config, ...cfg });
    expect(next.state.connection).toMatchObject(expected);
    expect(next.actions.map(actionName)).toEqual(actions);
    if (actions.length === 0) expect(next.state.connection).toBe(from.connection);
  });

  it('counts failures for the backoff and resets them only after a stable connection', () => {
    let s = transition(at(S.idle), { type: 'start' }, config).state;
    s = transition(s, failed(network, 0.999), config).state;
    expect(s.failures).toBe(1);
    s = transition(s, { type: 'retry-due' }, config).state;
    s = transition(s, failed(network, 0.999), config).state;
    expect(s.connection).toMatchObject({ status: 'reconnecting', attempt: 3, retryAt: NOW + 9_990 });
    s = transition(s, { type: 'retry-due' }, config).state;
    s = transition(s, { type: 'connected', now: NOW }, config).state;
    // A connection that drops before it is stable keeps the backoff growing.
    const early = transition(s, dropped(network, 0.999), config).state;
    expect(early.failures).toBe(3);
    expect(early.connection).toMatchObject({ retryAt: NOW + 19_980 });
    s = transition(s, { type: 'stable' }, config).state;
    expect(s.failures).toBe(0);
    const late = transition(s, dropped(network, 0.999), config).state;
    expect(late.connection).toMatchObject({ attempt: 2, retryAt: NOW + 4_995 });
  });

  it('counts connections the server closed soon after connecting; a long one or a failed attempt starts again', () => {
    const up = (s: MachineState, now: number) => transition(s, { type: 'connected', now }, config).state;
    const drop = (s: MachineState, now: number) => {
      const next = transition(s, { type: 'disconnected', error: network, now, jitter: 0 }, config).state;
      return transition(next, { type: 'retry-due' }, config).state;
    };
    let s = transition(at(S.idle), { type: 'start' }, config).state;
    s = drop(up(s, 0), 14_999);
    s = drop(up(s, 20_000), 21_000);
    expect(s.closedEarly).toBe(2);
    s = drop(up(s, 30_000), 45_000);
    expect(s.closedEarly).toBe(0);
    s = drop(up(s, 50_000), 51_000);
    s = transition(s, failed(refused), config).state;
    expect(s.closedEarly).toBe(0);
    s = transition(s, { type: 'retry-due' }, config).state;
    s = drop(up(s, 60_000), 61_000);
    s = drop(up(s, 62_000), 63_000);
    const third = transition(up(s, 64_000), { type: 'disconnected', error: network, now: 65_000, jitter: 0 }, config);
    expect(third.state.connection).toEqual({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
    // connect() and reconnect() start the count again.
    expect(transition(third.state, { type: 'start' }, config).state.closedEarly).toBe(0);
    expect(transition(s, { type: 'restart' }, config).state.closedEarly).toBe(0);
  });

  it('asks for a refreshed token at most once until a connection succeeds', () => {
    let s = transition(at(S.idle), { type: 'start' }, config).state;
    let next = transition(s, failed(badCredentials), config);
    expect(next.actions).toEqual([{ type: 'connect', refresh: true }]);
    s = next.state;
    next = transition(s, failed(badCredentials), config);
    expect(next.state.connection.status).toBe('auth-failed');
    // After a success the budget is back.
    s = transition(s, { type: 'connected', now: NOW }, config).state;
    s = transition(s, dropped(network), config).state;
    s = transition(s, { type: 'retry-due' }, config).state;
    next = transition(s, failed(badCredentials), config);
    expect(next.actions).toEqual([{ type: 'connect', refresh: true }]);
  });

  it('never leaves a non-connecting state through events of an attempt (property)', () => {
    const states = Object.values(S).filter((s) => s.status !== 'connecting' && s.status !== 'connected');
    fc.assert(
      fc.property(
        fc.constantFrom(...states),
        fc.constantFrom<MachineEvent>(
          { type: 'connected', now: NOW },
          failed(network),
          failed(badCredentials),
          { type: 'anonymous' },
          { type: 'stable' },
        ),
        (connection, event) => {
          const from = at(connection);
          expect(transition(from, event, config).state.connection).toBe(connection);
        },
      ),
    );
  });
});

describe('backoff', () => {
  const policy = { baseMs: 5_000, maxMs: 60_000 };

  it('doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50, 5000].map((n) => backoffCeiling(n, policy))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000,
    ]);
    expect(backoffCeiling(0, policy)).toBe(5_000);
  });

  it('stays within [0, ceiling) with full jitter (seeded)', () => {
    const random = seededRandom(2024);
    for (let failures = 1; failures <= 12; failures++) {
      const delays = Array.from({ length: 200 }, () => backoffDelay(failures, random.next(), policy));
      const ceiling = backoffCeiling(failures, policy);
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
      // Full jitter spreads over the whole range, not just near the ceiling.
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.1);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.9);
    }
  });

  it('clamps odd samples', () => {
    expect(backoffDelay(1, -1, policy)).toBe(0);
    expect(backoffDelay(1, 2, policy)).toBe(5_000);
  });
});
