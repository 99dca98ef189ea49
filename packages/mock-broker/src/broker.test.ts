import { randomUUID } from 'node:crypto';
import { formatServerTime } from '@weiyu/protocol';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockBroker } from './broker.js';
import { byUid, connectAs, type MqttTestClient, publish, THREAD_TOPIC, textMessage, wrap } from './testing/helpers.js';
import { AGENT, AGENT2, startTestBroker, VISITOR, VISITOR2 } from './testing/index.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

/** Resolves once `condition` holds (checked every 10 ms). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Connects with mqtt.js as given; resolves the error when the CONNECT is refused. */
async function refusedConnect(broker: MockBroker, options: mqtt.IClientOptions): Promise<Error & { code?: number }> {
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
}

/** Connects with a clientId and whatever credentials, as the real server allows. */
async function connectOpen(
  broker: MockBroker,
  clientId: string,
  options: mqtt.IClientOptions = {},
): Promise<MqttTestClient> {
  const client = await mqtt.connectAsync(broker.mqttUrl, {
    protocolVersion: 4,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  return wrap(client);
}

describe('mock broker: CONNECT as the real server', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker({ now: () => NOW });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await broker.close();
  });

  it('accepts any username and password, or none; the user is the clientId before the first "/"', async () => {
    clients.push(await connectOpen(broker, `${AGENT.uid}/web/a`, { username: 'whoever', password: 'not-a-token' }));
    clients.push(await connectOpen(broker, `${VISITOR.uid}/web/b`, { username: 'visitor', password: '' }));
    clients.push(await connectOpen(broker, 'nobody_known/web/c'));
    expect(broker.connections()).toEqual([
      { clientId: `${AGENT.uid}/web/a`, userUid: AGENT.uid },
      { clientId: `${VISITOR.uid}/web/b`, userUid: VISITOR.uid },
      { clientId: 'nobody_known/web/c', userUid: 'nobody_known' },
    ]);
  });

  it('refuses only an empty clientId, with CONNACK 2', async () => {
    const error = await refusedConnect(broker, { clientId: '', clean: true, username: 'agent', password: 'x' });
    expect(error.code).toBe(2);
  });

  it('a second connection with the same clientId closes the first', async () => {
    const first = await connectAs(broker, AGENT, { device: 'same' });
    const second = await connectAs(broker, AGENT, { device: 'same' });
    clients.push(first, second);
    await first.closed;
    expect(second.mqtt.connected).toBe(true);
    expect(broker.clients()).toEqual(['agent_demo/web/same']);
  });

  it('says session present to a clean:false client it has seen before, yet queues nothing for it', async () => {
    const connack = async (clean: boolean) => {
      const client = mqtt.connect(broker.mqttUrl, {
        protocolVersion: 4,
        clientId: `${VISITOR.uid}/web/back`,
        clean,
        reconnectPeriod: 0,
      });
      const packet = await new Promise<mqtt.IConnackPacket>((resolve) => client.once('connect', resolve));
      return { client: wrap(client), sessionPresent: packet.sessionPresent };
    };
    const first = await connack(false);
    expect(first.sessionPresent).toBe(false);
    await first.client.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await first.client.end();
    const agent = await connectAs(broker, AGENT);
    clients.push(agent);
    const whileAway = textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } });
    await publish(agent, THREAD_TOPIC, whileAway);
    const again = await connack(false);
    clients.push(again.client);
    expect(again.sessionPresent).toBe(true);
    const sentinel = textMessage();
    await again.client.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await publish(agent, THREAD_TOPIC, sentinel);
    await again.client.waitFor(byUid(sentinel.uid ?? ''));
    expect(again.client.received.some(byUid(whileAway.uid ?? ''))).toBe(false);
    const clean = await connack(true);
    clients.push(clean.client);
    expect(clean.sessionPresent).toBe(false);
  });
});

