import {
  decodeMessage,
  encodeMessage,
  formatServerTime,
  SdkError,
  topics,
  type WireMessage,
  type WireMessageInit,
} from '@weiyu/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAbortController } from '../connection/abort.js';
import type { RealtimeEvent, RealtimeTransport } from '../interfaces.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';
import { createInMemoryNetwork, type InMemoryNetwork } from './in-memory-network.js';
import { seededRandom } from './seeded-random.js';

const AGENT = 'agent1';
const VISITOR = 'visitor1';
const THREAD = topics.agent(AGENT, VISITOR);

function textMessage(uid: string, from = VISITOR, overrides: WireMessageInit = {}): WireMessageInit {
  return {
    uid,
    type: 'TEXT',
    content: `hello ${uid}`,
    status: 'SENDING',
    createdAt: '1',
    channel: 'WEB',
    thread: { uid: 't1', topic: THREAD, type: 'AGENT' },
    user: { uid: from, nickname: from, type: 'VISITOR' },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SdkError)) throw new Error(`expected an SdkError rejection, got ${String(error)}`);
  return error;
}

/** A connected client that records what it receives. */
async function client(network: InMemoryNetwork, clock: FakeClock, uid: string, deviceUid?: string) {
  const transport = network.realtime(deviceUid === undefined ? {} : { deviceUid });
  const events: RealtimeEvent[] = [];
  transport.on((e) => events.push(e));
  const clientId = `${uid}/WEB/${transport.deviceUid}`;
  const token = network.issueToken(uid);
  const connecting = transport.connect({ clientId, username: uid, password: token });
  await clock.advanceAsync(1);
  const result = await connecting;
  const subscribing = transport.subscribe([THREAD], 1);
  await clock.advanceAsync(1);
  await subscribing;
  const received = (): WireMessage[] =>
    events.flatMap((e) => {
      if (e.type !== 'message') return [];
      const decoded = decodeMessage(e.payload);
      return decoded.ok ? [decoded.value] : [];
    });
  const disconnects = () =>
    events.flatMap((e) => (e.type === 'disconnected' ? [e.error?.code ?? 'closed-by-client'] : []));
  return { transport, events, received, disconnects, clientId, token, result };
}

async function publish(transport: RealtimeTransport, clock: FakeClock, message: WireMessageInit): Promise<void> {
  const p = transport.publish(THREAD, encodeMessage(message), 1);
  await clock.advanceAsync(1);
  await p;
}

