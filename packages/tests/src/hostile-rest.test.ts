/**
 * A hostile REST server cannot break a client (issue 10): a real `createChatClient` with
 * `createHttpTransport` pointed at a node:http server on 127.0.0.1 that answers the send,
 * history and thread list calls with garbage, non-JSON, huge bodies, gzip bombs, wrong shapes, endless pages,
 * nothing at all, or a slow drip, in front of a real mock broker (MQTT and the sane REST).
 *
 * For each: the failure is a typed SdkError (to the send and to catch-up), memory stays bounded,
 * nothing is lost from the outbox (what was sent meanwhile ends SUCCESS, each once, in order,
 * once REST is sane or MQTT is back), nothing hangs, catch-up stops at its page budget, and
 * after `dispose()` no REST call of ours is left in flight.
 *
 * Sizes are scaled for CI: `HOSTILE_REST_FULL=1` serves the 256 MB gzip bomb and a
 * 1 GiB streamed body instead of 64 MiB each (the cost with the limit is the same: it stops at
 * 4 MiB; without it a 64 MiB bomb costs over 130 MB of heap and buffers per request).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_TIMING, type SdkErrorCode } from '@weiyu/core';
import { AGENT, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { createTestClient, TEST_TIMING, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import {
  gzipBomb,
  type HostileAnswer,
  type HostileRest,
  type HostileRoute,
  startHostileRest,
} from './harness/hostile-rest.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;
const MB = 1024 * 1024;
const FULL = process.env.HOSTILE_REST_FULL === '1';
/** Inflated size of the gzip bomb and length of the huge body. */
const BOMB_BYTES = (FULL ? 256 : 64) * MB;
const HUGE_BYTES = (FULL ? 1024 : 64) * MB;
/** The REST deadline of the hostile suite's client: short, so a silent server costs little. */
const REST_TIMEOUT_MS = 1_000;
/** Long enough to outlast any test; `faults.reset()` ends it. */
const OUTAGE_MS = 60_000;
/** Peak growth allowed while REST is hostile: the body limit is 4 MiB; 64 MiB read whole cost over 130 MB. */
const HEAP_BOUND = 64 * MB;
const RSS_BOUND = 128 * MB;
/**
 * What the client may keep after the endless pages, garbage collected: the thread's timeline holds
 * at most `dedupeCapacity` (5,000) messages, about 26 MiB of these; 25,000 kept would be 130.
 */
const RETAINED_BOUND = 48 * MB;
/** Catch-ups run against endless pages, each up to its page budget (3 × 60 pages of 50 messages pass the 5,000 cap). */
const ENDLESS_ROUNDS = FULL ? 10 : 3;
/** The round whose page 1 is not answered once: its attempt fails (timeout) and the next goes on from page 1. */
const HANG_ROUND = 2;

console.log(
  `[hostile-rest] bomb ${BOMB_BYTES / MB} MiB inflated, huge body ${HUGE_BYTES / MB} MiB${FULL ? ' (HOSTILE_REST_FULL)' : ' (HOSTILE_REST_FULL=1 for 256 MiB / 1 GiB)'}`,
);

let bomb: Buffer = Buffer.alloc(0);
beforeAll(async () => {
  bomb = await gzipBomb(BOMB_BYTES);
  console.log(`[hostile-rest] gzip bomb: ${bomb.length} bytes on the wire`);
});

/** One hostile answer and the typed error the client must report for it. */
interface HostileCase {
  readonly name: string;
  readonly answer: () => HostileAnswer;
  /** The calls it is switched on for (history always). */
  readonly routes: readonly HostileRoute[];
  /** The error of the REST send and of catch-up. */
  readonly code: SdkErrorCode;
}