describe('mock broker: CONNECT in strict mode', () => {
  let broker: MockBroker;
  let now = NOW;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    now = NOW;
    broker = await startTestBroker({ mode: 'strict', now: () => now });
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
    clients.push(await connectOpen(broker, `${AGENT.uid}/web/x`, { username: AGENT.uid, password: token }));
  });

  it('refuses a forged token with CONNACK 4', async () => {
    const token = broker.issueToken(AGENT.uid);
    const forged = `${token.slice(0, -3)}abc`;
    const error = await refusedConnect(broker, {
      clientId: `${AGENT.uid}/web/x`,
      username: AGENT.username,
      password: forged,
    });
    expect(error.code).toBe(4);
  });

  it('refuses a token signed with another secret', async () => {
    const other = await startTestBroker({ tokenSecret: 'other' });
    const token = other.issueToken(AGENT.uid);
    await other.close();
    const error = await refusedConnect(broker, {
      clientId: `${AGENT.uid}/web/x`,
      username: AGENT.username,
      password: token,
    });
    expect(error.code).toBe(4);
  });

  it('refuses an expired token', async () => {
    const token = broker.issueToken(AGENT.uid, { ttlMs: -1 });
    const error = await refusedConnect(broker, {
      clientId: `${AGENT.uid}/web/x`,
      username: AGENT.username,
      password: token,
    });
    expect(error.code).toBe(4);
  });

  it('refuses a clientId whose uid is not the token user', async () => {
    const token = broker.issueToken(AGENT.uid);
    const error = await refusedConnect(broker, {
      clientId: `${VISITOR.uid}/web/x`,
      username: AGENT.username,
      password: token,
    });
    expect(error.code).toBe(4);
  });

  it('refuses a username that is not the token user', async () => {
    const token = broker.issueToken(AGENT.uid);
    const error = await refusedConnect(broker, {
      clientId: `${AGENT.uid}/web/x`,
      username: 'visitor',
      password: token,
    });
    expect(error.code).toBe(4);
  });

  it('refuses a missing password', async () => {
    const error = await refusedConnect(broker, { clientId: `${AGENT.uid}/web/x`, username: AGENT.username });
    expect(error.code).toBe(4);
  });

  it('closes a connection when its token expires', async () => {
    const token = broker.issueToken(AGENT.uid, { ttlMs: 150 });
    const client = await connectOpen(broker, `${AGENT.uid}/web/x`, { username: AGENT.username, password: token });
    clients.push(client);
    await client.closed;
    await until(() => broker.clients().length === 0);
  });
});

