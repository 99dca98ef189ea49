/** Test fixtures for client and scenario tests: a fake clock, an in-memory server, one thread. */
import { topics } from '@weiyu/protocol';
import type { ChatClient, ChatClientOptions, ChatThread, LocalMessage, LocalStatus } from './api.js';
import { createChatClient } from './client.js';
import type { KeyValueStore } from './interfaces.js';
import { createFakeClock } from './testing/fake-clock.js';
import {
  createInMemoryNetwork,
  type InMemoryNetwork,
  type InMemoryNetworkOptions,
} from './testing/in-memory-network.js';
import { seededRandom } from './testing/seeded-random.js';

/** Options of a client of the test world ({@link createWorld}). */
export type WorldClientOptions = Partial<ChatClientOptions> & {
  readonly store?: KeyValueStore;
  readonly noRest?: boolean;
};

/** A world with one agent–visitor thread. */
export function createWorld(seed = 1, network: Partial<InMemoryNetworkOptions> = {}) {
  const clock = createFakeClock();
  const net = createInMemoryNetwork({ clock, random: seededRandom(seed), ...network });
  const thread: ChatThread = {
    uid: 'thread-1',
    topic: topics.agent('a1', 'v1'),
    type: 'AGENT',
    user: { uid: 'v1', nickname: 'Visitor', type: 'VISITOR' },
  };
  let n = 0;
  const tokens = new Map<string, string>();
  const token = (uid: string): string => {
    let t = tokens.get(uid);
    if (!t) {
      t = net.issueToken(uid);
      tokens.set(uid, t);
    }
    return t;
  };

  const client = (uid: string, over: WorldClientOptions = {}): ChatClient => {
    n++;
    const { store, noRest, ...rest } = over;
    return createChatClient({
      user: { uid, nickname: uid, type: uid.startsWith('a') ? 'AGENT' : 'VISITOR' },
      orgUid: 'org-1',
      realtime: net.realtime(),
      ...(noRest ? {} : { rest: net.rest() }),
      auth: { username: uid, accessToken: token(uid) },
      clock,
      random: seededRandom(seed * 1_000 + n),
      ...(store ? { outbox: store } : {}),
      ...rest,
    });
  };

  /** Runs the clock (in small steps) until the promise settles. */
  const run = async <T>(promise: Promise<T>, stepMs = 1, limitMs = 600_000): Promise<T> => {
    let done = false;
    const out = promise.finally(() => {
      done = true;
    });
    for (let t = 0; t < limitMs && !done; t += stepMs) await clock.advanceAsync(stepMs);
    if (!done) throw new Error(`still pending after ${limitMs} ms of fake time`);
    return out;
  };

  /** Connects and subscribes a client to the thread. */
  const online = async (c: ChatClient): Promise<void> => {
    await run(c.connect());
    await run(c.subscribe([thread.topic]));
    await clock.advanceAsync(10);
  };

  /** An agent (a1) and a visitor (v1), made in that order, then both brought online on the thread. */
  const onlinePair = async (
    agentOptions: WorldClientOptions = {},
    visitorOptions: WorldClientOptions = {},
  ): Promise<{ agent: ChatClient; visitor: ChatClient }> => {
    const agent = client('a1', agentOptions);
    const visitor = client('v1', visitorOptions);
    await online(agent);
    await online(visitor);
    return { agent, visitor };
  };

  return { clock, network: net, thread, client, run, online, onlinePair, token };
}

/** Resolves the next time a client reports `connected`. */
export function nextConnected(client: ChatClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = client.on('connection', (state) => {
      if (state.status !== 'connected') return;
      off();
      resolve();
    });
  });
}

/** Drops the realtime link of a user's client on the in-memory server. */
export function dropLink(network: InMemoryNetwork, uid: string): void {
  network.faults.dropConnections(network.connections().find((c) => c.uid === uid)?.clientId);
}

/** Resolves with a message of mine once it has `status`: pending with it now, or in a later `status` event. */
export function untilStatus(client: ChatClient, uid: string, status: LocalStatus): Promise<LocalMessage> {
  return new Promise<LocalMessage>((resolve) => {
    const now = client.pending().find((m) => m.uid === uid);
    if (now?.status === status) return resolve(now);
    const off = client.on('status', ({ message }) => {
      if (message.uid !== uid || message.status !== status) return;
      off();
      resolve(message);
    });
  });
}

/** Whether a promise has settled once the microtasks queued now have run (no clock moves). */
export async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}
