import { randomUUID } from 'node:crypto';
import { formatServerTime } from '@weiyu/protocol';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockBroker } from './broker.js';
import { byUid, connectAs, type MqttTestClient, publish, THREAD_TOPIC, textMessage } from './testing/helpers.js';
import { AGENT, AGENT2, startTestBroker, VISITOR } from './testing/index.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('mock broker: authentication', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker({ now: () => NOW });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await broker.close();
  });

  it('accepts a login token with a matching clientId and username', async () => {
    const client = await connectAs(broker, AGENT, { device: 'd1' });
    clients.push(client);
    expect(client.mqtt.connected).toBe(true);
    expect(broker.clients()).toEqual(['agent_demo/web/d1']);
    expect(broker.mqttUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
  });

  it('accepts the uid as username', async () => {
    const token = broker.issueToken(AGENT.uid);
    const client = await mqtt.connectAsync(broker.mqttUrl, {
      protocolVersion: 4,
      clientId: `${AGENT.uid}/web/x`,
      username: AGENT.uid,
      password: token,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    await client.endAsync(true);
  });

  const refused = async (options: mqtt.IClientOptions) => {
    const error = await mqtt
      .connectAsync(broker.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
      .then(
        async (c) => {
          await c.endAsync(true);
          return undefined;
        },
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    return error as Error & { code?: number };
  };

  it('refuses a forged token with CONNACK 4', async () => {
    const token = broker.issueToken(AGENT.uid);
    const forged = `${token.slice(0, -3)}abc`;
    const error = await refused({ clientId: `${AGENT.uid}/web/x`, username: AGENT.username, password: forged });
    expect(error.code).toBe(4);
  });

  it('refuses a token signed with another secret', async () => {
    const other = await startTestBroker({ tokenSecret: 'other' });
    const token = other.issueToken(AGENT.uid);
    await other.close();
    const error = await refused({ clientId: `${AGENT.uid}/web/x`, username: AGENT.username, password: token });
    expect(error.code).toBe(4);
  });

  it('refuses an expired token', async () => {
    const token = broker.issueToken(AGENT.uid, { ttlMs: -1 });
    const error = await refused({ clientId: `${AGENT.uid}/web/x`, username: AGENT.username, password: token });
    expect(error.code).toBe(4);
  });

  it('refuses a clientId whose uid is not the token user', async () => {
    const token = broker.issueToken(AGENT.uid);
    const error = await refused({ clientId: `${VISITOR.uid}/web/x`, username: AGENT.username, password: token });
    expect(error.code).toBe(4);
  });

  it('refuses a username that is not the token user', async () => {
    const token = broker.issueToken(AGENT.uid);
    const error = await refused({ clientId: `${AGENT.uid}/web/x`, username: 'visitor', password: token });
    expect(error.code).toBe(4);
  });

  it('refuses a missing password', async () => {
    const error = await refused({ clientId: `${AGENT.uid}/web/x`, username: AGENT.username });
    expect(error.code).toBe(4);
  });

  it('a second connection with the same clientId kicks the first', async () => {
    const first = await connectAs(broker, AGENT, { device: 'same' });
    const second = await connectAs(broker, AGENT, { device: 'same' });
    clients.push(first, second);
    await first.closed;
    expect(second.mqtt.connected).toBe(true);
    expect(broker.clients()).toEqual(['agent_demo/web/same']);
  });
});

describe('mock broker: access rules', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await broker.close();
  });

  it('grants own, org and thread topics', async () => {
    const client = await connectAs(broker, AGENT);
    clients.push(client);
    const granted = await client.mqtt.subscribeAsync(
      [
        'user/agent_demo',
        'system/agent_demo',
        'org/org_demo',
        THREAD_TOPIC,
        'org/workgroup/workgroup_demo/visitor_demo2',
      ],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1, 1, 1]);
  });

  it("refuses someone else's thread with SUBACK 0x80 and keeps the connection", async () => {
    const client = await connectAs(broker, AGENT2);
    clients.push(client);
    // mqtt.js rejects a SUBACK holding 0x80 with an ErrorWithSubackPacket carrying the granted codes.
    const error = await client.mqtt
      .subscribeAsync(['user/agent_demo2', THREAD_TOPIC, 'user/agent_demo', 'org/other_org'], { qos: 1 })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { packet?: { granted?: number[] } },
      );
    expect(error?.packet?.granted).toEqual([1, 128, 128, 128]);
    expect(client.mqtt.connected).toBe(true);
  });

  it('closes the connection on a wildcard subscription', async () => {
    const client = await connectAs(broker, AGENT);
    clients.push(client);
    client.mqtt.subscribe('org/agent/#', { qos: 1 });
    await client.closed;
  });

  it('drops a publish to a topic the user may not use, silently', async () => {
    const intruder = await connectAs(broker, AGENT2);
    const agent = await connectAs(broker, AGENT);
    clients.push(intruder, agent);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const sneaky = textMessage();
    await publish(intruder, THREAD_TOPIC, sneaky);
    expect(intruder.mqtt.connected).toBe(true);
    const legit = textMessage();
    await publish(agent, THREAD_TOPIC, legit);
    await agent.waitFor(byUid(legit.uid ?? ''));
    expect(agent.received.some(byUid(sneaky.uid ?? ''))).toBe(false);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([legit.uid]);
  });
});

