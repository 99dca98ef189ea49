/**
 * The throughput run: the SDK pair against a raw mqtt.js pair through the same mock broker, in
 * the same run, at loopback and through delay proxies (10 ms and 100 ms round trips): bursts on
 * one thread, paced latency, client CPU per message, receive cost against the number of topics
 * subscribed, and recovery after an outage. The server side runs in its own process (server.ts),
 * so the CPU figures are the clients'. Prints the figures, their ratios and the load average.
 *
 * Run it with `pnpm --filter @weiyu/bench throughput` (see the README for the options).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChatClient, createChatClient } from '@weiyu/core';
import { DEMO_THREAD } from '@weiyu/mock-broker/testing';
import { decodeMessage } from '@weiyu/protocol';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import mqtt from 'mqtt';
import {
  type BurstFigures,
  burst,
  type PacedFigures,
  Probe,
  paced,
  type RecoveryFigures,
  recovery,
} from './measure.js';
import { type Links, type Pair, rawPair, sdkPair } from './pairs.js';
import type { BenchLogin, ServerCommand, ServerReady } from './shared.js';
import { TEXT } from './shared.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Messages per burst (BENCH_BURST), per paced run (BENCH_PACED), per receive-cost run. */
const BURST = Number(process.env.BENCH_BURST ?? 2_000);
/** Messages per burst at 100 ms (BENCH_FAR_BURST): BENCH_BURST up to 1,000 unless told. */
const FAR_BURST = Number(process.env.BENCH_FAR_BURST ?? Math.min(BURST, 1_000));
const PACED = Number(process.env.BENCH_PACED ?? 1_000);
const RECEIVE = Number(process.env.BENCH_RECEIVE ?? 2_000);
const RECOVERY = Number(process.env.BENCH_RECOVERY ?? 1_000);
/** Which parts to run (BENCH_ONLY=burst,paced,receive,recovery), all by default. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'burst,paced,receive,recovery').split(','));
/**
 * Which pairs (BENCH_PAIRS): raw, sdk, raw-receipts, receipts by default; also window1, norest,
 * norest-receipts. `sdk` alone gives a profile of the SDK's own path.
 */
const PAIRS = new Set((process.env.BENCH_PAIRS ?? 'raw,sdk,raw-receipts,receipts').split(','));
/** The SDK's send window (BENCH_WINDOW), its default when not given. */
const WINDOW = process.env.BENCH_WINDOW === undefined ? undefined : Number(process.env.BENCH_WINDOW);
/** How many times each burst runs (BENCH_REPEAT): the best is shown. */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const TIMEOUT_MS = 180_000;

/**
 * The best of the runs: the fastest, with the least CPU per message of all of them. The machine
 * is shared, and what others run only ever slows a run down or adds to its CPU time.
 */
function best(list: readonly BurstFigures[]): BurstFigures {
  const fastest = [...list].sort((a, b) => b.perSecond - a.perSecond)[0] as BurstFigures;
  return { ...fastest, cpuUs: Math.min(...list.map((f) => f.cpuUs)) };
}

/** The server process, and a way to ask it things. */
interface Server {
  readonly ready: ServerReady;
  ask(command: DistributiveOmit<ServerCommand, 'id'>): Promise<unknown>;
}
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

async function startServer(): Promise<{ server: Server; child: ChildProcess }> {
  const child = fork(path.join(here, 'server.mjs'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const answers = new Map<number, (message: { result?: unknown; error?: string }) => void>();
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: { type: string; id?: number; result?: unknown; error?: string }) => {
      if (message.type === 'ready') resolve(message as ServerReady);
      else if (message.type === 'done' && message.id !== undefined) answers.get(message.id)?.(message);
    });
  });
  let next = 0;
  const ask = (command: DistributiveOmit<ServerCommand, 'id'>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      answers.set(id, (answer) => {
        answers.delete(id);
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer.result);
      });
      child.send({ ...command, id });
    });
  return { server: { ready, ask }, child };
}