const CASES: readonly HostileCase[] = [
  {
    name: 'random bytes',
    answer: () => ({ kind: 'garbage', bytes: 4096 }),
    routes: ['send', 'history'],
    code: 'protocol',
  },
  { name: 'an HTML page', answer: () => ({ kind: 'not-json' }), routes: ['send', 'history'], code: 'protocol' },
  {
    name: 'a huge body',
    answer: () => ({ kind: 'huge', bytes: HUGE_BYTES }),
    routes: ['send', 'history'],
    code: 'response_too_large',
  },
  {
    name: 'a gzip bomb',
    answer: () => ({ kind: 'gzip-bomb', body: bomb }),
    routes: ['send', 'history'],
    code: 'response_too_large',
  },
  // A send answered code 200 is accepted whatever its data (current servers answer the posted
  // string): wrong shapes only matter to history.
  {
    name: 'history data of the wrong type',
    answer: () => ({ kind: 'wrong-shape', data: 'page' }),
    routes: ['history'],
    code: 'protocol',
  },
  {
    name: 'a page whose content is no array',
    answer: () => ({ kind: 'wrong-shape', data: { content: { 0: 'x' }, last: false } }),
    routes: ['history'],
    code: 'protocol',
  },
  { name: 'no answer at all', answer: () => ({ kind: 'never' }), routes: ['send', 'history'], code: 'timeout' },
  { name: 'a slow drip', answer: () => ({ kind: 'drip', everyMs: 50 }), routes: ['send', 'history'], code: 'timeout' },
];

/** Node's collector, reached at run time (no `--expose-gc` needed): to measure what is kept, not garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Peak memory growth from now until `stop()`, sampled every 10 ms. */
function watchMemory(): { stop(): { heap: number; rss: number } } {
  collectGarbage();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = (): void => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed + now.arrayBuffers - base.heapUsed - base.arrayBuffers);
    rss = Math.max(rss, now.rss - base.rss);
  };
  const timer = setInterval(sample, 10);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { heap, rss };
    },
  };
}

interface Scene extends AsyncDisposable {
  readonly broker: TestBroker;
  readonly hostile: HostileRest;
  /** Its REST goes through the hostile server. */
  readonly agent: TestClient;
  /** Its REST goes straight to the broker. */
  readonly visitor: TestClient;
}

/** A mock broker without sessions (as the real server), the hostile server in front of its REST, two clients. */
async function scene(): Promise<Scene> {
  const broker = await startTestBroker({ compat: 'bytedesk' });
  const hostile = await startHostileRest(broker.httpUrl);
  const visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
  const agent = await createTestClient(
    { mqttUrl: broker.mqttUrl, httpUrl: hostile.url, state: broker.state },
    { ...AGENT, topics: [TOPIC], restTimeoutMs: REST_TIMEOUT_MS },
  );
  return {
    broker,
    hostile,
    agent,
    visitor,
    async [Symbol.asyncDispose]() {
      await agent.dispose();
      await visitor.dispose();
      await hostile.close();
      await broker[Symbol.asyncDispose]();
    },
  };
}

