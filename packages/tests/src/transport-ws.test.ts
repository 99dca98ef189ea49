/**
 * The light transport (`@weiyu/transport-ws`) under a real chat client, against the mock broker
 * (the Weiyu server's behaviour: echo with SUCCESS, outages) and Mosquitto (an independent
 * broker), next to clients on the mqtt.js transport.
 */
import { AGENT, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { startMosquitto } from './harness/mosquitto.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;

describe('the light transport under a chat client', () => {
  test('mock broker: a visitor on transport-ws sends (SUCCESS from the echo) and receives from an agent on mqtt.js', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, light: true, topics: [TOPIC] });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });

    const hello = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('hello from the widget'));
    expect((await hello.done).status).toBe('SUCCESS');
    const got = await agent.events.waitFor('message', (m) => m.uid === hello.uid);
    expect(got.content).toBe('hello from the widget');

    const reply = agent.client.send(DEMO_THREAD_FOR_AGENT, text('你好'));
    const received = await visitor.events.waitFor('message', (m) => m.uid === reply.uid);
    expect(received.content).toBe('你好');
    expect((await reply.done).status).toBe('SUCCESS');
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === reply.uid)).toHaveLength(1);
  });

  test('mock broker: an outage drops the light transport; core reconnects it and the visitor gets what was sent meanwhile', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, light: true, topics: [TOPIC] });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });

    broker.faults.outage(60_000);
    await waitFor(() => !visitor.client.isConnected(), { message: 'the visitor down during the outage' });
    const whileAway = agent.client.send(DEMO_THREAD_FOR_AGENT, text('while you were away'));
    expect((await whileAway.done).status).toBe('SUCCESS');
    broker.faults.reset();
    await waitFor(() => visitor.client.isConnected(), { timeoutMs: 8_000, message: 'the visitor back' });
    await visitor.events.waitFor('message', (m) => m.uid === whileAway.uid, { timeoutMs: 10_000 });

    const after = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('back online'));
    expect((await after.done).status).toBe('SUCCESS');
  });

  test("Mosquitto: a light client and an mqtt.js client exchange; the sender's own copy confirms SUCCESS", async () => {
    const users = { agent: 'agent-token', visitor: 'visitor-token' };
    await using mosquitto = await startMosquitto({ users });
    const target = { mqttUrl: mosquitto.url };
    await using visitor = await createTestClient(target, {
      username: 'visitor',
      uid: 'visitor_demo',
      accessToken: users.visitor,
      rest: false,
      light: true,
      topics: [TOPIC],
    });
    await using agent = await createTestClient(target, {
      username: 'agent',
      uid: 'agent_demo',
      accessToken: users.agent,
      rest: false,
      topics: [TOPIC],
    });

    const hello = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('hello from the widget'));
    await agent.events.waitFor('message', (m) => m.uid === hello.uid);
    expect((await hello.done).status).toBe('SUCCESS');
    const reply = agent.client.send(DEMO_THREAD_FOR_AGENT, text('hello from the agent'));
    const got = await visitor.events.waitFor('message', (m) => m.uid === reply.uid);
    expect(got.content).toBe('hello from the agent');
  });

  test('Mosquitto: a wrong password is an auth failure, and the client stops trying', async () => {
    await using mosquitto = await startMosquitto({ users: { visitor: 'visitor-token' } });
    await using bad = await createTestClient(
      { mqttUrl: mosquitto.url },
      {
        username: 'visitor',
        uid: 'visitor_demo',
        accessToken: 'wrong',
        rest: false,
        light: true,
        connect: false,
        timing: { reconnectBaseMs: 100, reconnectMaxMs: 200 },
      },
    );
    await bad.client.connect();
    const failed = await bad.events.waitFor('connection', (s) => s.status === 'auth-failed', { timeoutMs: 8_000 });
    expect(failed.status === 'auth-failed' ? failed.error.code : undefined).toMatch(
      /^(bad_credentials|not_authorized)$/,
    );
  });
});
