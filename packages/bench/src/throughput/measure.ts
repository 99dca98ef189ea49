/** The measurements of the throughput run, each over one pair: burst, paced latency, recovery. */
import type { Pair } from './pairs.js';

/** When each message was sent, confirmed at the sender and received at the other side (performance.now()). */
export class Probe {
  sentAt = new Map<string, number>();
  confirmedAt = new Map<string, number>();
  receivedAt = new Map<string, number>();
  #check: (() => void) | undefined;

  constructor(pair: Pair) {
    pair.onConfirmed((uid) => this.#mark(this.confirmedAt, uid));
    pair.onReceived((uid) => this.#mark(this.receivedAt, uid));
  }

  #mark(map: Map<string, number>, uid: string): void {
    if (!this.sentAt.has(uid) || map.has(uid)) return;
    map.set(uid, performance.now());
    this.#check?.();
  }

  reset(): void {
    this.sentAt = new Map();
    this.confirmedAt = new Map();
    this.receivedAt = new Map();
  }

  /** Resolves when every message sent is confirmed and received; rejects after `timeoutMs`. */
  all(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#check = undefined;
        const { sentAt, confirmedAt, receivedAt } = this;
        reject(
          new Error(`after ${timeoutMs} ms: ${confirmedAt.size}/${sentAt.size} confirmed, ${receivedAt.size} received`),
        );
      }, timeoutMs);
      this.#check = () => {
        if (this.confirmedAt.size < this.sentAt.size || this.receivedAt.size < this.sentAt.size) return;
        clearTimeout(timer);
        this.#check = undefined;
        resolve();
      };
      this.#check();
    });
  }

  /** The last time in a map, from `start`. */
  lastFrom(map: Map<string, number>, start: number): number {
    let last = start;
    for (const t of map.values()) last = Math.max(last, t);
    return last - start;
  }
}

/** A burst: what it took until the last was confirmed and received, and the client CPU per message. */
export interface BurstFigures {
  readonly count: number;
  readonly ms: number;
  readonly perSecond: number;
  readonly senderMs: number;
  readonly receiverMs: number;
  /** Client CPU (user + system, both clients of the pair) per message, µs. */
  readonly cpuUs: number;
}

/** Sends `count` messages at once on the thread. */
export async function burst(pair: Pair, probe: Probe, count: number, timeoutMs: number): Promise<BurstFigures> {
  probe.reset();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) probe.sentAt.set(pair.send(), start);
  await probe.all(timeoutMs);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  return {
    count,
    ms,
    perSecond: count / (ms / 1_000),
    senderMs: probe.lastFrom(probe.confirmedAt, start),
    receiverMs: probe.lastFrom(probe.receivedAt, start),
    cpuUs: (used.user + used.system) / count,
  };
}

/** Paced sending: one-way latency (send → the other side's event) and how many waited at most. */
export interface PacedFigures {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** The most messages the sender held back at once (SDK: QUEUED, beyond the window or behind a failure). */
  readonly maxWaiting: number;
}

/** Sends `count` messages at `perSecond`, each at its time. */
export async function paced(
  pair: Pair,
  probe: Probe,
  count: number,
  perSecond: number,
  timeoutMs: number,
): Promise<PacedFigures> {
  probe.reset();
  const start = performance.now();
  let maxWaiting = 0;
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1_000) / perSecond - performance.now();
    if (wait > 0.5) await sleep(wait);
    const at = performance.now();
    probe.sentAt.set(pair.send(), at);
    maxWaiting = Math.max(maxWaiting, pair.waiting());
  }
  await probe.all(timeoutMs);
  const latencies = [...probe.receivedAt].map(([uid, t]) => t - (probe.sentAt.get(uid) ?? t)).sort((a, b) => a - b);
  return {
    count,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    max: latencies.at(-1) ?? 0,
    maxWaiting,
  };
}

/** Recovery: `count` messages sent while the sender's link is down, then the link comes back. */
export interface RecoveryFigures {
  readonly count: number;
  /** From the link back to every message confirmed and received. */
  readonly totalMs: number;
  /** From the link back to the sender's `connected` (mqtt.js says `connect` only once it replayed its queue). */
  readonly reconnectMs: number;
}

/** Takes the sender's link down with `outage`, sends `count`, brings the link back. */
export async function recovery(
  pair: Pair,
  probe: Probe,
  count: number,
  outage: (on: boolean) => Promise<void>,
  timeoutMs: number,
): Promise<RecoveryFigures> {
  probe.reset();
  const down = pair.senderDown();
  await outage(true);
  await down;
  for (let i = 0; i < count; i++) probe.sentAt.set(pair.send(), 0);
  await sleep(300);
  const back = performance.now();
  const up = pair.senderUp();
  await outage(false);
  await up;
  const connected = performance.now();
  await probe.all(timeoutMs);
  const done = Math.max(probe.lastFrom(probe.confirmedAt, 0), probe.lastFrom(probe.receivedAt, 0));
  return { count, totalMs: done - back, reconnectMs: connected - back };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
