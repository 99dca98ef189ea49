/**
 * The receive pipeline through the public client: decode → topic filter → dedupe → events,
 * fed by the in-memory network (no sockets), so the figure is the client's own cost.
 */
import { type ChatClient, createChatClient, topics } from '@weiyu/core';
import { createFakeClock, createInMemoryNetwork, seededRandom } from '@weiyu/core/testing';
import { encodeMessage } from '@weiyu/protocol';
import { bench, describe } from 'vitest';

const BATCH = 1_000;
const topic = topics.agent('a1', 'v1');
const thread = { uid: 't1', topic, type: 'AGENT' };

async function setUp(autoDelivered = false): Promise<{
  client: ChatClient;
  inject: (bytes: Uint8Array) => void;
  flush: () => Promise<void>;
  received: () => number;
}> {
  const clock = createFakeClock(1_700_000_000_000);
  const network = createInMemoryNetwork({ clock, latencyMs: 0 });
  const client = createChatClient({
    user: { uid: 'a1' },
    realtime: network.realtime(),
    auth: { username: 'a1', accessToken: network.issueToken('a1') },
    clock,
    random: seededRandom(7),
    autoDelivered,
  });
  let count = 0;
  client.on('message', () => {
    count += 1;
  });
  const connecting = client.connect();
  await clock.advanceAsync(10);
  await connecting;
  const subscribing = client.subscribe([topic]);
  await clock.advanceAsync(10);
  await subscribing;
  return {
    client,
    inject: (bytes) => network.injectRaw(topic, bytes),
    flush: () => clock.advanceAsync(1),
    received: () => count,
  };
}

let serial = 0;
function batch(): Uint8Array[] {
  return Array.from({ length: BATCH }, () => {
    serial += 1;
    return encodeMessage({
      uid: serial.toString(16).padStart(32, '0'),
      type: 'TEXT',
      content: `消息 ${serial}`,
      status: 'SUCCESS',
      createdAt: '2026-11-29 12:00:00',
      channel: 'WEB',
      user: { uid: 'v1', nickname: '访客', type: 'VISITOR' },
      thread: { ...thread, user: { uid: 'v1' } },
      extra: '{"orgUid":"org_demo"}',
    });
  });
}

const world = await setUp();
const receipting = await setUp(true);

describe(`receive pipeline, ${BATCH} messages per iteration`, () => {
  bench('new messages → message events', async () => {
    const before = world.received();
    for (const bytes of batch()) world.inject(bytes);
    await world.flush();
    if (world.received() - before !== BATCH) throw new Error('lost messages');
  });

  bench('each message delivered twice → shown once', async () => {
    const before = world.received();
    for (const bytes of batch()) {
      world.inject(bytes);
      world.inject(bytes);
    }
    await world.flush();
    if (world.received() - before !== BATCH) throw new Error('duplicates shown or messages lost');
  });
});

describe(`receive pipeline with automatic receipts, ${BATCH} messages per iteration`, () => {
  // Each message gets a DELIVERED back (encoded, published, routed by the in-memory server, which
  // echoes it to this client too): the figure less the first one above is what receipts cost.
  bench('new messages → message events, a DELIVERED each and its copy back', async () => {
    const before = receipting.received();
    for (const bytes of batch()) receipting.inject(bytes);
    await receipting.flush();
    await receipting.flush();
    if (receipting.received() - before !== BATCH) throw new Error('lost messages');
  });
});
