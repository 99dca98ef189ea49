/**
 * Acceptance fuzz (issue 10): hostile payloads published with a raw mqtt.js client into a thread
 * a live client is on, over real sockets. Anyone may post anything on the real server (SPEC §2),
 * so the client must survive it: no crash or unhandled rejection, no disconnect, a bounded heap,
 * nothing it shows changed by a forgery, and a good message afterwards shown exactly once.
 *
 * Two brokers, half the payloads each:
 * - the mock broker, in a process of its own (its history is not in this heap): like the real
 *   server it decodes each payload and routes what it takes, so what reaches the client is what
 *   an attacker gets through the real server;
 * - Mosquitto, which forwards every payload as it is: random bytes, truncations and wildcard
 *   thread topics reach the client unchanged (a plain broker in front of the server).
 *
 * `FUZZ_PAYLOADS` (default 10,000; the acceptance count is 100,000) and `FUZZ_SEED` replay a run.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ChatClient, createChatClient, type LocalMessage, type Logger } from '@weiyu/core';
import { AGENT, DEMO_THREAD, VISITOR } from '@weiyu/mock-broker/testing';
import { encodeMessage, formatServerTime, MAX_PACKET_BYTES } from '@weiyu/protocol';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { describe, expect, test } from 'vitest';
import { startBrokerProcess } from './harness/broker-process.js';
import { TEST_TIMING } from './harness/client.js';
import { type HostileKind, type HostileTarget, hostilePayload } from './harness/hostile.js';
import { startMosquitto } from './harness/mosquitto.js';
import { createPrng, type Prng, seedFromEnv } from './harness/prng.js';
import { connectRaw, type RawClient } from './harness/raw-mqtt.js';
import { settle, waitFor } from './harness/wait.js';

const TOTAL = Number(process.env.FUZZ_PAYLOADS ?? 10_000);
const SEED = seedFromEnv(process.env.FUZZ_SEED, 0x0f022_10);
/** heapUsed growth allowed over a run (the client keeps at most `DEDUPE` messages of the thread). */
const HEAP_BOUND_MB = 32;
/** The client's duplicate filter and timeline size: small, so that a CI run reaches it too. */
const DEDUPE = 2_000;
/** A good message from the thread's agent every this many payloads: fresh targets for forgeries. */
const GOOD_EVERY = 500;
const TOPIC = DEMO_THREAD.topic;
const ROBOT = 'robot_demo';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Where a lane publishes and how the victim and the publishers connect. */
interface Lane {
  readonly name: string;
  readonly mqttUrl: string;
  /** The victim's REST (the mock broker), or none (Mosquitto). */
  readonly httpUrl?: string;
  readonly victimToken: string;
  /** Connects a raw publisher with the agent's credentials (the server checks no more than that). */
  readonly publisher: (clientId: string) => Promise<RawClient>;
  /** Whether every payload reaches the client (a plain broker forwards them all). */
  readonly forwardsAll: boolean;
}

/** What one lane saw. */
interface LaneReport {
  readonly name: string;
  readonly published: number;
  readonly reached: number;
  readonly seconds: number;
  readonly heapGrowthMb: number;
  readonly disconnects: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  readonly shown: number;
  readonly kinds: Readonly<Partial<Record<HostileKind, number>>>;
}

