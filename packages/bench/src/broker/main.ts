/**
 * The broker run: the mock broker against bare aedes, and what a history page costs as history
 * grows.
 *
 * - **burst**: two minimal MQTT clients (lean-client.ts: mqtt.js would set the pace itself)
 *   subscribed to the demo thread at QoS 1, the sender publishing a burst of the same 578-byte
 *   protobuf message the throughput run sends (a fresh uid each), one WebSocket frame each. Bare aedes forwards each PUBLISH to both by MQTT matching; the mock broker routes
 *   it by the payload's thread (validation, stamping, storage, the echo re-encoded) to both. Each
 *   runs in its own process (server.ts), one at a time, taking turns; msg/s until every PUBACK
 *   and both clients' copies came, and the broker's CPU per message.
 * - **history**: a mock broker in this process with 1,000 or 50,000 messages stored on the demo
 *   thread (every second one moved up by a DELIVERED receipt, every hundredth recalled), then
 *   pages read in a loop: through `state.historyPage` (the server rules alone) and over REST
 *   (`GET /api/v1/message/query/topic`, keep-alive).
 *
 * Run it with `pnpm --filter @weiyu/bench broker` (see the README for the options).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MockBroker, startMockBroker } from '@weiyu/mock-broker';
import { AGENT, DEMO_THREAD, NO_HISTORY_LAG, VISITOR } from '@weiyu/mock-broker/testing';
import { decodeMessage, encodeMessage, type WireMessage, type WireMessageInit } from '@weiyu/protocol';
import { type BenchUser, rawWire, TEXT } from '../throughput/shared.js';
import { connectLean, type LeanClient, publishPacket } from './lean-client.js';
import { BROKER_KINDS, type BrokerCommand, type BrokerKind, type BrokerReady } from './shared.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Messages per burst (BENCH_BURST), runs of each broker (BENCH_REPEAT). */
const BURST = Number(process.env.BENCH_BURST ?? 5_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
/** Which parts (BENCH_ONLY=burst,history) and brokers (BENCH_BROKERS=aedes,aedes-frames,mock). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'burst,history').split(','));
const BROKERS = (process.env.BENCH_BROKERS ?? BROKER_KINDS.join(',')).split(',') as BrokerKind[];
/** History sizes (BENCH_HISTORY=1000,50000) and how long each page loop runs (BENCH_PAGE_MS). */
const HISTORY = (process.env.BENCH_HISTORY ?? '1000,50000').split(',').map(Number);
const PAGE_MS = Number(process.env.BENCH_PAGE_MS ?? 2_000);
/** `BENCH_PROFILE=1`: a V8 CPU profile of each broker process, in .out/broker. */
const PROFILE = process.env.BENCH_PROFILE === '1';
const TIMEOUT_MS = 120_000;

const load = (): string =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

// ── burst ─────────────────────────────────────────────────────────────────────

interface BrokerProcess {
  readonly ready: BrokerReady;
  cpuUs(): Promise<number>;
  close(): Promise<void>;
}

async function startBroker(kind: BrokerKind): Promise<BrokerProcess> {
  const profile = PROFILE ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${here}`] : [];
  const child: ChildProcess = fork(path.join(here, 'server.mjs'), [kind], {
    execArgv: ['--enable-source-maps', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const answers = new Map<number, (result: unknown) => void>();
  const ready = await new Promise<BrokerReady>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} broker exited with ${code}`)));
    child.on('message', (message: { type: string; id?: number; result?: unknown }) => {
      if (message.type === 'ready') resolve(message as BrokerReady);
      else if (message.type === 'done' && message.id !== undefined) answers.get(message.id)?.(message.result);
    });
  });
  let next = 0;
  const ask = (cmd: BrokerCommand['cmd']): Promise<unknown> =>
    new Promise((resolve) => {
      const id = ++next;
      answers.set(id, resolve);
      child.send({ cmd, id });
    });
  return {
    ready,
    async cpuUs() {
      const used = (await ask('cpu')) as NodeJS.CpuUsage;
      return used.user + used.system;
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('close');
      await exited;
    },
  };
}

/** The throughput run's message, as the user of a login. */
function benchUser(uid: string, username: string): BenchUser {
  return { uid, username, nickname: username, avatar: '', type: uid === AGENT.uid ? 'AGENT' : 'VISITOR' };
}

interface BurstFigures {
  readonly perSecond: number;
  /** The broker's CPU (user + system) per message, µs. */
  readonly brokerCpuUs: number;
}

