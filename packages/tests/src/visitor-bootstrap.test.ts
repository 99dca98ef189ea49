/**
 * A visitor widget's start over real sockets (issue 11 item 6): from an org and a workgroup (or
 * an agent) id, with no login and no topic known, `startVisitor` gets the visitor and their
 * thread; the visitor connects with what it gives and talks with the agent. Hostile answers to
 * the bootstrap calls are typed errors.
 */
import { startVisitor } from '@weiyu/core';
import { AGENT, ORG_UID, startTestBroker } from '@weiyu/mock-broker/testing';
import { createHttpTransport } from '@weiyu/transport-http';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { text } from './harness/fixtures.js';
import { startHostileRest } from './harness/hostile-rest.js';

const WORKGROUP = 'workgroup_demo';
const MB = 1024 * 1024;

describe('visitor bootstrap', () => {
  test('a visitor starts from org + workgroup without a topic and exchanges messages with the agent', async () => {
    await using broker = await startTestBroker();
    const rest = createHttpTransport({ baseUrl: broker.httpUrl, timeoutMs: 3_000 });
    const session = await startVisitor(rest, {
      orgUid: ORG_UID,
      workgroupUid: WORKGROUP,
      visitorUid: 'shop-customer-42',
      nickname: '小明',
    });
    expect(session.user).toMatchObject({ nickname: '小明', type: 'VISITOR' });
    expect(session.thread.topic).toBe(`org/workgroup/${WORKGROUP}/${session.user.uid}`);
    expect(session.thread.type).toBe('WORKGROUP');
    expect(session.welcome).toMatchObject({ type: 'WELCOME', mine: false, user: { uid: AGENT.uid } });

    // The agent of the workgroup is on the new thread (it learns the topic from the server, as from its thread list).
    const topic = session.thread.topic;
    expect(broker.threads().find((t) => t.topic === topic)?.participants).toContain(AGENT.uid);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [topic] });
    await using visitor = await createTestClient(broker, {
      username: session.auth.username,
      uid: session.user.uid,
      accessToken: 'accessToken' in session.auth ? session.auth.accessToken : '',
      topics: [topic],
      client: { visitor: true, orgUid: session.orgUid },
    });

    // Catch-up, on the visitor's history endpoint (no login), brings the welcome once.
    await visitor.events.waitFor('message', (m) => m.uid === session.welcome.uid, { timeoutMs: 15_000 });
    const hello = visitor.client.send(session.thread, text('你好，我想问一下订单'));
    expect((await hello.done).status).toBe('SUCCESS');
    const got = await agent.events.waitFor('message', (m) => m.uid === hello.uid, { timeoutMs: 15_000 });
    expect(got.user.uid).toBe(session.user.uid);
    const reply = agent.client.send(got.thread, text('您好，请讲'));
    await visitor.events.waitFor('message', (m) => m.uid === reply.uid);
    expect(visitor.events.messages(topic).filter((m) => m.uid === session.welcome.uid)).toHaveLength(1);
    expect(visitor.events.errors()).toEqual([]);

    // The next visit with the same visitorUid is the same visitor on the same thread, continued.
    const again = await startVisitor(rest, {
      orgUid: ORG_UID,
      workgroupUid: WORKGROUP,
      visitorUid: 'shop-customer-42',
    });
    expect(again.user.uid).toBe(session.user.uid);
    expect(again.thread.topic).toBe(topic);
    expect(again.welcome.type).toBe('CONTINUE');
  });

  test('a visitor starts with one agent; an unknown workgroup is the server’s error', async () => {
    await using broker = await startTestBroker();
    const rest = createHttpTransport({ baseUrl: broker.httpUrl, timeoutMs: 3_000 });
    const session = await startVisitor(rest, { orgUid: ORG_UID, agentUid: AGENT.uid });
    expect(session.thread.topic).toBe(`org/agent/${AGENT.uid}/${session.user.uid}`);
    expect(session.user.nickname).toMatch(/^访客/);
    await expect(startVisitor(rest, { orgUid: ORG_UID, workgroupUid: 'no_such_group' })).rejects.toMatchObject({
      code: 'server_error',
      message: 'Failed to create thread for type WORKGROUP',
    });
    await expect(startVisitor(rest, { orgUid: ORG_UID })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  test('hostile bootstrap answers (no visitor, a uid that cannot be one, someone else’s thread, huge, not JSON) are typed errors', async () => {
    await using broker = await startTestBroker();
    await using hostile = await startHostileRest(broker.httpUrl);
    const rest = createHttpTransport({ baseUrl: hostile.url, timeoutMs: 1_000 });
    const start = () => startVisitor(rest, { orgUid: ORG_UID, workgroupUid: WORKGROUP });
    const cases = [
      [{ kind: 'wrong-shape', data: null }, 'protocol'],
      [{ kind: 'wrong-shape', data: { uid: 'a/../b' } }, 'protocol'],
      [
        { kind: 'wrong-shape', data: { uid: 'v1', thread: { topic: 'org/workgroup/workgroup_demo/someone_else' } } },
        'protocol',
      ],
      [{ kind: 'not-json' }, 'protocol'],
      [{ kind: 'huge', bytes: 64 * MB }, 'response_too_large'],
      [{ kind: 'never' }, 'timeout'],
    ] as const;
    for (const [answer, code] of cases) {
      hostile.set(answer, ['visitor']);
      await expect(start(), answer.kind).rejects.toMatchObject({ code });
    }
    // Sane again: the same start goes through.
    hostile.set({ kind: 'sane' }, ['visitor']);
    const session = await start();
    expect(session.thread.topic.endsWith(session.user.uid)).toBe(true);
  });
});