describe('a hostile REST server', () => {
  test.each(CASES)(
    '$name: a typed $code to the send and to catch-up, bounded memory, nothing lost',
    async (hostileCase) => {
      await using s = await scene();
      const { broker, hostile, agent, visitor } = s;
      const memory = watchMemory();
      hostile.set(hostileCase.answer(), hostileCase.routes);

      // MQTT down: the agent's sends go over the hostile REST, the visitor's over the sane one.
      broker.faults.outage(OUTAGE_MS);
      await waitFor(() => !agent.client.isConnected() && !visitor.client.isConnected(), { message: 'both offline' });
      const sent = [
        agent.client.send(DEMO_THREAD_FOR_AGENT, text('one')),
        agent.client.send(DEMO_THREAD_FOR_AGENT, text('two')),
      ];
      const [first] = sent;
      if (!first) throw new Error('nothing sent');
      if (hostileCase.routes.includes('send')) {
        // Every attempt ends within its deadline: RETRYING with the typed reason and its next try,
        // the message still in the outbox; done waits for the outcome (SUCCESS, below).
        const retrying = await agent.events.waitFor(
          'status',
          (c) => c.message.uid === first.uid && c.message.status === 'RETRYING',
          { timeoutMs: TEST_TIMING.sendDeadlineMs ?? 8_000, message: 'the first attempt ended' },
        );
        expect(retrying.message.error?.code).toBe(hostileCase.code);
        expect(Number.isFinite(retrying.message.retryAt)).toBe(true);
        expect(agent.client.pending().map((m) => m.uid)).toEqual(sent.map((m) => m.uid));
      }
      const missed = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('sent while the agent was away'));
      expect((await missed.done).status).toBe('SUCCESS');

      // MQTT back, REST still hostile: catch-up fails with the typed error and is tried again.
      broker.faults.reset();
      const caughtUpBefore = hostile.requests('history');
      await agent.events.waitFor(
        'error',
        (e) => e.code === hostileCase.code && hostile.requests('history') > caughtUpBefore,
        {
          timeoutMs: 10_000,
        },
      );
      const growth = memory.stop();

      // REST sane again: catch-up completes, the outbox drains, each message once and in order.
      hostile.set({ kind: 'sane' });
      for (const message of sent)
        await waitFor(() => confirmed(agent, message.uid), {
          timeoutMs: 10_000,
          message: `${message.content} confirmed`,
        });
      await agent.events.waitFor('message', (m) => m.uid === missed.uid, { timeoutMs: 10_000 });
      await waitFor(() => agent.client.pending().length === 0, { message: 'outbox drained' });
      // Whatever the hostile server did on the way, each done settled with the outcome.
      for (const message of sent) expect((await message.done).status).toBe('SUCCESS');
      const stored = broker.history(TOPIC).map((m) => m.uid);
      for (const message of sent) expect(stored.filter((uid) => uid === message.uid)).toHaveLength(1);
      expect(stored.filter((uid) => sent.some((m) => m.uid === uid))).toEqual(sent.map((m) => m.uid));
      expect(agent.events.messages(TOPIC).filter((m) => m.uid === missed.uid)).toHaveLength(1);
      for (const message of sent)
        await visitor.events.waitFor('message', (m) => m.uid === message.uid, { timeoutMs: 10_000 });
      expect(visitor.events.contents(TOPIC).filter((c) => c === 'one' || c === 'two')).toEqual(['one', 'two']);

      console.log(
        `[hostile-rest] ${hostileCase.name}: peak growth heap+buffers ${(growth.heap / MB).toFixed(1)} MiB, rss ${(growth.rss / MB).toFixed(1)} MiB; ${hostile.requests('send')} sends, ${hostile.requests('history')} history requests`,
      );
      expect(growth.heap).toBeLessThan(HEAP_BOUND);
      expect(growth.rss).toBeLessThan(RSS_BOUND);
    },
  );
  test(
    'endless pages (last: false forever): each catch-up stops at its page budget, a failed page is asked again, memory bounded',
    async () => {
      await using s = await scene();
      const { hostile, agent, visitor } = s;
      // In order first (its second pass, once the history lag has passed): each catch-up after is one run.
      await within(agent.client.catchUp(DEMO_THREAD_FOR_AGENT), 15_000, 'the first catch-up settled');
      // The test's own record of every event would grow with the pages: only the client's memory counts.
      agent.events.stop();
      const errors: SdkErrorCode[] = [];
      const gaps: unknown[] = [];
      const stopErrors = agent.client.on('error', (error) => errors.push(error.code));
      const stopGaps = agent.client.on('gap', (gap) => gaps.push(gap));
      const memory = watchMemory();
      const kept = process.memoryUsage().heapUsed;
      const failedPages: number[] = [];
      for (let round = 1; round <= ENDLESS_ROUNDS; round++) {
        const hangPage = round === HANG_ROUND ? 1 : undefined;
        hostile.set({ kind: 'endless-pages', topic: TOPIC, ...(hangPage === undefined ? {} : { hangPage }) }, [
          'history',
        ]);
        const from = { pages: hostile.historyPages().length, errors: errors.length, gaps: gaps.length };
        const started = Date.now();
        await within(agent.client.catchUp(DEMO_THREAD_FOR_AGENT), 10_000, `catch-up ${round} settled`);
        // The budget is the pass's: pages 0 to catchUpMaxPages - 1, in order, one gap when it is
        // spent. A page past the REST deadline fails the attempt (a timeout, told) and the next
        // attempt asks that page again and goes on from it (nothing comes live here, so the
        // pass's floor stays): the hung page, or any page this process was too busy to read in
        // time — it digests the last round's 3,000 messages and their receipts through the broker
        // it also runs. So each round asks catchUpMaxPages pages plus one for each timeout.
        const pages = hostile.historyPages().slice(from.pages);
        const failed = errors.slice(from.errors);
        failedPages.push(failed.length);
        expect(failed, `round ${round}: only timeouts`).toEqual(failed.map(() => 'timeout'));
        expect(withoutRepeats(pages), `round ${round}: the budget's pages in order`).toEqual(
          Array.from({ length: DEFAULT_TIMING.catchUpMaxPages }, (_, page) => page),
        );
        expect(pages.length, `round ${round}: a page asked again for each timeout`).toBe(
          DEFAULT_TIMING.catchUpMaxPages + failed.length,
        );
        expect(gaps.length - from.gaps, `round ${round}: one gap`).toBe(1);
        if (hangPage !== undefined) expect(failed.length).toBeGreaterThanOrEqual(1);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      stopErrors();
      stopGaps();
      const growth = memory.stop();
      collectGarbage();
      const retained = process.memoryUsage().heapUsed - kept;
      console.log(
        `[hostile-rest] endless pages: ${ENDLESS_ROUNDS} catch-ups of ${DEFAULT_TIMING.catchUpMaxPages} pages each (pages asked again: ${failedPages.join(', ')}), ${agent.client.messages(TOPIC).length} messages shown, retained ${(retained / MB).toFixed(1)} MiB, peak growth heap+buffers ${(growth.heap / MB).toFixed(1)} MiB, rss ${(growth.rss / MB).toFixed(1)} MiB`,
      );
      expect(retained).toBeLessThan(RETAINED_BOUND);
      // The peak counts garbage not yet collected: generous, it only rules out holding every page.
      expect(growth.heap).toBeLessThan(3 * RSS_BOUND);

      // The client still works: REST sane, a message each way arrives.
      hostile.set({ kind: 'sane' });
      const fromVisitor = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('after the endless pages'));
      await waitFor(() => agent.client.messages(TOPIC).some((m) => m.uid === fromVisitor.uid), {
        message: 'the visitor message shown',
      });
      const fromAgent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('still here'));
      expect((await fromAgent.done).status).toBe('SUCCESS');
    },
    FULL ? 120_000 : 30_000,
  );

  test('dispose() while a REST send and a catch-up hang: nothing of ours stays in flight (socket, timer)', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using hostile = await startHostileRest(broker.httpUrl);
    hostile.set({ kind: 'never' });
    // Taken with the servers up and before the client: what is beyond it after dispose is ours.
    const baseline = process.getActiveResourcesInfo();
    // The REST deadline is far off: only dispose can end these calls in time.
    await using agent = await createTestClient(
      { mqttUrl: broker.mqttUrl, httpUrl: hostile.url, state: broker.state },
      { ...AGENT, topics: [TOPIC], restTimeoutMs: 20_000 },
    );
    await waitFor(() => hostile.open('history') === 1, { message: 'the catch-up request hangs' });
    // The echo never comes, so the send goes over REST after echoTimeoutMs, and hangs there too.
    broker.faults.holdEchoes(true);
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('in flight at dispose'));
    await waitFor(() => hostile.open('send') === 1, { timeoutMs: 5_000, message: 'the REST send hangs' });
    const during = process.getActiveResourcesInfo();

    await agent.dispose();
    // HTTP/1.1 cannot cancel a request but by closing its connection: ended means its socket closed.
    expect(await eventually(() => ({ send: hostile.open('send'), history: hostile.open('history') }))).toEqual({
      send: 0,
      history: 0,
    });
    expect(beyond(during, baseline)).not.toEqual([]);
    // The servers live in this process: the hostile server's own end of a connection is not
    // ours (after an abort, fetch opens idle, unref'd connections again and closes them after 4 s;
    // their client ends keep nothing alive and are not listed). A live client end would be.
    const serverEnds = (): string[] => Array.from({ length: hostile.sockets() }, () => 'TCPSocketWrap');
    expect(await eventually(() => beyond(process.getActiveResourcesInfo(), [...baseline, ...serverEnds()]))).toEqual(
      [],
    );
    // Settled with an outcome, whatever it is (the core names it), not left pending.
    await within(sent.done, 1_000, 'done settled after dispose');
    await settle(50);
  });
});