/** Resolves once every PUBLISH was acked and both clients received `count` (from zero). */
function allIn(sender: LeanClient, receiver: LeanClient, count: number): Promise<void> {
  for (const c of [sender, receiver]) {
    c.counts.acked = 0;
    c.counts.received = 0;
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      const seen = `${sender.counts.acked} acked, ${sender.counts.received} / ${receiver.counts.received} received`;
      reject(new Error(`burst of ${count}: ${seen}`));
    }, TIMEOUT_MS);
    const check = () => {
      if (sender.counts.acked < count || sender.counts.received < count || receiver.counts.received < count) return;
      clearTimeout(timer);
      sender.onCount = undefined;
      receiver.onCount = undefined;
      resolve();
    };
    sender.onCount = check;
    receiver.onCount = check;
  });
}

/** One burst of `count` through a broker: every PUBACK at the sender, every copy at both clients. */
async function burstOnce(broker: BrokerProcess, sender: LeanClient, receiver: LeanClient, count: number) {
  const user = benchUser(VISITOR.uid, VISITOR.username);
  const packets = Array.from({ length: count }, (_, i) =>
    publishPacket(DEMO_THREAD.topic, (i % 65_535) + 1, encodeMessage(rawWire(user, TEXT))),
  );
  const cpuBefore = await broker.cpuUs();
  const done = allIn(sender, receiver, count);
  const start = performance.now();
  sender.send(packets);
  await done;
  const ms = performance.now() - start;
  const cpu = (await broker.cpuUs()) - cpuBefore;
  return { perSecond: count / (ms / 1_000), brokerCpuUs: cpu / count };
}

/** A fresh broker process, two lean clients subscribed to the thread, a warm-up burst, then the measured one. */
async function burstRun(kind: BrokerKind): Promise<BurstFigures> {
  const broker = await startBroker(kind);
  const { url, sender: s, receiver: r } = broker.ready;
  const sender = await connectLean(url, { clientId: `${s.clientIdUser}/WEB/bench-sender`, ...s });
  const receiver = await connectLean(url, { clientId: `${r.clientIdUser}/WEB/bench-receiver`, ...r });
  try {
    await sender.subscribe(DEMO_THREAD.topic);
    await receiver.subscribe(DEMO_THREAD.topic);
    await burstOnce(broker, sender, receiver, 1_000);
    return await burstOnce(broker, sender, receiver, BURST);
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
    await broker.close();
  }
}