describe('createInMemoryNetwork', () => {
  let clock: FakeClock;
  let network: InMemoryNetwork;
  beforeEach(() => {
    clock = createFakeClock(Date.UTC(2024, 5, 1, 12));
    network = createInMemoryNetwork({ clock, random: seededRandom(7) });
  });

  describe('connect', () => {
    it('accepts a token of the clientId’s user, asynchronously', async () => {
      const transport = network.realtime({ deviceUid: 'd1' });
      const token = network.issueToken(VISITOR);
      let settled = false;
      const p = transport.connect({ clientId: `${VISITOR}/WEB/d1`, username: VISITOR, password: token }).then(() => {
        settled = true;
      });
      await clock.flush();
      expect(settled).toBe(false);
      await clock.advanceAsync(1);
      await p;
      expect(transport.isConnected()).toBe(true);
      expect(transport.clientId).toBe(`${VISITOR}/WEB/d1`);
      expect(network.connections()).toEqual([{ clientId: `${VISITOR}/WEB/d1`, uid: VISITOR, subscriptions: [] }]);
    });

    it('accepts any password, as the real server does; only an empty clientId is refused', async () => {
      const transport = network.realtime();
      const connect = (clientId: string, password: string) => {
        const p = transport.connect({ clientId, username: 'x', password }).then(
          () => 'ok',
          (e: unknown) => (e instanceof SdkError ? e.code : 'other'),
        );
        void clock.advanceAsync(1);
        return p;
      };
      expect(await connect(`${VISITOR}/WEB/d`, 'nope')).toBe('ok');
      expect(network.connections()).toEqual([{ clientId: `${VISITOR}/WEB/d`, uid: VISITOR, subscriptions: [] }]);
      expect(await connect(`${VISITOR}/WEB/d`, '')).toBe('ok');
      expect(await connect('', network.issueToken(VISITOR))).toBe('protocol');
    });

    it('strict: refuses an unknown token, a revoked one, and another user’s token with bad_credentials', async () => {
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const transport = network.realtime();
      const attempt = (clientId: string, password: string) => {
        const p = rejection(transport.connect({ clientId, username: 'x', password }));
        void clock.advanceAsync(1);
        return p;
      };
      expect((await attempt(`${VISITOR}/WEB/d`, 'nope')).code).toBe('bad_credentials');
      const agentToken = network.issueToken(AGENT);
      expect((await attempt(`${VISITOR}/WEB/d`, agentToken)).code).toBe('bad_credentials');
      const token = network.issueToken(VISITOR);
      network.revokeToken(token);
      expect((await attempt(`${VISITOR}/WEB/d`, token)).code).toBe('bad_credentials');
      expect(transport.isConnected()).toBe(false);
      expect(network.stats().connectAttempts).toBe(3);
    });

    it('strict: a token that expires while connected closes the connection', async () => {
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const transport = network.realtime();
      const disconnects: string[] = [];
      transport.on((e) => {
        if (e.type === 'disconnected') disconnects.push(e.error?.code ?? 'closed');
      });
      const password = network.issueToken(VISITOR, { ttlMs: 1000 });
      const p = transport.connect({ clientId: `${VISITOR}/WEB/d`, username: VISITOR, password });
      await clock.advanceAsync(1);
      await p;
      await clock.advanceAsync(998);
      expect(transport.isConnected()).toBe(true);
      await clock.advanceAsync(1);
      expect(transport.isConnected()).toBe(false);
      expect(disconnects).toEqual(['network']);
    });

    it('a second connection with the same clientId closes the first, as a plain close', async () => {
      const first = await client(network, clock, VISITOR, 'same');
      const second = await client(network, clock, VISITOR, 'same');
      expect(first.disconnects()).toEqual(['network']);
      expect(first.transport.isConnected()).toBe(false);
      expect(second.transport.isConnected()).toBe(true);
      expect(network.connections()).toHaveLength(1);
      network = createInMemoryNetwork({ clock, takeoverReportedAs: 'kicked' });
      const told = await client(network, clock, VISITOR, 'same');
      await client(network, clock, VISITOR, 'same');
      expect(told.disconnects()).toEqual(['kicked']);
    });

    it('stops at once when aborted', async () => {
      const transport = network.realtime();
      const controller = createAbortController();
      const p = rejection(
        transport.connect(
          { clientId: `${VISITOR}/WEB/d`, username: VISITOR, password: network.issueToken(VISITOR) },
          controller.signal,
        ),
      );
      controller.abort();
      expect((await p).code).toBe('closed');
      await clock.advanceAsync(10);
      expect(transport.isConnected()).toBe(false);
      expect(clock.pending()).toBe(0);
    });

    it('close emits disconnected without error and is safe twice', async () => {
      const c = await client(network, clock, VISITOR);
      await c.transport.close();
      await c.transport.close();
      expect(c.disconnects()).toEqual(['closed-by-client']);
      expect((await rejection(c.transport.publish(THREAD, new Uint8Array(), 0))).code).toBe('not_connected');
      expect((await rejection(c.transport.subscribe([THREAD], 1))).code).toBe('not_connected');
    });
  });

  describe('publish and echo', () => {
    it('stamps SUCCESS and server time, stores once by uid, and delivers to every subscriber including the sender', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      await publish(visitor.transport, clock, textMessage('m1'));
      // The PUBACK came; the deliveries are still on their way.
      expect(visitor.received()).toEqual([]);
      await clock.advanceAsync(1);
      for (const c of [visitor, agent]) {
        const [m] = c.received();
        expect(m?.uid).toBe('m1');
        expect(m?.status).toBe('SUCCESS');
        expect(m?.createdAt).toBe(formatServerTime(clock.now() - 1));
      }
      // A resend is broadcast again but stored once.
      await publish(visitor.transport, clock, textMessage('m1'));
      await clock.advanceAsync(1);
      expect(agent.received().map((m) => m.uid)).toEqual(['m1', 'm1']);
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['m1']);
      expect(network.message('m1')?.status).toBe('SUCCESS');
    });

    it('keeps the order of messages', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      const uids = ['a', 'b', 'c', 'd', 'e'];
      const sends = uids.map((uid) => visitor.transport.publish(THREAD, encodeMessage(textMessage(uid)), 1));
      await clock.advanceAsync(5);
      await Promise.all(sends);
      expect(agent.received().map((m) => m.uid)).toEqual(uids);
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(uids);
    });

    it.each<[string, WireMessageInit]>([
      ['no status', textMessage('x', VISITOR, { status: '' })],
      ['no thread', { ...textMessage('x'), thread: undefined }],
      ['no thread topic', textMessage('x', VISITOR, { thread: { uid: 't', topic: '', type: 'AGENT' } })],
      ['a createdAt that does not parse', textMessage('x', VISITOR, { createdAt: 'yesterday' })],
    ])('drops a message with %s silently', async (_name, message) => {
      const visitor = await client(network, clock, VISITOR);
      await publish(visitor.transport, clock, message);
      await clock.advanceAsync(5);
      expect(visitor.received()).toEqual([]);
      expect(network.history(THREAD)).toEqual([]);
      expect(network.stats().dropped).toBe(1);
      expect(visitor.transport.isConnected()).toBe(true);
    });

    it('stores a message with an unknown thread type without echoing it; strict drops it', async () => {
      const visitor = await client(network, clock, VISITOR);
      const odd = textMessage('x', VISITOR, { thread: { uid: 't', topic: THREAD, type: 'NOPE' } });
      await publish(visitor.transport, clock, odd);
      await clock.advanceAsync(5);
      expect(visitor.received()).toEqual([]);
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['x']);
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const strictVisitor = await client(network, clock, VISITOR);
      await publish(strictVisitor.transport, clock, odd);
      expect(network.history(THREAD)).toEqual([]);
      expect(network.stats().dropped).toBe(1);
    });

    it('routes by the payload’s thread.topic (the PUBLISH topic is ignored) to substring subscribers', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      const longer = network.realtime();
      const events: RealtimeEvent[] = [];
      longer.on((e) => events.push(e));
      const connecting = longer.connect({ clientId: 'agent1/WEB/x', username: 'x', password: '' });
      await clock.advanceAsync(1);
      await connecting;
      const subscribing = longer.subscribe([`${THREAD}0`, 'org/agent/#'], 1);
      await clock.advanceAsync(1);
      await subscribing;
      const p = visitor.transport.publish('org/agent/someone/else', encodeMessage(textMessage('m1')), 1);
      await clock.advanceAsync(2);
      await p;
      expect(agent.received().map((m) => m.uid)).toEqual(['m1']);
      expect(events.flatMap((e) => (e.type === 'message' ? [e.topic] : []))).toEqual([THREAD]);
    });

    it('strict: the PUBLISH topic must be thread.topic and the sender the message’s user', async () => {
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const visitor = await client(network, clock, VISITOR);
      const p = visitor.transport.publish(topics.agent(AGENT, 'v2'), encodeMessage(textMessage('m1')), 1);
      await clock.advanceAsync(1);
      await p;
      await publish(visitor.transport, clock, textMessage('m2', AGENT));
      await publish(visitor.transport, clock, textMessage('m3'));
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['m3']);
      expect(network.stats().dropped).toBe(2);
    });

    it.each([
      ['after-puback', ['puback', 'echo']],
      ['before-puback', ['echo', 'puback']],
    ] as const)('with echoTiming %s the order is %j', async (echoTiming, order) => {
      network = createInMemoryNetwork({ clock, echoTiming });
      const visitor = await client(network, clock, VISITOR);
      const seen: string[] = [];
      visitor.transport.on((e) => {
        if (e.type === 'message') seen.push('echo');
      });
      const p = visitor.transport.publish(THREAD, encodeMessage(textMessage('m1')), 1).then(() => {
        seen.push('puback');
      });
      for (let i = 0; i < 3; i++) await clock.advanceAsync(1);
      await p;
      expect(seen).toEqual(order);
    });

    it('drops bytes that are not a message', async () => {
      const visitor = await client(network, clock, VISITOR);
      const p = visitor.transport.publish(THREAD, new Uint8Array([0xff, 0xff, 0xff]), 1);
      await clock.advanceAsync(5);
      await p;
      expect(network.stats().dropped).toBe(1);
    });

    it('receipts update the stored status, READ is never downgraded, signals are not stored', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      await publish(visitor.transport, clock, textMessage('m1'));
      const receipt = (uid: string, type: string) =>
        textMessage(uid, AGENT, { type, content: 'm1', user: { uid: AGENT, type: 'AGENT' } });
      await publish(agent.transport, clock, receipt('r1', 'DELIVERED'));
      expect(network.message('m1')?.status).toBe('DELIVERED');
      await publish(agent.transport, clock, receipt('r2', 'READ'));
      expect(network.message('m1')?.status).toBe('READ');
      await publish(agent.transport, clock, receipt('r3', 'DELIVERED'));
      expect(network.message('m1')?.status).toBe('READ');
      await publish(agent.transport, clock, textMessage('t1', AGENT, { type: 'TYPING', content: '' }));
      await publish(agent.transport, clock, textMessage('p1', AGENT, { type: 'PREVIEW', content: '{}' }));
      await clock.advanceAsync(1);
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['m1']);
      expect(visitor.received().map((m) => m.type)).toEqual([
        'TEXT',
        'DELIVERED',
        'READ',
        'DELIVERED',
        'TYPING',
        'PREVIEW',
      ]);
      await publish(visitor.transport, clock, textMessage('rc', VISITOR, { type: 'RECALL', content: 'm1' }));
      expect(network.history(THREAD)).toEqual([]);
    });

    it('recall "mark" keeps a recalled message as RECALL', async () => {
      network = createInMemoryNetwork({ clock, recall: 'mark' });
      const visitor = await client(network, clock, VISITOR);
      await publish(visitor.transport, clock, textMessage('m1'));
      await publish(visitor.transport, clock, textMessage('rc', VISITOR, { type: 'RECALL', content: 'm1' }));
      expect(network.history(THREAD).map((m) => [m.uid, m.status])).toEqual([['m1', 'RECALL']]);
    });

    it('closes the connection on a packet over the limit', async () => {
      const visitor = await client(network, clock, VISITOR);
      const big = encodeMessage(textMessage('big', VISITOR, { content: 'x'.repeat(10_300) }));
      const error = await rejection(visitor.transport.publish(THREAD, big, 1));
      expect(error.code).toBe('protocol');
      expect(visitor.disconnects()).toEqual(['protocol']);
      expect(network.history(THREAD)).toEqual([]);
    });

    it('an invalid filter closes the connection; a valid wildcard is granted', async () => {
      const visitor = await client(network, clock, VISITOR);
      const granted = visitor.transport.subscribe(['org/agent/+/x'], 1);
      await clock.advanceAsync(1);
      await granted;
      expect((await rejection(visitor.transport.subscribe(['org/agent/+'], 1))).code).toBe('protocol');
      expect(visitor.disconnects()).toEqual(['protocol']);
    });

    it('strict: a wildcard closes the connection, a topic the user may not use is refused', async () => {
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const visitor = await client(network, clock, VISITOR);
      const refused = rejection(visitor.transport.subscribe([topics.user(AGENT)], 1));
      await clock.advanceAsync(1);
      expect((await refused).code).toBe('not_authorized');
      expect(visitor.transport.isConnected()).toBe(true);
      expect((await rejection(visitor.transport.subscribe(['org/agent/+/x'], 1))).code).toBe('protocol');
      expect(visitor.disconnects()).toEqual(['protocol']);
    });

    it('unsubscribe is a no-op on the real server', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      const p = agent.transport.unsubscribe([THREAD]);
      await clock.advanceAsync(1);
      await p;
      await publish(visitor.transport, clock, textMessage('m1'));
      await clock.advanceAsync(1);
      expect(agent.received().map((m) => m.uid)).toEqual(['m1']);
    });

    it('strict: unsubscribe stops deliveries', async () => {
      network = createInMemoryNetwork({ clock, mode: 'strict' });
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      const p = agent.transport.unsubscribe([THREAD]);
      await clock.advanceAsync(1);
      await p;
      await publish(visitor.transport, clock, textMessage('m1'));
      await clock.advanceAsync(1);
      expect(agent.received()).toEqual([]);
      expect(visitor.received()).toHaveLength(1);
    });
  });

  describe('REST', () => {
    it('sendMessage routes like a publish: accepted, then the realtime echo', async () => {
      const visitor = await client(network, clock, VISITOR);
      const rest = network.rest();
      const p = rest.sendMessage(encodeAndDecode(textMessage('r1')), { accessToken: visitor.token, channel: 'WEB' });
      await clock.advanceAsync(1);
      // The server answers the posted JSON string; the transport reads back what was sent.
      const answered = await p;
      expect(answered).toMatchObject({ uid: 'r1', status: 'SENDING' });
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['r1']);
      await clock.advanceAsync(1);
      expect(visitor.received().map((m) => m.uid)).toEqual(['r1']);
    });

    it('401 without a valid token, except on the visitor endpoint', async () => {
      const rest = network.rest();
      const p = rejection(rest.sendMessage(encodeAndDecode(textMessage('r1')), { accessToken: 'bad', channel: 'WEB' }));
      await clock.advanceAsync(1);
      expect((await p).code).toBe('unauthenticated');
      const q = rejection(rest.queryTopic({ topic: THREAD, pageNumber: 0, pageSize: 10 }));
      await clock.advanceAsync(1);
      expect((await q).code).toBe('unauthenticated');
      const v = rest.sendMessage(encodeAndDecode(textMessage('v1')), { channel: 'WEB', visitor: true });
      await clock.advanceAsync(1);
      expect((await v)?.uid).toBe('v1');
    });

    it('an invalid message is accepted (code 200) and then dropped', async () => {
      const token = network.issueToken(VISITOR);
      const p = network.rest().sendMessage(encodeAndDecode({ ...textMessage('x'), thread: undefined }), {
        accessToken: token,
        channel: 'WEB',
      });
      await clock.advanceAsync(1);
      expect((await p)?.uid).toBe('x');
      expect(network.stats().dropped).toBe(1);
    });

    it('takes anyone’s message for any thread; strict refuses another sender or thread with not_authorized', async () => {
      const send = (net: InMemoryNetwork, message: WireMessageInit) => {
        const p = net
          .rest()
          .sendMessage(encodeAndDecode(message), { accessToken: net.issueToken('outsider'), channel: 'WEB' })
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof SdkError ? e.code : 'other'),
          );
        void clock.advanceAsync(1);
        return p;
      };
      expect(await send(network, textMessage('m1'))).toBe('ok');
      const strict = createInMemoryNetwork({ clock, mode: 'strict' });
      expect(await send(strict, textMessage('m2'))).toBe('not_authorized');
      expect(await send(strict, textMessage('m3', 'outsider'))).toBe('not_authorized');
      expect(strict.history(THREAD)).toEqual([]);
    });

    it('history lags by historyLagMs and is sorted by updatedAt: a receipt moves a message up', async () => {
      network = createInMemoryNetwork({ clock, historyLagMs: 5000 });
      const token = network.issueToken(VISITOR);
      const query = async () => {
        const p = network.rest().queryTopic({ topic: THREAD, pageNumber: 0, pageSize: 10 }, { accessToken: token });
        await clock.advanceAsync(1);
        return (await p).messages.map((m) => m.uid);
      };
      network.publish(textMessage('m1'));
      clock.advance(1000);
      network.publish(textMessage('m2'));
      expect(await query()).toEqual([]);
      clock.advance(4000);
      expect(await query()).toEqual(['m2', 'm1']);
      network.publish(textMessage('r1', AGENT, { type: 'READ', content: 'm1', user: { uid: AGENT, type: 'AGENT' } }));
      expect(await query()).toEqual(['m1', 'm2']);
    });

    it('queryTopic pages newest first from 0 in the Spring page shape', async () => {
      for (const uid of ['m1', 'm2', 'm3', 'm4', 'm5']) network.publish(textMessage(uid));
      const rest = network.rest();
      const token = network.issueToken(VISITOR);
      const page = async (pageNumber: number) => {
        const p = rest.queryTopic({ topic: THREAD, pageNumber, pageSize: 2 }, { accessToken: token });
        await clock.advanceAsync(1);
        return p;
      };
      const p0 = await page(0);
      expect(p0.messages.map((m) => m.uid)).toEqual(['m5', 'm4']);
      expect(p0).toMatchObject({ pageNumber: 0, pageSize: 2, totalPages: 3, totalElements: 5, last: false });
      expect((await page(2)).messages.map((m) => m.uid)).toEqual(['m1']);
      expect((await page(2)).last).toBe(true);
      expect((await page(3)).messages).toEqual([]);
      const empty = rest.queryTopic({ topic: 'org/group/none', pageNumber: 0, pageSize: 2 }, { accessToken: token });
      await clock.advanceAsync(1);
      expect(await empty).toMatchObject({ messages: [], totalPages: 0, totalElements: 0, last: true });
    });

    it('restFailure: network, server (with the server’s message), timeout, times and rate', async () => {
      const rest = network.rest();
      const token = network.issueToken(VISITOR);
      const query = () => rest.queryTopic({ topic: THREAD, pageNumber: 0, pageSize: 2 }, { accessToken: token });
      const outcome = async (): Promise<string> => {
        const p = query().then(
          () => 'ok',
          (e: unknown) => (e instanceof SdkError ? e.code : 'other'),
        );
        await clock.advanceAsync(20_000);
        return p;
      };
      network.faults.restFailure({ kind: 'network', times: 2 });
      expect([await outcome(), await outcome(), await outcome()]).toEqual(['network', 'network', 'ok']);
      network.faults.restFailure({ kind: 'server', times: 1 });
      const p = rejection(query());
      await clock.advanceAsync(1);
      const serverError = await p;
      expect(serverError.code).toBe('server_error');
      expect(serverError.message).toBe('Internal Server Error');

      network.faults.restFailure({ kind: 'timeout', times: 1 });
      let timedOut: SdkError | undefined;
      void rejection(query()).then((e) => {
        timedOut = e;
      });
      await clock.advanceAsync(9_000);
      expect(timedOut).toBeUndefined();
      await clock.advanceAsync(2_000);
      expect(timedOut?.code).toBe('timeout');

      network.faults.restFailure({ kind: 'network', rate: 0.5 });
      const results: string[] = [];
      for (let i = 0; i < 40; i++) results.push(await outcome());
      const failures = results.filter((r) => r === 'network').length;
      expect(failures).toBeGreaterThan(5);
      expect(failures).toBeLessThan(35);
      network.faults.restFailure(undefined);
      expect(await outcome()).toBe('ok');
    });
  });

  describe('sessions', () => {
    it('compat bytedesk keeps nothing for a client that was away', async () => {
      const visitor = await client(network, clock, VISITOR, 'd1');
      const agent = await client(network, clock, AGENT);
      expect(visitor.result.sessionPresent).toBe(false);
      network.faults.dropConnections(visitor.clientId);
      expect(visitor.disconnects()).toEqual(['network']);
      await publish(agent.transport, clock, textMessage('m1', AGENT));
      const p = visitor.transport.connect({ clientId: visitor.clientId, username: VISITOR, password: visitor.token });
      await clock.advanceAsync(10);
      // The real server says session present to a clientId it saw before, yet keeps nothing.
      expect((await p).sessionPresent).toBe(true);
      expect(network.connections().find((c) => c.uid === VISITOR)?.subscriptions).toEqual([]);
      expect(visitor.received()).toEqual([]);
      expect(network.history(THREAD).map((m) => m.uid)).toEqual(['m1']);
    });

    it('compat session keeps subscriptions and QoS 1 messages for the clientId', async () => {
      network = createInMemoryNetwork({ clock, compat: 'session' });
      const visitor = await client(network, clock, VISITOR, 'd1');
      const agent = await client(network, clock, AGENT);
      network.faults.dropConnections(visitor.clientId);
      await publish(agent.transport, clock, textMessage('m1', AGENT));
      await publish(agent.transport, clock, textMessage('m2', AGENT));
      const p = visitor.transport.connect({ clientId: visitor.clientId, username: VISITOR, password: visitor.token });
      await clock.advanceAsync(10);
      expect((await p).sessionPresent).toBe(true);
      expect(visitor.received().map((m) => m.uid)).toEqual(['m1', 'm2']);
    });
  });

  describe('faults', () => {
    it('refuseConnections until a time, or until cleared', async () => {
      const transport = network.realtime();
      const token = network.issueToken(VISITOR);
      const connect = async () => {
        const p = transport
          .connect({ clientId: `${VISITOR}/WEB/d`, username: VISITOR, password: token })
          .then(() => 'ok')
          .catch((e: unknown) => (e instanceof SdkError ? e.code : 'other'));
        await clock.advanceAsync(1);
        return p;
      };
      network.faults.refuseConnections(clock.now() + 100);
      expect(await connect()).toBe('connection_refused');
      await clock.advanceAsync(100);
      expect(await connect()).toBe('ok');
      network.faults.refuseConnections(true);
      expect(await connect()).toBe('connection_refused');
      network.faults.refuseConnections(false);
      expect(await connect()).toBe('ok');
    });

    it('holdEchoes holds only the sender’s copies until released; loseNextEchoes loses them', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      network.faults.holdEchoes(true);
      await publish(visitor.transport, clock, textMessage('m1'));
      await clock.advanceAsync(10);
      expect(visitor.received()).toEqual([]);
      expect(agent.received().map((m) => m.uid)).toEqual(['m1']);
      network.faults.holdEchoes(false);
      await clock.advanceAsync(1);
      expect(visitor.received().map((m) => m.uid)).toEqual(['m1']);

      network.faults.loseNextEchoes(1);
      await publish(visitor.transport, clock, textMessage('m2'));
      await publish(visitor.transport, clock, textMessage('m3'));
      await clock.advanceAsync(1);
      expect(visitor.received().map((m) => m.uid)).toEqual(['m1', 'm3']);
      expect(agent.received().map((m) => m.uid)).toEqual(['m1', 'm2', 'm3']);
    });

    it('publishFailure and duplicateDeliveries are random but repeatable with the same seed', async () => {
      const run = async (seed: number) => {
        const c = createFakeClock(0);
        const n = createInMemoryNetwork({ clock: c, random: seededRandom(seed) });
        const visitor = await client(n, c, VISITOR);
        const agent = await client(n, c, AGENT);
        n.faults.publishFailure(0.3);
        n.faults.duplicateDeliveries(0.3);
        const outcomes: string[] = [];
        for (let i = 0; i < 20; i++) {
          const p = visitor.transport
            .publish(THREAD, encodeMessage(textMessage(`m${i}`)), 1)
            .then(() => 'ok')
            .catch((e: unknown) => (e instanceof SdkError ? e.code : 'other'));
          await c.advanceAsync(2);
          outcomes.push(await p);
        }
        return { outcomes, received: agent.received().map((m) => m.uid) };
      };
      const a = await run(3);
      expect(a).toEqual(await run(3));
      expect(a.outcomes).toContain('network');
      expect(a.outcomes).toContain('ok');
      expect(a.received.length).toBeGreaterThan(new Set(a.received).size);
      expect(new Set(a.received).size).toBe(a.outcomes.filter((o) => o === 'ok').length);
    });

    it('injectRaw delivers bytes as they are; kick publishes a KICKOFF on system/{uid}', async () => {
      const visitor = await client(network, clock, VISITOR);
      const s = visitor.transport.subscribe([topics.system(VISITOR)], 1);
      await clock.advanceAsync(1);
      await s;
      network.injectRaw(THREAD, new Uint8Array([1, 2, 3]));
      network.kick(VISITOR, 'logged in elsewhere');
      await clock.advanceAsync(1);
      const messages = visitor.events.flatMap((e) => (e.type === 'message' ? [e] : []));
      expect(messages[0]).toEqual({ type: 'message', topic: THREAD, payload: new Uint8Array([1, 2, 3]) });
      expect(messages[1]?.topic).toBe(topics.system(VISITOR));
      const kick = decodeMessage(messages[1]?.payload ?? new Uint8Array());
      expect(kick.ok && kick.value.type).toBe('KICKOFF');
      expect(kick.ok && JSON.parse(kick.value.content)).toEqual({
        reason: 'logged in elsewhere',
        sourceType: 'SYSTEM',
        sourceUid: 'system',
        action: 'FORCE_LOGOUT',
      });
    });

    it('a connection dropped with deliveries in flight loses them; reset clears faults', async () => {
      const visitor = await client(network, clock, VISITOR);
      const agent = await client(network, clock, AGENT);
      await publish(agent.transport, clock, textMessage('m1', AGENT));
      network.faults.dropConnections();
      await clock.advanceAsync(5);
      expect(visitor.received()).toEqual([]);
      expect(visitor.disconnects()).toEqual(['network']);
      expect(agent.disconnects()).toEqual(['network']);
      network.faults.refuseConnections(true);
      network.faults.reset();
      const p = visitor.transport.connect({ clientId: visitor.clientId, username: VISITOR, password: visitor.token });
      await clock.advanceAsync(1);
      await p;
      expect(visitor.transport.isConnected()).toBe(true);
    });
  });
});

function encodeAndDecode(message: WireMessageInit): WireMessage {
  const decoded = decodeMessage(encodeMessage(message));
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}