/** The links of a one-way delay: 0 is the broker itself (loopback); `proxied` goes through a 0 ms proxy. */
function linksFor(ready: ServerReady, delayMs: number, proxied = delayMs > 0): Links {
  if (!proxied) return { senderUrl: ready.mqttUrl, receiverUrl: ready.mqttUrl, httpUrl: ready.httpUrl };
  const port = (name: string): number => {
    const found = ready.proxies[`${name}-${delayMs}`];
    if (found === undefined) throw new Error(`no proxy ${name}-${delayMs}`);
    return found;
  };
  return {
    senderUrl: `ws://127.0.0.1:${port('sender')}/websocket`,
    receiverUrl: `ws://127.0.0.1:${port('receiver')}/websocket`,
    httpUrl: `http://127.0.0.1:${port('http')}`,
  };
}

type PairMaker = (links: Links) => Promise<Pair>;

/** Runs `measure` on a fresh pair after a warm-up burst, and closes the pair. */
async function withPair<T>(make: PairMaker, links: Links, measure: (pair: Pair, probe: Probe) => Promise<T>) {
  const pair = await make(links);
  const probe = new Probe(pair);
  process.stderr.write(`[throughput] ${pair.name} via ${links.senderUrl}\n`);
  try {
    await burst(pair, probe, 200, TIMEOUT_MS);
    return { name: pair.name, figures: await measure(pair, probe) };
  } finally {
    await pair.close();
  }
}

const rows: string[] = [];
const results: Record<string, unknown> = {};
const record = (key: string, value: unknown): void => {
  results[key] = value;
};

async function burstSection(server: Server, makers: PairMaker[]): Promise<void> {
  const delays = [
    [0, 'loopback', BURST],
    [5, '10 ms RTT', BURST],
    [50, '100 ms RTT', FAR_BURST],
  ] as const;
  // BENCH_DELAYS=0,5,50: which one-way delays to run.
  const chosen = new Set((process.env.BENCH_DELAYS ?? '0,5,50').split(',').map(Number));
  for (const [delay, label, count] of delays.filter(([d]) => chosen.has(d))) {
    // Each pair REPEAT times, the pairs taking turns; the best run of each is shown, and the
    // ratios of the runs side by side in each round (median and spread), which the load moves less.
    const rounds: Array<Map<string, BurstFigures>> = [];
    for (let round = 0; round < REPEAT; round++) {
      const figuresOf = new Map<string, BurstFigures>();
      for (const make of makers) {
        const run = await withPair(make, linksFor(server.ready, delay), (p, probe) =>
          burst(p, probe, count, TIMEOUT_MS),
        );
        figuresOf.set(run.name, run.figures);
      }
      rounds.push(figuresOf);
    }
    burstRows(`burst ${count}, ${label}`, rounds);
  }
}

/** The raw pair a pair is measured against: with receipts, the raw receiver sends them too. */
function rawLike(name: string): string {
  return name.includes('+ receipts') ? 'raw mqtt.js + receipts' : 'raw mqtt.js';
}

/** The median of some numbers and their spread, as `0.71 (0.64–0.80)`. */
function medianSpread(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  const low = sorted[0] ?? Number.NaN;
  const high = sorted.at(-1) ?? Number.NaN;
  return sorted.length > 1 ? `${median.toFixed(2)} (${low.toFixed(2)}–${high.toFixed(2)})` : median.toFixed(2);
}

/** One row per pair: its best run, the best run's ratios, and the per-round ratios. */
function burstRows(figure: string, rounds: ReadonlyArray<ReadonlyMap<string, BurstFigures>>): void {
  const names = [...(rounds[0]?.keys() ?? [])];
  for (const name of names) {
    const f = best(rounds.flatMap((r) => r.get(name) ?? []));
    // The raw pairs are the reference (their ratio is 1): only the others get ratios.
    const raw =
      name !== rawLike(name) && names.includes(rawLike(name))
        ? best(rounds.flatMap((r) => r.get(rawLike(name)) ?? []))
        : undefined;
    const perRound = (pick: (a: BurstFigures, b: BurstFigures) => number) =>
      medianSpread(
        rounds.flatMap((r) => {
          const [a, b] = [r.get(name), r.get(rawLike(name))];
          return a && b ? [pick(a, b)] : [];
        }),
      );
    const ratio = raw
      ? `${(f.perSecond / raw.perSecond).toFixed(2)}; rounds ${perRound((a, b) => a.perSecond / b.perSecond)}`
      : '';
    const cpuRatio = raw ? `${(f.cpuUs / raw.cpuUs).toFixed(2)}; rounds ${perRound((a, b) => a.cpuUs / b.cpuUs)}` : '';
    rows.push(
      `| ${figure} | ${name} | ${f.perSecond.toFixed(0)} msg/s (sender ${f.senderMs.toFixed(0)} ms, receiver ${f.receiverMs.toFixed(0)} ms) | ${ratio} | ${f.cpuUs.toFixed(0)} µs | ${cpuRatio} |`,
    );
    record(`${figure} ${name}`, { best: f, rounds: rounds.map((r) => r.get(name)) });
  }
}

