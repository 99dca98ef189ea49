/**
 * Offline delivery (SPEC §1.14): a visitor away during the conversation gets every message
 * on return, exactly once and in order — from the MQTT session where the broker keeps one
 * (`session`), from REST history where it does not (`bytedesk`, like the real server).
 */
import { AGENT, DEMO_THREAD, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, text } from './harness/fixtures.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const WHILE_AWAY = ['m1', 'm2', 'm3', 'm4', 'm5'];

describe('offline messages', () => {
  test('§1.14 offline messages: session mode, delivered by the MQTT session (no REST)', async () => {
    await using broker = await startTestBroker({ compat: 'session' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'fixed-device', rest: false });
    await visitor.client.subscribe([TOPIC]);
    const before = agent.client.send(DEMO_THREAD_FOR_AGENT, text('before'));
    await visitor.events.waitFor('message', (m) => m.uid === before.uid);

    await visitor.client.disconnect();
    for (const t of WHILE_AWAY)
      expect((await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done).status).toBe('SUCCESS');

    await visitor.client.connect();
    await waitFor(() => visitor.events.messages(TOPIC).length >= 1 + WHILE_AWAY.length, {
      timeoutMs: 10_000,
      message: `every message after reconnect (have ${visitor.events.contents(TOPIC).join(',')})`,
    });
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await visitor.events.waitFor('message', (m) => m.uid === marker.uid);
    expect(visitor.events.contents(TOPIC)).toEqual(['before', ...WHILE_AWAY, 'marker']);
  });

  test('§1.14 offline messages: session mode with REST too — both paths, each message exactly once', async () => {
    await using broker = await startTestBroker({ compat: 'session' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'fixed-device' });
    await visitor.client.subscribe([TOPIC]);
    await visitor.client.disconnect();
    for (const t of WHILE_AWAY) await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done;
    await visitor.client.connect();
    await waitFor(() => visitor.events.messages(TOPIC).length >= WHILE_AWAY.length, {
      timeoutMs: 10_000,
      message: 'every message after reconnect',
    });
    // Session redelivery and catch-up both had their chance; a marker closes the window.
    await settle(500);
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await visitor.events.waitFor('message', (m) => m.uid === marker.uid);
    expect(visitor.events.contents(TOPIC)).toEqual([...WHILE_AWAY, 'marker']);
  });

  test('§1.14 offline messages: bytedesk mode (no session), delivered by REST catch-up', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'fixed-device' });
    await visitor.client.subscribe([TOPIC]);
    const before = agent.client.send(DEMO_THREAD_FOR_AGENT, text('before'));
    await visitor.events.waitFor('message', (m) => m.uid === before.uid);

    await visitor.client.disconnect();
    for (const t of WHILE_AWAY) await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done;

    await visitor.client.connect();
    await waitFor(() => visitor.events.messages(TOPIC).length >= 1 + WHILE_AWAY.length, {
      timeoutMs: 10_000,
      message: `every message after reconnect (have ${visitor.events.contents(TOPIC).join(',')})`,
    });
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await visitor.events.waitFor('message', (m) => m.uid === marker.uid);
    expect(visitor.events.contents(TOPIC)).toEqual(['before', ...WHILE_AWAY, 'marker']);
  });

  test('§1.14 offline messages: bytedesk mode, the connection drops (no disconnect call) and comes back', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    // An outage drops every connection; the agent sends over REST while MQTT is down.
    broker.faults.outage(60_000);
    await waitFor(() => !visitor.client.isConnected() && !agent.client.isConnected(), {
      message: 'both offline',
    });
    for (const t of WHILE_AWAY)
      expect((await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done).status).toBe('SUCCESS');
    broker.faults.reset();
    await waitFor(() => visitor.events.messages(TOPIC).length >= WHILE_AWAY.length, {
      timeoutMs: 10_000,
      message: 'every message after the visitor is back',
    });
    await waitFor(() => agent.client.isConnected(), { timeoutMs: 8_000, message: 'agent back' });
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await visitor.events.waitFor('message', (m) => m.uid === marker.uid);
    expect(visitor.events.contents(TOPIC)).toEqual([...WHILE_AWAY, 'marker']);
  });

  test('§1.14 offline messages: a reloaded page (new client, same device) catches up exactly once, in order', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    {
      await using before = await createTestClient(broker, { ...VISITOR, deviceUid: 'tab', topics: [TOPIC] });
      const seen = agent.client.send(DEMO_THREAD_FOR_AGENT, text('seen before the reload'));
      await before.events.waitFor('message', (m) => m.uid === seen.uid);
    }
    for (const t of WHILE_AWAY) await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done;
    await using after = await createTestClient(broker, { ...VISITOR, deviceUid: 'tab', topics: [TOPIC] });
    await waitFor(() => after.events.messages(TOPIC).length >= 1 + WHILE_AWAY.length, {
      timeoutMs: 10_000,
      message: 'history after the reload',
    });
    const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
    await after.events.waitFor('message', (m) => m.uid === marker.uid);
    // A fresh page knows nothing: it gets the whole thread from history, oldest first, then live.
    expect(after.events.contents(TOPIC)).toEqual(['seen before the reload', ...WHILE_AWAY, 'marker']);
  });

  test('history catch-up: what a thread missed comes oldest first across pages, each uid once', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    const texts = Array.from({ length: 8 }, (_, i) => `history ${i + 1}`);
    for (const t of texts) await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done;
    expect(broker.history(TOPIC).map((m) => m.content)).toEqual(texts);

    // A visitor who was never online; small pages so the catch-up walks several.
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      timing: { catchUpPageSize: 3, catchUpMaxPages: 10 },
    });
    await visitor.client.subscribe([TOPIC]);
    await waitFor(() => visitor.events.messages(TOPIC).length >= texts.length, {
      timeoutMs: 10_000,
      message: `catch-up on subscribe (have ${visitor.events.messages(TOPIC).length})`,
    });
    expect(visitor.events.contents(TOPIC)).toEqual(texts);
    expect(visitor.client.messages(TOPIC).map((m) => m.content)).toEqual(texts);

    // A second, explicit catch-up adds nothing.
    await visitor.client.catchUp(TOPIC);
    expect(visitor.events.contents(TOPIC)).toEqual(texts);
  });
});