describe('mock broker: subscriptions as the real server', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker({ historyLagMs: 0 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await broker.close();
  });

  it('grants every valid filter at the asked QoS, someone else’s thread and wildcards included', async () => {
    const client = await connectAs(broker, AGENT2);
    clients.push(client);
    const granted = await client.mqtt.subscribeAsync({
      [THREAD_TOPIC]: { qos: 1 },
      'user/agent_demo': { qos: 2 },
      'org/agent/#': { qos: 1 },
      'org/+/x': { qos: 0 },
    });
    expect(granted.map((g) => [g.topic, g.qos])).toEqual([
      [THREAD_TOPIC, 1],
      ['user/agent_demo', 2],
      ['org/agent/#', 1],
      ['org/+/x', 0],
    ]);
  });

  it('a wildcard matches nothing; anyone may publish into any thread; topics match as substrings', async () => {
    // Not the thread's agent: the server delivers a thread to its owner without any SUBSCRIBE.
    const wildcard = await connectAs(broker, VISITOR2);
    const longer = await connectAs(broker, AGENT2);
    const intruder = await connectAs(broker, AGENT2);
    clients.push(wildcard, longer, intruder);
    await wildcard.mqtt.subscribeAsync(['org/agent/#', 'org/agent/+/visitor_demo'], { qos: 1 });
    await longer.mqtt.subscribeAsync(`${THREAD_TOPIC}0`, { qos: 1 });
    const sneaky = textMessage({ user: { uid: AGENT2.uid, type: 'AGENT' } });
    await publish(intruder, THREAD_TOPIC, sneaky);
    const received = await longer.waitFor(byUid(sneaky.uid ?? ''));
    expect(received.topic).toBe(THREAD_TOPIC);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([sneaky.uid]);
    expect(wildcard.received).toEqual([]);
  });

  it('closes the connection on an invalid filter', async () => {
    // Filters MQTT allows and the server does not (mqtt.js itself refuses to send `a#`).
    for (const filter of ['org/agent/+', 'org/agent/', '+/agent']) {
      const client = await connectAs(broker, AGENT);
      clients.push(client);
      client.mqtt.subscribe(filter, { qos: 1 });
      await client.closed;
    }
  });

  it('routes by the payload’s thread.topic: the PUBLISH topic is ignored', async () => {
    const agent = await connectAs(broker, AGENT);
    const visitor = await connectAs(broker, VISITOR);
    clients.push(agent, visitor);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const message = textMessage();
    await publish(visitor, 'org/agent/agent_demo2/visitor_demo2', message);
    const echo = await agent.waitFor(byUid(message.uid ?? ''));
    expect(echo.topic).toBe(THREAD_TOPIC);
  });

  it("delivers a thread to its owner without a SUBSCRIBE: a new visitor's thread to the agent it names", async () => {
    const agent = await connectAs(broker, AGENT);
    const other = await connectAs(broker, AGENT2);
    const visitor = await connectAs(broker, VISITOR2);
    clients.push(agent, other, visitor);
    await agent.mqtt.subscribeAsync('user/agent_demo', { qos: 1 });
    await other.mqtt.subscribeAsync('user/agent_demo2', { qos: 1 });
    const topic = 'org/agent/agent_demo/visitor_demo2';
    const first = textMessage({
      user: { uid: VISITOR2.uid, type: 'VISITOR' },
      thread: { uid: 'new_thread', topic, type: 'AGENT', user: { uid: VISITOR2.uid } },
    });
    await publish(visitor, topic, first);
    const received = await agent.waitFor(byUid(first.uid ?? ''));
    expect(received.topic).toBe(topic);
    expect(broker.state.rules.threadOwners(topic)).toEqual([AGENT.uid]);
    // Nobody else: the other agent and the sender, who subscribed nothing of it.
    const own = { uid: 'thread_demo2', topic: 'org/agent/agent_demo2/visitor_demo2', type: 'AGENT' };
    const sentinel = textMessage({ user: { uid: AGENT2.uid, type: 'AGENT' }, thread: own });
    await publish(other, own.topic, sentinel);
    await other.waitFor(byUid(sentinel.uid ?? ''));
    expect(other.received.map((r) => r.topic)).not.toContain(topic);
    expect(visitor.received).toEqual([]);
  });

  it('UNSUBSCRIBE is a no-op', async () => {
    const agent = await connectAs(broker, AGENT);
    clients.push(agent);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await agent.mqtt.unsubscribeAsync(THREAD_TOPIC);
    const message = textMessage();
    await publish(agent, THREAD_TOPIC, message);
    await agent.waitFor(byUid(message.uid ?? ''));
  });
});

describe('mock broker: access rules (strict mode)', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker({ mode: 'strict', historyLagMs: 0 });
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

  it('drops, silently, a publish to a topic the user may not use, by someone else, or to another thread', async () => {
    const intruder = await connectAs(broker, AGENT2);
    const agent = await connectAs(broker, AGENT);
    clients.push(intruder, agent);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const sneaky = textMessage({ user: { uid: AGENT2.uid, type: 'AGENT' } });
    await publish(intruder, THREAD_TOPIC, sneaky);
    const impostor = textMessage();
    await publish(agent, THREAD_TOPIC, impostor);
    const mismatched = textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } });
    await publish(agent, 'org/agent/agent_demo/visitor_demo2', mismatched);
    expect(intruder.mqtt.connected).toBe(true);
    const legit = textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } });
    await publish(agent, THREAD_TOPIC, legit);
    await agent.waitFor(byUid(legit.uid ?? ''));
    expect(agent.received.map((r) => r.message?.uid)).toEqual([legit.uid]);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([legit.uid]);
  });

  it('matches exact topics only and honours UNSUBSCRIBE', async () => {
    const agent = await connectAs(broker, AGENT);
    clients.push(agent);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await agent.mqtt.unsubscribeAsync(THREAD_TOPIC);
    await agent.mqtt.subscribeAsync([`${THREAD_TOPIC}0`, 'user/agent_demo'], { qos: 1 });
    await publish(agent, THREAD_TOPIC, textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } }));
    await broker.publishMessage('user/agent_demo', textMessage({ uid: 'sentinel' }));
    await agent.waitFor(byUid('sentinel'));
    expect(agent.received.map((r) => r.message?.uid)).toEqual(['sentinel']);
  });
});