async function pacedSection(server: Server, makers: PairMaker[]): Promise<void> {
  for (const [delay, label] of [
    [0, 'loopback'],
    [5, '10 ms RTT'],
    [50, '100 ms RTT'],
  ] as const) {
    const figures: Array<{ name: string; figures: PacedFigures }> = [];
    for (const make of makers) {
      figures.push(
        await withPair(make, linksFor(server.ready, delay), (p, probe) => paced(p, probe, PACED, 200, TIMEOUT_MS)),
      );
    }
    const raw = figures.find((f) => f.name.startsWith('raw'))?.figures;
    for (const { name, figures: f } of figures) {
      const ratio = raw ? `${(f.p50 / raw.p50).toFixed(2)} / ${(f.p95 / raw.p95).toFixed(2)}` : '';
      rows.push(
        `| paced 200/s × ${f.count}, ${label} | ${name} | p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(0)} ms; held back at most ${f.maxWaiting} | ${ratio} | | |`,
      );
      record(`paced ${label} ${name}`, f);
    }
  }
}

async function recoverySection(server: Server, makers: PairMaker[]): Promise<void> {
  for (const [delay, label] of [
    [0, 'loopback'],
    [5, '10 ms RTT'],
  ] as const) {
    const links = linksFor(server.ready, delay, true);
    for (const make of makers) {
      const outage = async (on: boolean): Promise<void> => {
        await server.ask({ cmd: 'outage', proxy: `sender-${delay}`, on });
      };
      const { name, figures } = await withPair(make, links, (p, probe) =>
        recovery(p, probe, RECOVERY, outage, TIMEOUT_MS),
      );
      rows.push(
        `| ${RECOVERY} sent while down, ${label} | ${name} | all confirmed and received ${figures.totalMs.toFixed(0)} ms after the link was back ('connected' after ${figures.reconnectMs.toFixed(0)} ms) | | | |`,
      );
      record(`recovery ${label} ${name}`, figures as RecoveryFigures);
    }
  }
}

/** Client CPU per received message, with `extra` more topics subscribed than the thread. */
async function receiveCost(server: Server, login: BenchLogin, extra: number, sdk: boolean): Promise<number> {
  process.stderr.write(`[throughput] receive cost: ${sdk ? 'SDK' : 'raw'}, ${extra + 1} topics\n`);
  const topics = [DEMO_THREAD.topic, ...Array.from({ length: extra }, (_, i) => `bench/topic-${i}`)];
  let received = 0;
  let onCount: (() => void) | undefined;
  const count = (): void => {
    received += 1;
    onCount?.();
  };
  const close = sdk
    ? await sdkReceiver(server.ready, login, topics, count)
    : await rawReceiver(server.ready, login, topics, count);
  const run = async (n: number): Promise<number> => {
    received = 0;
    const done = new Promise<void>((resolve) => {
      onCount = () => received >= n && resolve();
    });
    const cpu = process.cpuUsage();
    await server.ask({ cmd: 'publish', count: n, text: TEXT });
    await done;
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  };
  try {
    await run(200);
    return await run(RECEIVE);
  } finally {
    await close();
  }
}

async function sdkReceiver(ready: ServerReady, login: BenchLogin, topics: string[], count: () => void) {
  const client: ChatClient = createChatClient({
    user: login.user,
    realtime: createMqttTransport({ url: ready.mqttUrl }),
    auth: { username: login.user.username, accessToken: login.accessToken },
    autoDelivered: false,
    timing: { historyLagMs: 0 },
  });
  client.on('message', count);
  await client.connect();
  await client.subscribe(topics);
  return () => client.dispose();
}

