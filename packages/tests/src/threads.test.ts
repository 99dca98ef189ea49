/**
 * The thread list over real sockets against the mock broker as the real server (issue 11, item
 * 4): an agent's threads from `GET /api/v1/thread/query`, kept current by live messages (a new
 * visitor's thread the server delivers unasked, last messages, AUTO_CLOSED), unread counts that
 * go up for others' messages and clear with markRead — which the server then knows.
 */

import type { ChatThread, ThreadSummary } from '@weiyu/core';
import {
  AGENT,
  DEMO_THREAD,
  NO_HISTORY_LAG,
  ORG_UID,
  startTestBroker,
  VISITOR,
  VISITOR2,
} from '@weiyu/mock-broker/testing';
import { normalizeMessage, topics } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const NEW_TOPIC = topics.agent(AGENT.uid, VISITOR2.uid);
/** The thread a second visitor starts with the demo agent: no seed has it, its first message makes it. */
const NEW_THREAD: ChatThread = { uid: 'thread_new', topic: NEW_TOPIC, type: 'AGENT', user: { uid: AGENT.uid } };

/**
 * The real server in all but the history lag, which the thread list does not depend on (catch-up
 * through the lag: catch-up.test.ts): without it, subscribed threads show live messages at once.
 */
const REAL_SERVER = { compat: 'bytedesk', ...NO_HISTORY_LAG } as const;

function listed(client: TestClient, topic: string): ThreadSummary | undefined {
  return client.client.threads().find((t) => t.topic === topic);
}

/** Waits until the agent's list shows `topic` as `expected` says. */
function until(client: TestClient, topic: string, expected: (t: ThreadSummary) => boolean, message: string) {
  return waitFor(
    () => {
      const thread = listed(client, topic);
      return thread && expected(thread) ? thread : undefined;
    },
    { message },
  );
}