describe('mock broker: routing', () => {
  let broker: MockBroker;
  let agent: MqttTestClient;
  let visitor: MqttTestClient;
  beforeEach(async () => {
    broker = await startTestBroker({ now: () => NOW, historyLagMs: 0 });
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

  it('echoes through the server’s DTOs: thread state and channel lost, a missing user type is USER', async () => {
    const message = textMessage({
      user: { uid: VISITOR.uid, nickname: '访客' },
      thread: { uid: 'thread_demo', topic: THREAD_TOPIC, type: 'AGENT', state: 'CHATTING', channel: 'WEB' },
    });
    await publish(visitor, THREAD_TOPIC, message);
    const echo = await agent.waitFor(byUid(message.uid ?? ''));
    expect(echo.message?.thread).toMatchObject({ topic: THREAD_TOPIC, state: '', channel: '' });
    expect(echo.message?.user?.type).toBe('USER');
    expect(echo.message?.channel).toBe('WEB');
  });

  it('a robot’s reply comes back READ, a message not SENDING keeps its status', async () => {
    const robot = textMessage({ user: { uid: 'robot_1', type: 'ROBOT' } });
    const delivered = textMessage({ status: 'DELIVERED' });
    await publish(visitor, THREAD_TOPIC, robot);
    await publish(visitor, THREAD_TOPIC, delivered);
    expect((await agent.waitFor(byUid(robot.uid ?? ''))).message?.status).toBe('READ');
    expect((await agent.waitFor(byUid(delivered.uid ?? ''))).message?.status).toBe('DELIVERED');
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

  it('drops, silently, a message without thread, status or thread.topic, a bad createdAt, malformed bytes', async () => {
    const bad = [
      textMessage({ thread: undefined }),
      textMessage({ status: '' }),
      textMessage({ thread: { topic: '', type: 'AGENT' } }),
      textMessage({ createdAt: 'not a time' }),
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

  it('stores an unknown thread type without echoing it', async () => {
    const odd = textMessage({ thread: { topic: THREAD_TOPIC, type: 'NOT_A_TYPE' } });
    await publish(visitor, THREAD_TOPIC, odd);
    const sentinel = textMessage();
    await publish(visitor, THREAD_TOPIC, sentinel);
    await agent.waitFor(byUid(sentinel.uid ?? ''));
    expect(agent.received.map((r) => r.message?.uid)).toEqual([sentinel.uid]);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([odd.uid, sentinel.uid]);
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

  it('broadcasts typing, preview, processing and continue without storing them; stores reactions and shakes', async () => {
    const typing = textMessage({ type: 'TYPING', content: '' });
    const preview = textMessage({
      type: 'PREVIEW',
      content: JSON.stringify({ v: 1, content: 'hel', clear: false, ts: 1 }),
    });
    const processing = textMessage({ type: 'PROCESSING', content: '' });
    const more = textMessage({ type: 'CONTINUE', content: '' });
    const reaction = textMessage({ type: 'REACTION', content: '👍' });
    const shake = textMessage({ type: 'SHAKE', content: '' });
    for (const m of [typing, preview, processing, more, reaction, shake]) await publish(visitor, THREAD_TOPIC, m);
    await agent.waitFor(byUid(shake.uid ?? ''));
    expect(agent.received.map((r) => r.message?.type)).toEqual([
      'TYPING',
      'PREVIEW',
      'PROCESSING',
      'CONTINUE',
      'REACTION',
      'SHAKE',
    ]);
    expect(broker.history(THREAD_TOPIC).map((m) => m.type)).toEqual(['REACTION', 'SHAKE']);
  });

  it('a recall deletes the stored message and is broadcast', async () => {
    const message = textMessage();
    await publish(visitor, THREAD_TOPIC, message);
    await agent.waitFor(byUid(message.uid ?? ''));
    const recall = textMessage({ uid: randomUUID(), type: 'RECALL', content: message.uid });
    await publish(visitor, THREAD_TOPIC, recall);
    await agent.waitFor(byUid(recall.uid ?? ''));
    expect(broker.history(THREAD_TOPIC)).toEqual([]);
    expect(broker.state.message(message.uid ?? '')).toBeDefined();
  });

  it('recall "mark" keeps a recalled message as RECALL', async () => {
    const old = await startTestBroker({ recall: 'mark', historyLagMs: 0 });
    const client = await connectAs(old, VISITOR);
    await client.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const message = textMessage();
    await publish(client, THREAD_TOPIC, message);
    const recall = textMessage({ uid: randomUUID(), type: 'RECALL', content: message.uid });
    await publish(client, THREAD_TOPIC, recall);
    await client.waitFor(byUid(recall.uid ?? ''));
    expect(old.history(THREAD_TOPIC).map((m) => [m.uid, m.status])).toEqual([[message.uid, 'RECALL']]);
    await client.end();
    await old.close();
  });

  it('a MEMBER message also goes to the reversed topic with thread.user = the sender', async () => {
    const topic = 'org/member/agent_demo/agent_demo2';
    const reversed = 'org/member/agent_demo2/agent_demo';
    const colleague = await connectAs(broker, AGENT2);
    await colleague.mqtt.subscribeAsync(reversed, { qos: 1 });
    const message = textMessage({
      user: { uid: AGENT.uid, nickname: '客服小微', type: 'AGENT' },
      thread: { uid: 'member_1', topic, type: 'MEMBER', user: { uid: AGENT2.uid, type: 'AGENT' } },
    });
    await publish(agent, topic, message);
    const copy = await colleague.waitFor(byUid(message.uid ?? ''));
    expect(copy.topic).toBe(reversed);
    expect(copy.message?.thread).toMatchObject({ topic: reversed, user: { uid: AGENT.uid } });
    await colleague.end();
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

  it('kick publishes the real KICKOFF on system/{uid}', async () => {
    await visitor.mqtt.subscribeAsync(`system/${VISITOR.uid}`, { qos: 1 });
    await broker.kick(VISITOR.uid, 'logged in elsewhere', { disconnect: true, sourceType: 'USER', sourceUid: 'x' });
    const r = await visitor.waitFor((x) => x.message?.type === 'KICKOFF');
    expect(r.topic).toBe(`system/${VISITOR.uid}`);
    expect(r.message).toMatchObject({ status: 'SUCCESS', channel: 'SYSTEM', user: { uid: 'system', type: 'SYSTEM' } });
    expect(JSON.parse(r.message?.content ?? '{}')).toEqual({
      reason: 'logged in elsewhere',
      sourceType: 'USER',
      sourceUid: 'x',
      action: 'FORCE_LOGOUT',
    });
    await visitor.closed;
  });
});

describe('mock broker: echo timing', () => {
  /** The order in which the sender sees its PUBACK and its echo. */
  async function order(echoTiming: 'after-puback' | 'before-puback'): Promise<string[]> {
    const broker = await startTestBroker({ echoTiming });
    const client = await connectAs(broker, VISITOR);
    await client.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const seen: string[] = [];
    client.mqtt.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' || packet.cmd === 'publish') seen.push(packet.cmd);
    });
    const message = textMessage();
    await publish(client, THREAD_TOPIC, message);
    await client.waitFor(byUid(message.uid ?? ''));
    await client.end();
    await broker.close();
    return seen;
  }

  it('sends the echo after the PUBACK by default, before it when asked', async () => {
    expect(await order('after-puback')).toEqual(['puback', 'publish']);
    expect(await order('before-puback')).toEqual(['publish', 'puback']);
  });
});