describe('fuzz: hostile payloads into a thread a live client is on', () => {
  test(`${TOTAL} payloads (FUZZ_PAYLOADS), seed ${SEED} (FUZZ_SEED): no crash, no disconnect, bounded heap, nothing forged applied`, async () => {
    const problems = watchProcess();
    const reports: LaneReport[] = [];
    try {
      await using broker = await startBrokerProcess({ compat: 'bytedesk' });
      const rest = createHttpTransport({ baseUrl: broker.httpUrl, timeoutMs: 5_000 });
      const [agent, visitor] = [
        await rest.login(AGENT.username, AGENT.password),
        await rest.login(VISITOR.username, VISITOR.password),
      ];
      reports.push(
        await runLane(
          {
            name: 'mock broker (bytedesk)',
            mqttUrl: broker.mqttUrl,
            httpUrl: broker.httpUrl,
            victimToken: visitor.accessToken,
            publisher: (id) =>
              connectRaw(broker.mqttUrl, {
                clientId: `${AGENT.uid}/WEB/${id}`,
                username: AGENT.username,
                password: agent.accessToken,
              }),
            forwardsAll: false,
          },
          Math.ceil(TOTAL / 2),
          createPrng(SEED).fork('mock'),
        ),
      );
      await broker.close();

      const tokens = { agent: 'agent-token', visitor: 'visitor-token' };
      await using mosquitto = await startMosquitto({ users: tokens, maxQueuedMessages: 1_000_000 });
      reports.push(
        await runLane(
          {
            name: 'Mosquitto (forwards every payload)',
            mqttUrl: mosquitto.url,
            victimToken: tokens.visitor,
            publisher: (id) => connectRaw(mosquitto.url, { clientId: id, username: 'agent', password: tokens.agent }),
            forwardsAll: true,
          },
          Math.floor(TOTAL / 2),
          createPrng(SEED).fork('mosquitto'),
        ),
      );
    } finally {
      problems.stop();
      for (const report of reports) console.log(describeReport(report));
    }
    expect(problems.seen).toEqual([]);
  }, 600_000);
});

/** Runs one lane: a victim, a good sender, an attacker; returns what it saw, after asserting. */
async function runLane(lane: Lane, count: number, prng: Prng): Promise<LaneReport> {
  const victim = await startVictim(lane);
  await using sender = await lane.publisher('fuzz-sender');
  await using attacker = await lane.publisher('fuzz-attacker');
  try {
    const good = await goodMessages(victim, sender, prng);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const kinds: Partial<Record<HostileKind, number>> = {};
    const context = {
      topic: TOPIC,
      thread: { uid: DEMO_THREAD.uid, type: DEMO_THREAD.type },
      member: AGENT.uid,
      victim: VISITOR.uid,
      targets: () => good.targets(),
      maxPayloadBytes: MAX_PACKET_BYTES - TOPIC.length - 8,
    };
    const goodBefore = good.publishes();
    const reachedBefore = victim.reached();
    const hostileReached = (): number => victim.reached() - reachedBefore - (good.publishes() - goodBefore);
    const window = new PublishWindow(attacker, lane.forwardsAll ? hostileReached : undefined);
    for (let i = 0; i < count; i++) {
      if (i % GOOD_EVERY === 0) good.send();
      const hostile = hostilePayload(prng, context);
      kinds[hostile.kind] = (kinds[hostile.kind] ?? 0) + 1;
      await window.publish(hostile.payload);
    }
    await window.drain();
    // The good message afterwards, published three times (the server broadcasts every resend).
    const last = good.send(3);
    await waitFor(() => victim.shownCount(last) > 0, {
      timeoutMs: 60_000,
      message: `${lane.name}: the good message afterwards`,
    });
    if (lane.forwardsAll) {
      await waitFor(() => hostileReached() >= count, { timeoutMs: 30_000, message: 'all payloads reached the client' });
    }
    await settle(500);
    const seconds = (Date.now() - started) / 1_000;
    gc();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
    const report: LaneReport = {
      name: lane.name,
      published: count,
      reached: hostileReached(),
      seconds,
      heapGrowthMb,
      disconnects: victim.disconnects(),
      refused: victim.refused(),
      errors: victim.errors(),
      shown: victim.shownTotal(),
      kinds,
    };
    expect(victim.client.isConnected()).toBe(true);
    expect(report.disconnects).toBe(0);
    expect(victim.shownCount(last)).toBe(1);
    good.expectIntact();
    expect(Object.values(report.refused).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.reached).toBeGreaterThan(0);
    if (lane.forwardsAll) expect(report.reached).toBe(count);
    expect(heapGrowthMb).toBeLessThan(HEAP_BOUND_MB);
    return report;
  } finally {
    await victim.client.dispose();
  }
}

/** The live client under attack, and counts of what it did (nothing kept per payload). */
interface Victim {
  readonly client: ChatClient;
  /** MQTT messages that reached its transport on the thread, less the copies of its own publishes. */
  reached(): number;
  /** Starts counting the `message` events of a uid (only a few are: nothing kept per payload). */
  track(uid: string): void;
  shownCount(uid: string): number;
  shownTotal(): number;
  /** The latest view of a message (its `message` event, then each `status` event). */
  view(uid: string): LocalMessage | undefined;
  disconnects(): number;
  refused(): Record<string, number>;
  /** `error` events by code. */
  errors(): Record<string, number>;
}