describe('mock broker: routing', () => {
  let broker: MockBroker;
  let agent: MqttTestClient;
  let visitor: MqttTestClient;
  beforeEach(async () => {
    broker = await startTestBroker({ now: () => NOW });
    agent = await connectAs(broker, AGENT);
    visitor = await connectAs(broker, VISITOR);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await visitor.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
  });
  afterEach(async () => {
    await Promise.all([agent.end(), visitor.end()]);
    await broker.close();
  });

  it('echoes a valid message with SUCCESS and server time to every subscriber, sender included', async () => {
    const message = textMessage();
    const uid = message.uid ?? '';
    await publish(visitor, THREAD_TOPIC, message);
    const [toAgent, toVisitor] = await Promise.all([agent.waitFor(byUid(uid)), visitor.waitFor(byUid(uid))]);
    for (const r of [toAgent, toVisitor]) {
      expect(r.topic).toBe(THREAD_TOPIC);
      expect(r.message?.status).toBe('SUCCESS');
      expect(r.message?.createdAt).toBe(formatServerTime(NOW));
      expect(r.message?.content).toBe('hello');
      expect(r.message?.thread?.topic).toBe(THREAD_TOPIC);
    }
    const history = broker.history(THREAD_TOPIC);
    expect(history).toHaveLength(1);
    expect(history[0]?.status).toBe('SUCCESS');
  });

  it('broadcasts a resend with the same uid again but stores it once', async () => {
    const message = textMessage();
    const uid = message.uid ?? '';
    await publish(visitor, THREAD_TOPIC, message);
    await agent.waitFor(byUid(uid));
    await publish(visitor, THREAD_TOPIC, message);
    await agent.waitFor((r) => agent.received.filter(byUid(uid)).length === 2 && byUid(uid)(r));
    expect(broker.history(THREAD_TOPIC)).toHaveLength(1);
  });

  it('drops invalid messages silently: no thread, no status, unknown thread type, topic mismatch, malformed bytes', async () => {
    const bad = [
      textMessage({ thread: undefined }),
      textMessage({ status: '' }),
      textMessage({ thread: { topic: THREAD_TOPIC, type: 'NOT_A_TYPE' } }),
      textMessage({ thread: { topic: 'org/agent/agent_demo/visitor_demo2', type: 'AGENT' } }),
      textMessage({ thread: { topic: '', type: 'AGENT' } }),
    ];
    for (const m of bad) await publish(visitor, THREAD_TOPIC, m);
    await publish(visitor, THREAD_TOPIC, new Uint8Array([0x0a, 0xff, 0xff, 0xff]));
    const good = textMessage();
    await publish(visitor, THREAD_TOPIC, good);
    await agent.waitFor(byUid(good.uid ?? ''));
    expect(visitor.mqtt.connected).toBe(true);
    expect(agent.received.map((r) => r.message?.uid)).toEqual([good.uid]);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([good.uid]);
  });

  it('never forwards the client packet as is (exactly one copy per subscriber)', async () => {
    const message = textMessage({ status: 'SENDING' });
    await publish(visitor, THREAD_TOPIC, message);
    const sentinel = textMessage();
    await publish(visitor, THREAD_TOPIC, sentinel);
    await agent.waitFor(byUid(sentinel.uid ?? ''));
    const copies = agent.received.filter(byUid(message.uid ?? ''));
    expect(copies).toHaveLength(1);
    expect(copies[0]?.message?.status).toBe('SUCCESS');
  });

  it('applies receipts to the stored message, never downgrading READ, and does not store them', async () => {
    const message = textMessage();
    const uid = message.uid ?? '';
    await publish(visitor, THREAD_TOPIC, message);
    await agent.waitFor(byUid(uid));
    const receipt = (type: string) =>
      textMessage({ uid: randomUUID(), type, content: uid, user: { uid: AGENT.uid, type: 'AGENT' } });
    const delivered = receipt('DELIVERED');
    await publish(agent, THREAD_TOPIC, delivered);
    await visitor.waitFor(byUid(delivered.uid ?? ''));
    expect(broker.state.message(uid)?.status).toBe('DELIVERED');
    const read = receipt('READ');
    await publish(agent, THREAD_TOPIC, read);
    await visitor.waitFor(byUid(read.uid ?? ''));
    expect(broker.state.message(uid)?.status).toBe('READ');
    const lateDelivered = receipt('DELIVERED');
    await publish(agent, THREAD_TOPIC, lateDelivered);
    const echo = await visitor.waitFor(byUid(lateDelivered.uid ?? ''));
    expect(echo.message?.type).toBe('DELIVERED');
    expect(broker.state.message(uid)?.status).toBe('READ');
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([uid]);
  });

  it('broadcasts typing, preview and processing without storing them', async () => {
    const typing = textMessage({ type: 'TYPING', content: '' });
    const preview = textMessage({
      type: 'PREVIEW',
      content: JSON.stringify({ v: 1, content: 'hel', clear: false, ts: 1 }),
    });
    const processing = textMessage({ type: 'PROCESSING', content: '' });
    for (const m of [typing, preview, processing]) await publish(visitor, THREAD_TOPIC, m);
    await agent.waitFor(byUid(processing.uid ?? ''));
    expect(agent.received.map((r) => r.message?.type)).toEqual(['TYPING', 'PREVIEW', 'PROCESSING']);
    expect(broker.history(THREAD_TOPIC)).toHaveLength(0);
  });

  it('marks a recalled message RECALL and broadcasts the recall', async () => {
    const message = textMessage();
    await publish(visitor, THREAD_TOPIC, message);
    await agent.waitFor(byUid(message.uid ?? ''));
    const recall = textMessage({ uid: randomUUID(), type: 'RECALL', content: message.uid });
    await publish(visitor, THREAD_TOPIC, recall);
    await agent.waitFor(byUid(recall.uid ?? ''));
    expect(broker.history(THREAD_TOPIC).map((m) => [m.uid, m.status])).toEqual([[message.uid, 'RECALL']]);
  });

  it('writes epoch milliseconds with timeFormat epoch', async () => {
    const old = await startTestBroker({ now: () => NOW, timeFormat: 'epoch' });
    const client = await connectAs(old, VISITOR);
    await client.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const message = textMessage();
    await publish(client, THREAD_TOPIC, message);
    const echo = await client.waitFor(byUid(message.uid ?? ''));
    expect(echo.message?.createdAt).toBe(String(NOW));
    await client.end();
    await old.close();
  });

  it('publishRaw delivers arbitrary bytes to subscribers', async () => {
    await broker.publishRaw(THREAD_TOPIC, new Uint8Array([1, 2, 3]));
    const r = await agent.waitFor((x) => x.message === undefined || x.bytes.length === 3);
    expect([...r.bytes]).toEqual([1, 2, 3]);
  });

  it('kick publishes KICKOFF on system/{uid}', async () => {
    await visitor.mqtt.subscribeAsync(`system/${VISITOR.uid}`, { qos: 1 });
    await broker.kick(VISITOR.uid, 'logged in elsewhere', { disconnect: true });
    const r = await visitor.waitFor((x) => x.message?.type === 'KICKOFF');
    expect(r.topic).toBe(`system/${VISITOR.uid}`);
    expect(JSON.parse(r.message?.content ?? '{}')).toMatchObject({
      reason: 'logged in elsewhere',
      action: 'FORCE_LOGOUT',
    });
    await visitor.closed;
  });
});