const median = (list: readonly number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const spread = (list: readonly number[], digits = 0): string =>
  `${Math.min(...list).toFixed(digits)}–${Math.max(...list).toFixed(digits)}`;

async function burstSection(rows: string[], results: Record<string, unknown>): Promise<void> {
  const runs = new Map<BrokerKind, BurstFigures[]>();
  for (let round = 0; round < REPEAT; round++) {
    for (const kind of BROKERS) {
      process.stderr.write(`[broker] burst ${BURST} through ${kind}, round ${round + 1} (load ${load()})\n`);
      runs.set(kind, [...(runs.get(kind) ?? []), await burstRun(kind)]);
    }
  }
  const names: Record<BrokerKind, string> = {
    aedes: 'bare aedes',
    'aedes-frames': 'bare aedes, one frame per tick',
    mock: 'mock broker',
  };
  for (const [kind, list] of runs) {
    const rates = list.map((f) => f.perSecond);
    const cpus = list.map((f) => f.brokerCpuUs);
    const against = (ref: BrokerKind): string => {
      const other = runs.get(ref);
      if (!other || ref === kind) return '';
      const refRates = other.map((f) => f.perSecond);
      // The median of the ratios of runs side by side (same round), then their spread.
      const paired = rates.map((r, i) => r / (refRates[i] ?? Number.NaN));
      return `${names[ref]}: ${median(paired).toFixed(2)} (${spread(paired, 2)})`;
    };
    const cpuAgainst = (ref: BrokerKind): string => {
      const other = runs.get(ref);
      if (!other || ref === kind) return '';
      const paired = cpus.map((c, i) => c / (other[i]?.brokerCpuUs ?? Number.NaN));
      return `${median(paired).toFixed(2)} (${spread(paired, 2)})`;
    };
    const refs = (['aedes', 'aedes-frames'] as const).filter((ref) => ref !== kind && runs.has(ref));
    rows.push(
      `| QoS 1 burst of ${BURST} | ${names[kind]} | median ${median(rates).toFixed(0)} msg/s (${spread(rates)}) | ${refs.map(against).join('; ')} | median ${median(cpus).toFixed(0)} µs (${spread(cpus)}) | ${refs.map(cpuAgainst).join('; ')} |`,
    );
    results[`burst ${kind}`] = list;
  }
}

// ── history ───────────────────────────────────────────────────────────────────

/** The full wire form of the throughput run's message (what a decoded PUBLISH is). */
function wire(init: WireMessageInit): WireMessage {
  const decoded = decodeMessage(encodeMessage(init));
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

/** Stores `count` messages on the demo thread; every second gets a DELIVERED, every hundredth is recalled. */
function fill(broker: MockBroker, count: number): number {
  const visitor = benchUser(VISITOR.uid, VISITOR.username);
  const agent = benchUser(AGENT.uid, AGENT.username);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const message = wire(rawWire(visitor, TEXT));
    broker.state.route(message);
    if (i % 2 === 1) broker.state.route(wire({ ...rawWire(agent, ''), type: 'DELIVERED', content: message.uid }));
    if (i % 100 === 99) broker.state.route(wire({ ...rawWire(visitor, ''), type: 'RECALL', content: message.uid }));
  }
  return performance.now() - start;
}

/** Runs `once` for about PAGE_MS (at least 5 times); the median µs of one call. */
async function loop(once: () => unknown): Promise<number> {
  const times: number[] = [];
  const until = performance.now() + PAGE_MS;
  while (times.length < 5 || performance.now() < until) {
    const start = performance.now();
    await once();
    times.push((performance.now() - start) * 1_000);
  }
  return median(times);
}

interface HistoryFigures {
  readonly stored: number;
  /** µs per message routed while filling (a message, a receipt on every second, a recall on every hundredth). */
  readonly fillUs: number;
  readonly rulesPage0Us: number;
  readonly rulesPage50Us: number;
  readonly restPage0Us: number;
}

async function historyRun(stored: number): Promise<HistoryFigures> {
  const seed = fileURLToPath(new URL('../../../mock-broker/seed/default.json', import.meta.url));
  const broker = await startMockBroker({ mqttPort: 0, httpPort: 0, host: '127.0.0.1', seed, ...NO_HISTORY_LAG });
  try {
    const fillMs = fill(broker, stored);
    const page = (pageNumber: number) => () => {
      const answer = broker.state.historyPage(DEMO_THREAD.topic, { pageNumber, pageSize: 10 });
      if (!answer.ok || answer.content.length !== 10) throw new Error(`page ${pageNumber}: not 10 items`);
    };
    const { accessToken } = broker.login(AGENT.username);
    const url = `${broker.httpUrl}/api/v1/message/query/topic?topic=${encodeURIComponent(DEMO_THREAD.topic)}&pageNumber=0&pageSize=10`;
    const rest = async () => {
      const answer = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
      const body = (await answer.json()) as { data?: { content?: unknown[] } };
      if (body.data?.content?.length !== 10) throw new Error('REST page: not 10 items');
    };
    return {
      stored,
      fillUs: (fillMs * 1_000) / stored,
      rulesPage0Us: await loop(page(0)),
      rulesPage50Us: await loop(page(50)),
      restPage0Us: await loop(rest),
    };
  } finally {
    await broker.close();
  }
}

async function historySection(rows: string[], results: Record<string, unknown>): Promise<void> {
  const figures: HistoryFigures[] = [];
  for (const stored of HISTORY) {
    process.stderr.write(`[broker] history pages at ${stored} stored (load ${load()})\n`);
    figures.push(await historyRun(stored));
  }
  const first = figures[0];
  const fmt = (us: number) => (us >= 1_000 ? `${(us / 1_000).toFixed(1)} ms` : `${us.toFixed(1)} µs`);
  for (const f of figures) {
    const ratio = (a: number, b: number | undefined) => (first && f !== first && b ? ` (${(a / b).toFixed(2)}×)` : '');
    rows.push(
      `| history, ${f.stored} stored on the thread | mock broker | page 0: rules ${fmt(f.rulesPage0Us)}${ratio(f.rulesPage0Us, first?.rulesPage0Us)}, REST ${fmt(f.restPage0Us)}${ratio(f.restPage0Us, first?.restPage0Us)}; page 50: rules ${fmt(f.rulesPage50Us)}${ratio(f.rulesPage50Us, first?.rulesPage50Us)} | | routing while filling ${fmt(f.fillUs)} per message${ratio(f.fillUs, first?.fillUs)} | |`,
    );
  }
  results.history = figures;
}

async function main(): Promise<void> {
  const loadBefore = load();
  const started = Date.now();
  const rows: string[] = [];
  const results: Record<string, unknown> = {};
  if (ONLY.has('burst')) await burstSection(rows, results);
  if (ONLY.has('history')) await historySection(rows, results);
  const header = [
    `Node ${process.version}, ${os.cpus().length} cores, load average ${loadBefore} at the start, ${load()} at the end (1, 5, 15 min); ${((Date.now() - started) / 1_000).toFixed(0)} s`,
    '',
    '| figure | broker | result | msg/s ratio, median of the rounds (spread) | broker CPU per message | CPU ratio (same references) |',
    '|---|---|---|---|---|---|',
  ];
  const report = [...header, ...rows].join('\n');
  console.log(report);
  writeFileSync(path.join(here, 'broker-results.json'), JSON.stringify({ load: loadBefore, results }, null, 2));
}

await main();