async function startVictim(lane: Lane): Promise<Victim> {
  const realtime = createMqttTransport({ url: lane.mqttUrl, connectTimeoutMs: 5_000, deviceUid: 'fuzz-victim' });
  // Both brokers send the client's own publishes (its receipts) back to it: those are not the attacker's.
  let own = 0;
  const client = createChatClient({
    user: { uid: VISITOR.uid, type: 'VISITOR' },
    realtime: {
      get deviceUid() {
        return realtime.deviceUid;
      },
      isConnected: () => realtime.isConnected(),
      connect: (options, signal) => realtime.connect(options, signal),
      publish: (topic, payload, qos) => {
        if (topic === TOPIC) own += 1;
        return realtime.publish(topic, payload, qos);
      },
      subscribe: (topics, qos) => realtime.subscribe(topics, qos),
      unsubscribe: (topics) => realtime.unsubscribe(topics),
      close: () => realtime.close(),
      on: (listener) => realtime.on(listener),
    },
    ...(lane.httpUrl ? { rest: createHttpTransport({ baseUrl: lane.httpUrl, timeoutMs: 5_000 }) } : {}),
    auth: { username: VISITOR.username, accessToken: lane.victimToken },
    timing: { ...TEST_TIMING, dedupeCapacity: DEDUPE, echoTimeoutMs: 5_000, sendDeadlineMs: 30_000 },
    logger: quietLogger(),
  });
  let reached = 0;
  realtime.on((event) => {
    if (event.type !== 'message' || event.topic !== TOPIC) return;
    reached += 1;
  });
  const shown = new Map<string, number>();
  const views = new Map<string, LocalMessage>();
  let shownTotal = 0;
  let disconnects = 0;
  const errors: Record<string, number> = {};
  const refused: Record<string, number> = {};
  client.on('message', (m) => {
    shownTotal += 1;
    const count = shown.get(m.uid);
    if (count === undefined) return;
    shown.set(m.uid, count + 1);
    views.set(m.uid, m);
  });
  client.on('status', ({ message }) => {
    if (views.has(message.uid)) views.set(message.uid, message);
  });
  client.on('refused', (r) => {
    refused[r.reason] = (refused[r.reason] ?? 0) + 1;
  });
  client.on('error', (error) => {
    errors[error.code] = (errors[error.code] ?? 0) + 1;
  });
  await client.connect();
  await client.subscribe([TOPIC]);
  await waitFor(() => client.isConnected(), { timeoutMs: 10_000, message: `${lane.name}: the victim connected` });
  // From now on any other state is a disconnect.
  client.on('connection', (state) => {
    if (state.status !== 'connected') disconnects += 1;
  });
  return {
    client,
    reached: () => reached - own,
    track: (uid) => {
      if (!shown.has(uid)) shown.set(uid, 0);
    },
    shownCount: (uid) => shown.get(uid) ?? 0,
    shownTotal: () => shownTotal,
    view: (uid) => views.get(uid),
    disconnects: () => disconnects,
    refused: () => ({ ...refused }),
    errors: () => ({ ...errors }),
  };
}

/**
 * Good messages of the thread (the agent's, and a robot's stream), which forgeries aim at: each
 * must be shown once and stay as it was, whatever is posted with its uid.
 */
