/**
 * The SDK against Mosquitto, an independent MQTT broker that knows nothing of Weiyu: no echo
 * with SUCCESS (the sender's own copy from the thread topic is the confirmation), no REST,
 * no KICKOFF. Tests run one after the other (one Mosquitto process each).
 */
import { DEMO_THREAD } from '@weiyu/mock-broker/testing';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClientOptions } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { startMosquitto } from './harness/mosquitto.js';
import { connectRaw } from './harness/raw-mqtt.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const USERS = { agent: 'agent-token', visitor: 'visitor-token' };

const agentOptions: TestClientOptions = {
  username: 'agent',
  uid: 'agent_demo',
  accessToken: USERS.agent,
  rest: false,
};
const visitorOptions: TestClientOptions = {
  username: 'visitor',
  uid: 'visitor_demo',
  accessToken: USERS.visitor,
  rest: false,
};

describe('against Mosquitto', () => {
  test('§1.1/§1.2 connects over WebSocket and authenticates with the token as password', async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    await using visitor = await createTestClient({ mqttUrl: mosquitto.url }, visitorOptions);
    expect(visitor.client.isConnected()).toBe(true);
    expect(visitor.client.state.status).toBe('connected');
  });

  test('§1.13 a wrong password is an auth failure, and the client stops trying', async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    await using bad = await createTestClient(
      { mqttUrl: mosquitto.url },
      {
        ...visitorOptions,
        accessToken: 'wrong',
        connect: false,
        timing: { reconnectBaseMs: 100, reconnectMaxMs: 200 },
      },
    );
    await bad.client.connect();
    const failed = await bad.events.waitFor('connection', (s) => s.status === 'auth-failed', { timeoutMs: 8_000 });
    // Mosquitto answers CONNACK 5 (not authorized) for a wrong password.
    expect(failed.status === 'auth-failed' ? failed.error.code : undefined).toMatch(
      /^(bad_credentials|not_authorized)$/,
    );
    await settle(1_000); // negative check: no storm of new attempts
    expect(bad.events.states().filter((s) => s === 'connecting').length).toBeLessThanOrEqual(2);
  });

  test("two clients exchange in real time; the sender's own copy from the topic confirms SUCCESS", async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    await using agent = await createTestClient({ mqttUrl: mosquitto.url }, agentOptions);
    await using visitor = await createTestClient({ mqttUrl: mosquitto.url }, visitorOptions);
    await agent.client.subscribe([TOPIC]);
    await visitor.client.subscribe([TOPIC]);

    const hello = agent.client.send(DEMO_THREAD_FOR_AGENT, text('hello from the agent'));
    const got = await visitor.events.waitFor('message', (m) => m.uid === hello.uid);
    expect(got.content).toBe('hello from the agent');
    expect(got.user.uid).toBe('agent_demo');
    expect((await hello.done).status).toBe('SUCCESS');

    const reply = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('hello from the visitor'));
    await agent.events.waitFor('message', (m) => m.uid === reply.uid);
    expect((await reply.done).status).toBe('SUCCESS');
    // Own copies are confirmations, not new messages.
    expect(agent.events.messages(TOPIC).filter((m) => m.uid === hello.uid).length).toBeLessThanOrEqual(1);
  });

  test('§1.14 persistent session: a client away (same clientId) gets what was published meanwhile', async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    await using agent = await createTestClient({ mqttUrl: mosquitto.url }, agentOptions);
    await agent.client.subscribe([TOPIC]);
    await using visitor = await createTestClient(
      { mqttUrl: mosquitto.url },
      { ...visitorOptions, deviceUid: 'fixed-device' },
    );
    await visitor.client.subscribe([TOPIC]);
    await visitor.client.disconnect();

    const texts = ['while away 1', 'while away 2', 'while away 3'];
    for (const t of texts)
      expect((await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done).status).toBe('SUCCESS');

    await visitor.client.connect();
    await waitFor(() => visitor.events.messages(TOPIC).length >= texts.length, {
      timeoutMs: 5_000,
      message: `the queued messages (have ${visitor.events.contents(TOPIC).join(',')})`,
    });
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await visitor.events.waitFor('message', (m) => m.uid === marker.uid);
    expect(visitor.events.contents(TOPIC)).toEqual([...texts, 'marker']);
  });

  test('recovers after the broker restarts: reconnects by itself, then sends and receives', async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    await using agent = await createTestClient({ mqttUrl: mosquitto.url }, { ...agentOptions, deviceUid: 'agent-dev' });
    await using visitor = await createTestClient(
      { mqttUrl: mosquitto.url },
      { ...visitorOptions, deviceUid: 'visitor-dev' },
    );
    await agent.client.subscribe([TOPIC]);
    await visitor.client.subscribe([TOPIC]);

    await mosquitto.restart();
    await visitor.events.waitFor('connection', (s) => s.status === 'reconnecting', { timeoutMs: 8_000 });
    await waitFor(() => agent.client.isConnected() && visitor.client.isConnected(), {
      timeoutMs: 10_000,
      message: 'both clients back after the restart',
    });
    const after = agent.client.send(DEMO_THREAD_FOR_AGENT, text('after restart'));
    await visitor.events.waitFor('message', (m) => m.uid === after.uid, { timeoutMs: 8_000 });
    expect((await after.done).status).toBe('SUCCESS');
    const back = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('and back'));
    await agent.events.waitFor('message', (m) => m.uid === back.uid, { timeoutMs: 8_000 });
  });

  // mqtt.js 5 emits 'message' for a PUBLISH that arrives right after CONNACK (a persistent
  // session's queue, which Mosquitto flushes at once) BEFORE it emits 'connect'. A transport
  // that ignores messages until 'connect' loses them — after mqtt.js already PUBACKed them.
  test('transport-mqtt: messages queued in the persistent session reach the listener on reconnect', async () => {
    await using mosquitto = await startMosquitto({ users: USERS });
    const transport = createMqttTransport({ url: mosquitto.url, deviceUid: 'fixed', connectTimeoutMs: 3_000 });
    const received: string[] = [];
    const off = transport.on((event) => {
      if (event.type === 'message') received.push(Buffer.from(event.payload).toString());
    });
    const login = { clientId: 'visitor_demo/WEB/fixed', username: 'visitor', password: USERS.visitor };
    try {
      const first = await transport.connect(login);
      expect(first.sessionPresent).toBe(false);
      await transport.subscribe([TOPIC], 1);
      await transport.close();
      {
        await using publisher = await connectRaw(mosquitto.url, {
          clientId: 'agent_demo/WEB/raw',
          username: 'agent',
          password: USERS.agent,
        });
        await publisher.client.publishAsync(TOPIC, Buffer.from('queued while away'), { qos: 1 });
      }
      const again = await transport.connect(login);
      expect(again.sessionPresent).toBe(true);
      await waitFor(() => received.includes('queued while away'), {
        timeoutMs: 3_000,
        message: 'the queued message from the session (Mosquitto sent it and got its PUBACK)',
      });
    } finally {
      off();
      await transport.close();
    }
  });
});