/** The resources of `now` beyond those of `baseline`, by type (`TCPSocketWrap ×2`). */
function beyond(now: readonly string[], baseline: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const type of now) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const type of baseline) counts.set(type, (counts.get(type) ?? 0) - 1);
  return [...counts].filter(([, n]) => n > 0).map(([type, n]) => `${type} ×${n}`);
}

/**
 * What `read` returns once it is "nothing" (all zeros, or empty), or what it returned last after
 * 2 s: the assertion then shows what is left.
 */
async function eventually<T extends Record<string, number> | readonly unknown[]>(read: () => T): Promise<T> {
  const nothing = (value: T): boolean =>
    Array.isArray(value) ? value.length === 0 : Object.values(value).every((n) => n === 0);
  const deadline = Date.now() + 2_000;
  let value = read();
  while (!nothing(value) && Date.now() < deadline) {
    await settle(20);
    value = read();
  }
  return value;
}

describe('a hostile REST server: the thread list', () => {
  /** Every hostile answer a page can get (the send-only ones aside): a typed error from loadThreads. */
  const THREAD_CASES = CASES.filter((c) => c.routes.includes('history'));

  test.each(THREAD_CASES)(
    '$name: loadThreads rejects with a typed $code in time, memory bounded, the list kept, then loads again',
    async (hostileCase) => {
      await using s = await scene();
      const { hostile, agent } = s;
      const before = await within(agent.client.loadThreads(), 5_000, 'the sane load');
      expect(before.threads.map((t) => t.topic)).toContain(TOPIC);
      const kept = agent.client.threads();
      hostile.set(hostileCase.answer(), ['threads']);
      const memory = watchMemory();
      const failed = await within(
        agent.client.loadThreads().then(
          () => undefined,
          (error: unknown) => error,
        ),
        REST_TIMEOUT_MS + 3_000,
        'the hostile load settled',
      );
      const growth = memory.stop();
      expect(failed).toMatchObject({ code: hostileCase.code });
      expect(agent.client.threads()).toBe(kept);
      expect(growth.heap).toBeLessThan(HEAP_BOUND);
      expect(hostile.requests('threads')).toBe(2);
      hostile.set({ kind: 'sane' }, ['threads']);
      expect((await within(agent.client.loadThreads(), 5_000, 'the sane load again')).threads).toHaveLength(2);
    },
  );

  test('hostile items: wildcard, own and side-channel topics are skipped, counts that are no count are 0, at most 1,000 threads', async () => {
    await using s = await scene();
    const { hostile, agent } = s;
    const junk = [
      { uid: 'w', topic: 'org/agent/#', unreadCount: 5 },
      { uid: 'o', topic: `user/${AGENT.uid}` },
      { uid: 's', topic: `${TOPIC}_internal` },
      { uid: 'e', topic: '' },
      { uid: 'n', topic: TOPIC, unreadCount: -7, updatedAt: 'yesterday', user: '{"uid": 1}' },
    ];
    const many = Array.from({ length: 3_000 }, (_, i) => ({
      uid: `many${i}`,
      topic: `org/agent/${AGENT.uid}/v${i}`,
      unreadCount: 1e20,
      updatedAt: 1_700_000_000_000 + i * 1_000,
    }));
    hostile.set({ kind: 'wrong-shape', data: { content: [...junk, ...many], last: false } }, ['threads']);
    const loaded = await within(agent.client.loadThreads({ subscribe: false }), 5_000, 'the hostile page read');
    const topicsListed = agent.client.threads().map((t) => t.topic);
    expect(topicsListed).toHaveLength(1_000);
    expect(topicsListed).not.toContain('org/agent/#');
    expect(topicsListed.some((t) => t.startsWith('user/') || t.endsWith('_internal') || t === '')).toBe(false);
    expect(agent.client.threads().every((t) => t.unreadCount === 0)).toBe(true);
    expect(loaded.hasMore).toBe(true);
    // The ones changed last are kept.
    expect(topicsListed[0]).toBe(`org/agent/${AGENT.uid}/v2999`);
  });
});

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The pages as asked for, each page asked again right away counted once. */
function withoutRepeats(pages: readonly number[]): number[] {
  return pages.filter((page, i) => i === 0 || page !== pages[i - 1]);
}

/** The message as the agent shows it once the server has it, or undefined. */
function confirmed(agent: TestClient, uid: string): { uid: string } | undefined {
  const shown = agent.client.messages(TOPIC).find((m) => m.uid === uid);
  return shown && ['SUCCESS', 'DELIVERED', 'READ'].includes(shown.status) ? shown : undefined;
}