async function goodMessages(victim: Victim, sender: RawClient, prng: Prng) {
  const sent: Array<{ uid: string; sender: string; content: string }> = [];
  let publishes = 0;
  const publish = (uid: string, user: string, type: string, content: string, times = 1): void => {
    victim.track(uid);
    publishes += times;
    const payload = encodeMessage({
      uid,
      type,
      content,
      status: 'SENDING',
      createdAt: formatServerTime(Date.now()),
      channel: 'WEB',
      extra: '{"orgUid":"org_demo"}',
      user: { uid: user, nickname: user, type: user === ROBOT ? 'ROBOT' : 'AGENT' },
      thread: { uid: DEMO_THREAD.uid, topic: TOPIC, type: DEMO_THREAD.type, user: { uid: VISITOR.uid } },
    });
    for (let i = 0; i < times; i++) sender.client.publish(TOPIC, Buffer.from(payload), { qos: 1 });
  };
  /** A TEXT from the agent (`times` copies) and a robot's two-chunk stream; returns the TEXT's uid. */
  const send = (times = 1): string => {
    const text = randomUid(prng);
    const content = `good ${sent.length}`;
    sent.push({ uid: text, sender: AGENT.uid, content });
    publish(text, AGENT.uid, 'TEXT', content, times);
    const stream = randomUid(prng);
    sent.push({ uid: stream, sender: ROBOT, content: 'Hello' });
    publish(stream, ROBOT, 'ROBOT_STREAM', 'Hel');
    publish(stream, ROBOT, 'ROBOT_STREAM', 'lo');
    return text;
  };
  const first = send();
  await waitFor(() => victim.shownCount(first) === 1, { timeoutMs: 10_000, message: 'the first good message shown' });
  return {
    send,
    /** How many good payloads were published (to tell the attacker's from them). */
    publishes: () => publishes,
    /**
     * The latest good messages the victim shows: forgeries aim at what it still remembers (an
     * older one has left its duplicate filter and timeline, and a copy of it is new to it).
     */
    targets: (): HostileTarget[] => sent.slice(-4).filter((m) => victim.shownCount(m.uid) > 0),
    expectIntact: (): void => {
      for (const m of sent) {
        expect(victim.shownCount(m.uid), `good message ${m.uid} shown once`).toBe(1);
        const view = victim.view(m.uid);
        expect(view?.content, `good message ${m.uid} unchanged`).toBe(m.content);
        expect(view?.status, `good message ${m.uid} not recalled`).not.toBe('RECALL');
      }
    },
  };
}

/** QoS 1 publishes, at most 64 unacknowledged; with a count of arrivals to pace by, at most 500 not yet arrived. */
class PublishWindow {
  readonly #attacker: RawClient;
  readonly #arrived: (() => number) | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #published = 0;

  constructor(attacker: RawClient, arrived: (() => number) | undefined) {
    this.#attacker = attacker;
    this.#arrived = arrived;
  }

  async publish(payload: Uint8Array): Promise<void> {
    const sent = this.#attacker.client.publishAsync(TOPIC, Buffer.from(payload), { qos: 1 });
    const tracked = sent.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    this.#published += 1;
    if (this.#inFlight.size >= 64) await Promise.race(this.#inFlight);
    const arrived = this.#arrived;
    if (arrived && this.#published % 100 === 0) {
      await waitFor(() => this.#published - arrived() <= 500, {
        timeoutMs: 30_000,
        intervalMs: 2,
        message: 'the client keeps up',
      });
    }
  }

  async drain(): Promise<void> {
    await Promise.all(this.#inFlight);
  }
}

/** Counts what would end the run: every unhandled rejection and uncaught exception. */
function watchProcess(): { readonly seen: string[]; stop(): void } {
  const seen: string[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(`unhandledRejection: ${String(reason)}`);
  };
  const onException = (error: Error): void => {
    seen.push(`uncaughtException: ${error.stack ?? error.message}`);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** The client logs a line per dropped payload at debug: none is kept. */
function quietLogger(): Logger {
  const none = (): void => {};
  return { debug: none, info: none, warn: none, error: none };
}

function randomUid(prng: Prng): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += '0123456789abcdef'[prng.int(0, 15)];
  return out;
}

function describeReport(r: LaneReport): string {
  const counts = (record: Readonly<Record<string, number>>): string =>
    Object.entries(record)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ') || 'none';
  return [
    `fuzz ${r.name}: ${r.published} payloads in ${r.seconds.toFixed(1)} s, ${r.reached} reached the client,`,
    `${r.shown} shown as new messages, refused: ${counts(r.refused)}, error events: ${counts(r.errors)},`,
    `${r.disconnects} disconnects, heapUsed growth ${r.heapGrowthMb.toFixed(1)} MB (bound ${HEAP_BOUND_MB} MB)`,
  ].join(' ');
}