describe('the thread list against the mock broker', () => {
  test("an agent's list loads from REST with the server's unread counts, and a new visitor's thread joins it live", async () => {
    await using broker = await startTestBroker(REAL_SERVER);
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    for (const words of ['hello', 'are you there?']) {
      expect((await visitor.client.send(DEMO_THREAD_FOR_VISITOR, text(words)).done).status).toBe('SUCCESS');
    }
    await using agent = await createTestClient(broker, { ...AGENT, client: { autoDelivered: false } });
    const loaded = await agent.client.loadThreads();
    // Its own thread and its workgroup's (seeded), the one with news first.
    expect(loaded.threads.map((t) => t.topic)).toEqual([TOPIC, 'org/workgroup/workgroup_demo/visitor_demo2']);
    expect(loaded.threads[0]).toMatchObject({
      uid: 'thread_demo',
      type: 'AGENT',
      state: 'CHATTING',
      user: { uid: VISITOR.uid, nickname: '访客' },
      preview: 'are you there?',
      unreadCount: 2,
    });
    // Subscribed by the load: the visitor's next message arrives and counts.
    await waitFor(() => agent.realtime.isConnected() && broker.connections().some((c) => c.userUid === AGENT.uid));
    await until(agent, TOPIC, (t) => t.lastMessage !== undefined, 'the thread caught up');
    await visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('hello?')).done;
    await until(agent, TOPIC, (t) => t.unreadCount === 3 && t.preview === 'hello?', 'the third message counted');

    // A second visitor opens a thread with the agent: the server delivers it unasked.
    await using newcomer = await createTestClient(broker, { ...VISITOR2, topics: [NEW_TOPIC] });
    const first = newcomer.client.send(NEW_THREAD, text('I have a question'));
    expect((await first.done).status).toBe('SUCCESS');
    const joined = await until(agent, NEW_TOPIC, (t) => t.unreadCount === 1, 'the new thread listed');
    expect(joined).toMatchObject({ uid: 'thread_new', preview: 'I have a question', user: { uid: VISITOR2.uid } });
    expect(agent.client.threads()[0]?.topic).toBe(NEW_TOPIC);
    expect(agent.events.messages(NEW_TOPIC).map((m) => m.uid)).toEqual([first.uid]);
    // And the server's list has it too.
    const again = await agent.client.loadThreads();
    expect(again.threads.find((t) => t.topic === NEW_TOPIC)).toMatchObject({ unreadCount: 1 });
  });

  test('unread goes up for the visitor, not for the agent; markRead clears it, and the server keeps it cleared', async () => {
    await using broker = await startTestBroker(REAL_SERVER);
    await using agent = await createTestClient(broker, { ...AGENT, client: { autoDelivered: false } });
    await agent.client.loadThreads();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    const sent = [];
    for (const words of ['one', 'two', 'three']) sent.push(visitor.client.send(DEMO_THREAD_FOR_VISITOR, text(words)));
    await Promise.all(sent.map((s) => s.done));
    await until(agent, TOPIC, (t) => t.unreadCount === 3, 'three unread');
    const reply = agent.client.send(listed(agent, TOPIC) ?? DEMO_THREAD, text('how can I help?'));
    expect((await reply.done).status).toBe('SUCCESS');
    await until(agent, TOPIC, (t) => t.preview === 'how can I help?', 'my reply is the last message');
    expect(listed(agent, TOPIC)?.unreadCount).toBe(3);

    const summary = listed(agent, TOPIC);
    if (!summary) throw new Error('no thread');
    agent.client.markRead(summary);
    expect(listed(agent, TOPIC)?.unreadCount).toBe(0);
    // One READ, for the newest: the visitor sees it, the server stores it.
    const newest = sent[2]?.uid ?? '';
    await visitor.events.waitFor('receipt', (r) => r.kind === 'READ' && r.uid === newest);
    await waitFor(() => broker.history(TOPIC).find((m) => m.uid === newest)?.status === 'READ');
    expect(visitor.events.of('receipt').filter((r) => r.kind === 'READ')).toHaveLength(1);
    const reloaded = await agent.client.loadThreads();
    expect(reloaded.threads.find((t) => t.topic === TOPIC)?.unreadCount).toBe(0);
    // A fresh agent client (another device) sees nothing unread either, after catching up.
    await using other = await createTestClient(broker, { ...AGENT, client: { autoDelivered: false } });
    await other.client.loadThreads();
    await until(other, TOPIC, (t) => t.lastMessage?.uid === reply.uid, 'the other device caught up');
    expect(listed(other, TOPIC)?.unreadCount).toBe(0);
  });

  test('AUTO_CLOSED from the server closes the thread in the list, without counting as unread', async () => {
    await using broker = await startTestBroker(REAL_SERVER);
    await using agent = await createTestClient(broker, { ...AGENT, client: { autoDelivered: false } });
    await agent.client.loadThreads();
    await waitFor(() => broker.connections().some((c) => c.userUid === AGENT.uid));
    const closing = normalizeMessage({
      uid: 'c1osed0000000000000000000000000a',
      type: 'AUTO_CLOSED',
      content: JSON.stringify({ content: '会话已自动关闭' }),
      status: 'SUCCESS',
      createdAt: broker.state.serverTime(),
      channel: 'SYSTEM',
      user: { uid: 'system', nickname: '系统', type: 'SYSTEM' },
      thread: { uid: DEMO_THREAD.uid, topic: TOPIC, type: 'AGENT', state: 'CLOSED', user: { uid: VISITOR.uid } },
      extra: JSON.stringify({ orgUid: ORG_UID }),
    });
    // As the server sends it when it closes a thread: routed, stored, echoed.
    expect(broker.state.route(closing).ok).toBe(true);
    const closed = await until(agent, TOPIC, (t) => t.state === 'CLOSED', 'the thread closed');
    expect(closed).toMatchObject({ preview: '会话已自动关闭', unreadCount: 0 });
    const reloaded = await agent.client.loadThreads();
    expect(reloaded.threads.find((t) => t.topic === TOPIC)).toMatchObject({ state: 'CLOSED', unreadCount: 0 });
  });
});
