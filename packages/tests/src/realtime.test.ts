/**
 * Real-time exchange between two real clients through the mock broker (default `session`
 * mode): SPEC §1.1, 1.2, 1.4–1.7, 1.11, 1.15 (duplicates), typing, receipts, recall,
 * malformed payloads.
 */
import { AGENT, ORG_UID, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { encodeMessage, parseCreatedAt } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;

/** A 32-hex uid for messages injected by the tests. */
function uid(seed: string): string {
  return Buffer.from(seed.padEnd(16, '_').slice(0, 16)).toString('hex');
}

describe('real time through the mock broker', () => {
  test('§1.1 a long-lived MQTT connection over WebSocket at /websocket', async () => {
    await using broker = await startTestBroker();
    expect(broker.mqttUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'tab-1' });
    expect(visitor.client.isConnected()).toBe(true);
    expect(visitor.client.state.status).toBe('connected');
    // Long-lived: still the one connection a while later, never dropped.
    await settle(1_000);
    expect(visitor.client.isConnected()).toBe(true);
    expect(visitor.events.states().filter((s) => s === 'reconnecting')).toEqual([]);
    expect(broker.connections().filter((c) => c.userUid === VISITOR.uid)).toHaveLength(1);
  });

  test('§1.2 CONNECT options: clientId uid/WEB/deviceUid, username, token as password, persistent session', async () => {
    // pinned to compat session for good: the real server keeps no session; this checks the SDK's clean:false CONNECT against a broker that does
    await using broker = await startTestBroker({ compat: 'session' });
    // No REST: what arrives after the reconnect can only come from the MQTT session.
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'device-42', rest: false });
    const seen = await waitFor(() => broker.connections().find((c) => c.clientId === `${VISITOR.uid}/WEB/device-42`), {
      message: 'the visitor at the broker with clientId visitor_demo/WEB/device-42',
    });
    // The broker authenticated the token sent as password and took the user from it.
    expect(seen.userUid).toBe(VISITOR.uid);
    expect(visitor.realtime.deviceUid).toBe('device-42');
    // Persistent session (clean: false): the broker keeps the subscription across a dropped connection.
    await visitor.client.subscribe([TOPIC]);
    await visitor.client.disconnect();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    const whileAway = agent.client.send(DEMO_THREAD_FOR_AGENT, text('kept by the session'));
    await whileAway.done;
    await visitor.client.connect();
    await visitor.events.waitFor('message', (m) => m.uid === whileAway.uid, { timeoutMs: 8_000 });
  });

  test('agent → visitor in real time, and the sender sees SENDING → SUCCESS', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    await agent.client.subscribe([TOPIC]);

    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('你好，有什么可以帮您？'));
    expect(['SENDING', 'QUEUED']).toContain(sent.status);
    const done = await sent.done;
    expect(done.status).toBe('SUCCESS');

    const got = await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    expect(got.content).toBe('你好，有什么可以帮您？');
    expect(got.mine).toBe(false);
    expect(got.status).toBe('SUCCESS');
  });

  test('§1.5 the server time replaces the local createdAt once the echo confirms (both time formats)', async () => {
    for (const timeFormat of ['shanghai', 'epoch'] as const) {
      await using broker = await startTestBroker({ timeFormat });
      await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
      await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
      const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text(`time ${timeFormat}`));
      const done = await sent.done;
      const stored = broker.history(TOPIC).find((m) => m.uid === sent.uid);
      const serverTime = parseCreatedAt(stored?.createdAt ?? '');
      expect(serverTime.ok).toBe(true);
      if (!serverTime.ok) return;
      expect(done.createdAt).toBe(serverTime.value);
      const got = await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
      expect(got.createdAt).toBe(serverTime.value);
    }
  });

  test('§1.4 events surfaced: connect, message, reconnect, close, error, offline', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    // connect
    expect(visitor.events.states()).toContain('connected');
    // message
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('ping'));
    await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    // error (a payload that does not decode), and the connection stays
    await broker.publishRaw(TOPIC, new Uint8Array([0xff, 0xff, 0xff, 0x01]));
    await visitor.events.waitFor('error');
    // offline + reconnect: the broker drops the connection, the client goes offline and comes back
    await broker.restart();
    await visitor.events.waitFor('connection', (s) => s.status === 'reconnecting', { timeoutMs: 8_000 });
    await waitFor(() => visitor.client.isConnected(), { timeoutMs: 8_000, message: 'visitor back after restart' });
    // close
    await visitor.client.disconnect();
    await visitor.events.waitFor('connection', (s) => s.status === 'closed');
    expect(visitor.client.isConnected()).toBe(false);
  });

  test('§1.5 one message structure on both send paths (MQTT and REST)', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC], client: { orgUid: ORG_UID } });
    // An agent whose MQTT never connects: every send goes over REST.
    await using restAgent = await createTestClient(
      { mqttUrl: 'ws://127.0.0.1:9/websocket', httpUrl: broker.httpUrl },
      { ...AGENT, connect: false, client: { orgUid: ORG_UID } },
    );

    const viaMqtt = agent.client.send(DEMO_THREAD_FOR_AGENT, text('over mqtt'));
    const viaRest = restAgent.client.send(DEMO_THREAD_FOR_AGENT, text('over rest'));
    expect((await viaMqtt.done).status).toBe('SUCCESS');
    expect((await viaRest.done).status).toBe('SUCCESS');

    const a = await visitor.events.waitFor('message', (m) => m.uid === viaMqtt.uid);
    const b = await visitor.events.waitFor('message', (m) => m.uid === viaRest.uid);
    for (const m of [a, b]) {
      expect(m.uid).toMatch(/^[0-9a-f]{32}$/);
      expect(m.type).toBe('TEXT');
      expect(typeof m.createdAt).toBe('number');
      expect(m.status).toBe('SUCCESS');
      expect(m.channel).toBe('WEB');
      expect(m.user).toMatchObject({ uid: AGENT.uid, type: 'AGENT' });
      expect(typeof m.user.nickname).toBe('string');
      expect(m.thread).toMatchObject({ uid: DEMO_THREAD_FOR_AGENT.uid, topic: TOPIC, type: 'AGENT' });
      expect(m.extra).toMatchObject({ orgUid: ORG_UID });
    }
    const shape = (m: typeof a): string[] => Object.keys(m).sort();
    expect(shape(a)).toEqual(shape(b));
  });

  test('§1.6 message types: text, media and signal types all travel', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    const thread = DEMO_THREAD_FOR_AGENT;
    const sent = [
      agent.client.send(thread, { type: 'TEXT', text: 'hi' }),
      agent.client.send(thread, { type: 'IMAGE', url: 'https://example.test/a.png', width: 10, height: 20 }),
      agent.client.send(thread, { type: 'FILE', url: 'https://example.test/a.pdf', name: 'a.pdf', size: 1234 }),
      agent.client.send(thread, { type: 'VIDEO', url: 'https://example.test/a.mp4', duration: 3 }),
      agent.client.send(thread, { type: 'AUDIO', url: 'https://example.test/a.mp3' }),
      agent.client.send(thread, { type: 'VOICE', url: 'https://example.test/a.amr', duration: 2 }),
      agent.client.send(thread, { type: 'LOCATION', latitude: 31.23, longitude: 121.47, address: 'Shanghai' }),
      agent.client.send(thread, { type: 'WELCOME', text: 'welcome' }),
      agent.client.send(thread, { type: 'NOTICE', text: 'notice' }),
    ];
    const results = await Promise.all(sent.map((s) => s.done));
    expect(results.map((r) => r.status)).toEqual(sent.map(() => 'SUCCESS'));
    await waitFor(() => visitor.events.messages(TOPIC).length >= sent.length, { message: 'all types received' });
    const types = visitor.events.messages(TOPIC).map((m) => m.type);
    expect(types).toEqual(['TEXT', 'IMAGE', 'FILE', 'VIDEO', 'AUDIO', 'VOICE', 'LOCATION', 'WELCOME', 'NOTICE']);
    expect(visitor.events.messages(TOPIC).every((m) => !m.unknownType)).toBe(true);
  });

  test('§1.7 content formatter: text passes through, media become JSON and parse back', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    const thread = DEMO_THREAD_FOR_AGENT;
    const t = agent.client.send(thread, text('plain <b>text</b> {"not":"json"}'));
    const img = agent.client.send(thread, { type: 'IMAGE', url: 'https://example.test/i.png' });
    const file = agent.client.send(thread, {
      type: 'FILE',
      url: 'https://example.test/f.zip',
      name: 'f.zip',
      size: 99,
    });
    const loc = agent.client.send(thread, { type: 'LOCATION', latitude: 1.5, longitude: 2.5, address: 'here' });
    await Promise.all([t.done, img.done, file.done, loc.done]);

    const tm = await visitor.events.waitFor('message', (m) => m.uid === t.uid);
    expect(tm.content).toBe('plain <b>text</b> {"not":"json"}');
    expect(tm.parsed).toEqual({ kind: 'text', text: 'plain <b>text</b> {"not":"json"}' });

    const im = await visitor.events.waitFor('message', (m) => m.uid === img.uid);
    expect(JSON.parse(im.content)).toMatchObject({ url: 'https://example.test/i.png' });
    expect(im.parsed).toMatchObject({ kind: 'image', url: 'https://example.test/i.png' });

    const fm = await visitor.events.waitFor('message', (m) => m.uid === file.uid);
    expect(JSON.parse(fm.content)).toMatchObject({ url: 'https://example.test/f.zip', name: 'f.zip', size: 99 });
    expect(fm.parsed).toMatchObject({ kind: 'file', name: 'f.zip', size: 99 });

    const lm = await visitor.events.waitFor('message', (m) => m.uid === loc.uid);
    expect(JSON.parse(lm.content)).toMatchObject({ latitude: 1.5, longitude: 2.5, address: 'here' });
    expect(lm.parsed).toMatchObject({ kind: 'location', latitude: 1.5, longitude: 2.5, address: 'here' });
  });

  test('§1.11 receiving: decode, dispatch by type; an unknown type is reported, never a crash', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    const futureUid = uid('future-type');
    await broker.publishRaw(
      TOPIC,
      encodeMessage({
        uid: futureUid,
        type: 'HOLOGRAM_FROM_THE_FUTURE',
        content: '{"beam":true}',
        status: 'SUCCESS',
        createdAt: String(Date.now()),
        channel: 'WEB',
        user: { uid: AGENT.uid, type: 'AGENT', nickname: 'a' },
        thread: { uid: DEMO_THREAD_FOR_AGENT.uid, topic: TOPIC, type: 'AGENT' },
        extra: '{}',
      }),
    );
    const unknown = await visitor.events.waitFor('message', (m) => m.uid === futureUid);
    expect(unknown.unknownType).toBe(true);
    expect(unknown.type).toBe('HOLOGRAM_FROM_THE_FUTURE');
    expect(unknown.parsed.kind).toBe('raw');
    // Still dispatching known types afterwards.
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, { type: 'IMAGE', url: 'https://example.test/x.png' });
    const img = await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    expect(img.parsed.kind).toBe('image');
    expect(visitor.client.isConnected()).toBe(true);
  });

  test('a malformed payload on a thread topic gives an error event and the client keeps sending and receiving', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    await broker.publishRaw(TOPIC, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    const error = await visitor.events.waitFor('error');
    expect(error.code).toBe('decode_failed');
    expect(visitor.client.isConnected()).toBe(true);

    const fromAgent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('after garbage'));
    await visitor.events.waitFor('message', (m) => m.uid === fromAgent.uid);
    const fromVisitor = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('me too'));
    expect((await fromVisitor.done).status).toBe('SUCCESS');
    await agent.client.subscribe([TOPIC]);
    const reply = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('reply'));
    await agent.events.waitFor('message', (m) => m.uid === reply.uid);
    expect(visitor.events.states()).not.toContain('reconnecting');
  });

  test('§1.15 a duplicate delivery is shown once', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    const dupUid = uid('duplicate');
    const bytes = encodeMessage({
      uid: dupUid,
      type: 'TEXT',
      content: 'only once',
      status: 'SUCCESS',
      createdAt: String(Date.now()),
      channel: 'WEB',
      user: { uid: AGENT.uid, type: 'AGENT', nickname: 'a' },
      thread: { uid: DEMO_THREAD_FOR_AGENT.uid, topic: TOPIC, type: 'AGENT' },
      extra: '{}',
    });
    await broker.publishRaw(TOPIC, bytes);
    await broker.publishRaw(TOPIC, bytes);
    await broker.publishRaw(TOPIC, bytes);
    await visitor.events.waitFor('message', (m) => m.uid === dupUid);
    // A marker after the duplicates: once it is in, every duplicate before it was processed.
    const markerUid = uid('marker');
    await broker.publishRaw(
      TOPIC,
      encodeMessage({
        uid: markerUid,
        type: 'TEXT',
        content: 'marker',
        status: 'SUCCESS',
        createdAt: String(Date.now()),
        channel: 'WEB',
        user: { uid: AGENT.uid, type: 'AGENT' },
        thread: { uid: DEMO_THREAD_FOR_AGENT.uid, topic: TOPIC, type: 'AGENT' },
        extra: '{}',
      }),
    );
    await visitor.events.waitFor('message', (m) => m.uid === markerUid);
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === dupUid)).toHaveLength(1);
    expect(visitor.client.messages(TOPIC).filter((m) => m.uid === dupUid)).toHaveLength(1);
  });

  test('typing reaches the other side and expires', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    agent.client.sendTyping(DEMO_THREAD_FOR_AGENT);
    const typing = await visitor.events.waitFor('typing', (t) => t.active);
    expect(typing.user.uid).toBe(AGENT.uid);
    expect(typing.thread.topic).toBe(TOPIC);
    // typingTtlMs is 1,500 in tests: the indicator clears by itself.
    await visitor.events.waitFor('typing', (t) => !t.active, { timeoutMs: 5_000 });
    // A typing signal is not a message.
    expect(visitor.events.messages(TOPIC)).toEqual([]);
  });

  test('receipts: DELIVERED automatically, READ on markRead, both reach the sender', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    await agent.client.subscribe([TOPIC]);
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('did you read this?'));
    await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    const delivered = await agent.events.waitFor('receipt', (r) => r.uid === sent.uid && r.kind === 'DELIVERED');
    expect(delivered.user.uid).toBe(VISITOR.uid);

    visitor.client.markRead(DEMO_THREAD_FOR_VISITOR, sent.uid);
    const read = await agent.events.waitFor('receipt', (r) => r.uid === sent.uid && r.kind === 'READ');
    expect(read.user.uid).toBe(VISITOR.uid);
    await waitFor(() => agent.client.messages(TOPIC).find((m) => m.uid === sent.uid && m.status === 'READ'), {
      message: "the agent's message marked READ",
    });
    // Receipts are not messages.
    expect(agent.events.messages(TOPIC).filter((m) => m.type === 'READ' || m.type === 'DELIVERED')).toEqual([]);
  });

  test('recall reaches the other side', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await visitor.client.subscribe([TOPIC]);
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('oops'));
    await sent.done;
    await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    agent.client.recall(DEMO_THREAD_FOR_AGENT, sent.uid);
    const recall = await visitor.events.waitFor('recall', (r) => r.uid === sent.uid);
    expect(recall.user.uid).toBe(AGENT.uid);
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => m.uid === sent.uid && m.status === 'RECALL'), {
      message: 'the message shown as recalled',
    });
  });
});