async function rawReceiver(ready: ServerReady, login: BenchLogin, topics: string[], count: () => void) {
  const client = await mqtt.connectAsync(ready.mqttUrl, {
    protocolVersion: 4,
    clientId: `${login.user.uid}/WEB/bench-raw-receive`,
    username: login.user.username,
    password: login.accessToken,
  });
  for (let i = 0; i < topics.length; i += 20) await client.subscribeAsync(topics.slice(i, i + 20), { qos: 1 });
  client.on('message', (_topic, payload) => {
    if (decodeMessage(payload).ok) count();
  });
  return () => client.endAsync();
}

async function receiveSection(server: Server): Promise<void> {
  const login = server.ready.agent;
  const figures: Record<string, number> = {};
  for (const [sdk, name] of [
    [false, 'raw mqtt.js'],
    [true, 'SDK'],
  ] as const) {
    for (const extra of [0, 4_999]) figures[`${name} ${extra + 1}`] = await receiveCost(server, login, extra, sdk);
  }
  for (const name of ['raw mqtt.js', 'SDK']) {
    const one = figures[`${name} 1`] ?? 0;
    const many = figures[`${name} 5000`] ?? 0;
    rows.push(
      `| receive ${RECEIVE}, 1 vs 5,000 topics subscribed | ${name} | ${one.toFixed(0)} µs vs ${many.toFixed(0)} µs per message | ${(many / one).toFixed(2)} (5,000 / 1) | | |`,
    );
  }
  record('receive cost µs', figures);
}

const load = (): string =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const { server, child } = await startServer();
  const loadBefore = load();
  const logins = { agent: server.ready.agent, visitor: server.ready.visitor };
  const all: Array<[string, PairMaker]> = [
    ['raw', (links) => rawPair(logins, links)],
    ['raw-receipts', (links) => rawPair(logins, links, 'echo', true)],
    ['sdk', (links) => sdkPair(logins, links, { receipts: false, sendWindow: WINDOW })],
    ['receipts', (links) => sdkPair(logins, links, { receipts: true, sendWindow: WINDOW })],
    ['window1', (links) => sdkPair(logins, links, { receipts: false, sendWindow: 1 })],
    ['norest', (links) => sdkPair(logins, links, { receipts: false, sendWindow: WINDOW, rest: false })],
    ['norest-receipts', (links) => sdkPair(logins, links, { receipts: true, sendWindow: WINDOW, rest: false })],
  ];
  const chosen = all.filter(([key]) => PAIRS.has(key));
  const makers = chosen.map(([, make]) => make);
  // Paced latency is one message's way: receipts add nothing to it.
  const withoutReceipts = chosen.filter(([key]) => !key.includes('receipts')).map(([, make]) => make);
  const started = Date.now();
  try {
    if (ONLY.has('burst')) await burstSection(server, makers);
    if (ONLY.has('paced')) await pacedSection(server, withoutReceipts);
    if (ONLY.has('receive')) await receiveSection(server);
    if (ONLY.has('recovery')) {
      // MQTT's replay against mqtt.js's offline queue: no REST to take the messages meanwhile.
      const noRest = (links: Links) => sdkPair(logins, links, { receipts: false, rest: false, sendWindow: WINDOW });
      const rawByPuback = (links: Links) => rawPair(logins, links, 'puback');
      await recoverySection(server, [...(PAIRS.has('raw') ? [rawByPuback] : []), noRest]);
    }
  } finally {
    await server.ask({ cmd: 'close' }).catch(() => undefined);
    child.kill();
  }
  const header = [
    `Node ${process.version}, ${os.cpus().length} cores, load average ${loadBefore} at the start, ${load()} at the end (1, 5, 15 min); ${((Date.now() - started) / 1_000).toFixed(0)} s`,
    '',
    '| figure | pair | result | ratio to raw | client CPU / msg | CPU ratio |',
    '|---|---|---|---|---|---|',
  ];
  console.log([...header, ...rows].join('\n'));
  writeFileSync(
    path.join(here, 'results.json'),
    JSON.stringify({ load: { before: loadBefore, after: load() }, results }, null, 2),
  );
}

await main();
