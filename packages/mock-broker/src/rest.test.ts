import { randomUUID } from 'node:crypto';
import { toRestJson } from '@weiyu/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockBroker } from './broker.js';
import { byUid, connectAs, THREAD_TOPIC, textMessage } from './testing/helpers.js';
import { AGENT, AGENT2, startTestBroker, VISITOR } from './testing/index.js';

interface Envelope {
  code: number;
  message: string;
  data: unknown;
}

/** REST calls against one broker. */
function restClient(broker: () => MockBroker) {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${broker().httpUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope };
  };
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${broker().httpUrl}${path}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Envelope };
  };
  return { post, get };
}

const sendBody = (message = textMessage()) => ({ json: JSON.stringify(toRestJson(message)), client: 'WEB' });
const topicQuery = (extra = '') => `/api/v1/message/query/topic?topic=${encodeURIComponent(THREAD_TOPIC)}${extra}`;

const WORKGROUP_TOPIC = 'org/workgroup/workgroup_demo/visitor_demo2';

interface ThreadPageData {
  content: Array<{ uid: string; topic: string; content: string; unreadCount: number; status: string }>;
  totalElements: number;
}

interface PageData {
  content: Array<{ uid: string; status: string; client?: string; channel?: string; updatedAt?: string }>;
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
  last: boolean;
}

describe('mock broker: REST as the real server answers it', () => {
  let broker: MockBroker;
  const { post, get } = restClient(() => broker);
  beforeEach(async () => {
    broker = await startTestBroker({ historyLagMs: 0 });
  });
  afterEach(async () => {
    await broker.close();
  });

  it('logs in and returns a token that works for MQTT', async () => {
    const { status, body, headers } = await post('/auth/v1/login', {
      username: AGENT.username,
      password: AGENT.password,
    });
    expect(status).toBe(200);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toMatchObject({
      code: 200,
      message: 'success',
      data: { user: { uid: 'agent_demo', username: 'agent', nickname: '客服小微', type: 'AGENT' } },
    });
    const data = body.data as { accessToken: string };
    expect(broker.state.authenticate(data.accessToken).ok).toBe(true);
  });

  it('answers a wrong password with HTTP 200, code -1, data false, and locks the account on the third', async () => {
    const wrong = () => post('/auth/v1/login', { username: 'agent', password: 'nope' });
    expect(await wrong()).toMatchObject({
      status: 200,
      body: { code: -1, message: '用户名或密码错误，还可尝试2次', data: false },
    });
    expect((await wrong()).body.message).toBe('用户名或密码错误，还可尝试1次');
    expect((await wrong()).body).toEqual({ code: -1, message: '密码错误次数过多，账户已被锁定10分钟', data: false });
    const right = await post('/auth/v1/login', { username: 'agent', password: 'agent123' });
    expect(right.body).toMatchObject({ code: -1, data: false });
    expect(right.body.message).toMatch(/^账户已被锁定，请\d+分\d+秒后重试$/);
    const other = await post('/auth/v1/login', { username: 'visitor', password: 'visitor123' });
    expect(other.body.code).toBe(200);
  });

  it('send answers the posted JSON string as data, verbatim; the MQTT echo follows', async () => {
    const agent = await connectAs(broker, AGENT);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const message = textMessage();
    const posted = sendBody(message);
    const { status, body } = await post('/api/v1/message/rest/send', posted, broker.issueToken(VISITOR.uid));
    expect(status).toBe(200);
    expect(body).toEqual({ code: 200, message: 'success', data: posted.json });
    const echo = await agent.waitFor(byUid(message.uid ?? ''));
    expect(echo.message?.status).toBe('SUCCESS');
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([message.uid]);
    await agent.end();
  });

  it('takes anyone’s message for any thread, and answers 200 for an invalid one (then drops it)', async () => {
    const outsider = broker.issueToken(AGENT2.uid);
    const intruding = textMessage({ user: { uid: 'someone_else', type: 'AGENT' } });
    expect((await post('/api/v1/message/rest/send', sendBody(intruding), outsider)).body.code).toBe(200);
    const noThread = sendBody(textMessage({ thread: undefined }));
    expect((await post('/api/v1/message/rest/send', noThread, outsider)).body).toMatchObject({
      code: 200,
      data: noThread.json,
    });
    expect((await post('/api/v1/message/rest/send', { json: '{oops', client: 'WEB' }, outsider)).body).toMatchObject({
      code: 200,
      data: '{oops',
    });
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([intruding.uid]);
  });

  it('accepts the token as accessToken query parameter', async () => {
    const token = broker.issueToken(VISITOR.uid);
    const { body } = await post(`/api/v1/message/rest/send?accessToken=${encodeURIComponent(token)}`, sendBody());
    expect(body.code).toBe(200);
  });

  it('refuses a missing or bad token with HTTP 401', async () => {
    for (const token of [undefined, 'forged.token']) {
      const { status, body } = await post('/api/v1/message/rest/send', sendBody(), token);
      expect(status).toBe(401);
      expect(body).toEqual({ code: 401, message: 'unauthorized', data: null });
    }
  });

  it('takes visitor messages without a token on the current and the old endpoint, from anyone', async () => {
    for (const path of ['/visitor/api/v1/visitor/message/send', '/visitor/api/v1/message/send']) {
      const asAgent = textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } });
      expect((await post(path, sendBody(asAgent))).body.code, path).toBe(200);
      expect(broker.state.message(asAgent.uid ?? '')?.status, path).toBe('SUCCESS');
    }
  });

  it('pages history newest first by updatedAt, size 10 by default, no cap, anyone with a token', async () => {
    const token = broker.issueToken(AGENT2.uid);
    const uids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const message = textMessage({ uid: `m${i}-${randomUUID()}`, content: `n${i}` });
      uids.push(message.uid ?? '');
      await post('/api/v1/message/rest/send', sendBody(message), token);
    }
    const first = await get(topicQuery(), token);
    const page = first.body.data as PageData;
    expect(page).toMatchObject({ totalElements: 12, totalPages: 2, number: 0, size: 10, last: false });
    expect(page.content[0]).toMatchObject({ uid: uids[11], client: 'WEB' });
    expect(page.content[0]).not.toHaveProperty('channel');
    const receipt = textMessage({ uid: randomUUID(), type: 'READ', content: uids[0], user: { uid: AGENT.uid } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await post('/api/v1/message/rest/send', sendBody(receipt), token);
    const all = (await get(topicQuery('&pageSize=500'), token)).body.data as PageData;
    expect(all.size).toBe(500);
    expect(all.content.map((m) => m.uid)).toEqual([uids[0], ...uids.slice(1).reverse()]);
    expect(all.content[0]?.status).toBe('READ');
    const anonymous = await get(topicQuery());
    expect(anonymous.status).toBe(401);
    expect((await get(topicQuery('&pageSize=0'), token)).body.code).toBe(500);
  });

  it("lists the token user's threads as the server does: seeded ones, those messages made, newest change first", async () => {
    const { accessToken } = broker.login(AGENT.username, AGENT.password);
    const seeded = await get('/api/v1/thread/query', accessToken);
    // Its own thread, and its workgroup's (the mock gives a workgroup thread to each of its agents).
    expect(seeded.body).toMatchObject({ code: 200, data: { totalElements: 2, number: 0, size: 10, last: true } });
    const [demo] = (seeded.body.data as ThreadPageData).content.filter((t) => t.topic === THREAD_TOPIC);
    expect(demo).toMatchObject({
      uid: 'thread_demo',
      topic: THREAD_TOPIC,
      type: 'AGENT',
      status: 'CHATTING',
      unreadCount: 0,
      user: { uid: 'visitor_demo', nickname: '访客', type: 'VISITOR' },
    });
    const topic = 'org/agent/agent_demo/visitor_demo2';
    const thread = { uid: 'thread_new', topic, type: 'AGENT', user: { uid: 'visitor_demo2' } };
    const fromVisitor = textMessage({
      content: 'first words',
      thread,
      user: { uid: 'visitor_demo2', type: 'VISITOR' },
    });
    expect((await post('/visitor/api/v1/visitor/message/send', sendBody(fromVisitor))).body.code).toBe(200);
    const page = (await get('/api/v1/thread/query?pageNumber=0&pageSize=5', accessToken)).body.data as ThreadPageData;
    expect(page).toMatchObject({ totalElements: 3, size: 5 });
    expect(page.content[0]).toMatchObject({ topic, content: 'first words', unreadCount: 1, status: 'CHATTING' });
    expect(page.content.map((t) => t.topic).sort()).toEqual([THREAD_TOPIC, topic, WORKGROUP_TOPIC].sort());
    // Another user's list has neither; a bad page is the server's code 500; no token is 401.
    const { accessToken: other } = broker.login(AGENT2.username, AGENT2.password);
    const others = (await get('/api/v1/thread/query', other)).body.data as ThreadPageData;
    expect(others.content.map((t) => t.topic).sort()).toEqual(['org/agent/agent_demo2/visitor_demo2', WORKGROUP_TOPIC]);
    expect((await get('/api/v1/thread/query?pageSize=0', accessToken)).body).toMatchObject({ code: 500 });
    expect((await get('/api/v1/thread/query')).status).toBe(401);
  });

  it('a recalled message is gone from history', async () => {
    const token = broker.issueToken(VISITOR.uid);
    const message = textMessage();
    await post('/api/v1/message/rest/send', sendBody(message), token);
    const recall = textMessage({ uid: randomUUID(), type: 'RECALL', content: message.uid });
    await post('/api/v1/message/rest/send', sendBody(recall), token);
    expect((await get(topicQuery(), token)).body.data).toMatchObject({ content: [], totalElements: 0 });
  });

  it('answers an unknown route with a 404 envelope', async () => {
    const { status, body } = await get('/api/v1/nothing');
    expect(status).toBe(404);
    expect(body).toEqual({ code: 404, message: 'not found', data: null });
  });

  it('answers a CORS preflight', async () => {
    const response = await fetch(`${broker.httpUrl}/api/v1/message/rest/send`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(response.headers.get('access-control-allow-headers')).toContain('Content-Type');
  });
});

describe('mock broker: REST history lag', () => {
  it('a message shows in history only once its batch is written', async () => {
    let now = Date.UTC(2024, 4, 1);
    const broker = await startTestBroker({ now: () => now, historyLagMs: 5000 });
    const { post, get } = restClient(() => broker);
    const token = broker.issueToken(VISITOR.uid);
    const message = textMessage();
    await post('/api/v1/message/rest/send', sendBody(message), token);
    now += 4999;
    expect((await get(topicQuery(), token)).body.data).toMatchObject({ totalElements: 0 });
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([message.uid]);
    now += 1;
    expect((await get(topicQuery(), token)).body.data).toMatchObject({ content: [{ uid: message.uid }] });
    await broker.close();
  });
});

describe('mock broker: REST in strict mode', () => {
  let broker: MockBroker;
  const { post, get } = restClient(() => broker);
  beforeEach(async () => {
    broker = await startTestBroker({ mode: 'strict', historyLagMs: 0 });
  });
  afterEach(async () => {
    await broker.close();
  });

  it('refuses a non-participant and a sender who is not the token user with 403', async () => {
    const outsider = await post('/api/v1/message/rest/send', sendBody(), broker.issueToken(AGENT2.uid));
    expect(outsider).toMatchObject({ status: 403, body: { code: 403 } });
    const impostor = await post('/api/v1/message/rest/send', sendBody(), broker.issueToken(AGENT.uid));
    expect(impostor).toMatchObject({ status: 403, body: { code: 403 } });
    const self = await post('/api/v1/message/rest/send', sendBody(), broker.issueToken(VISITOR.uid));
    expect(self.body.code).toBe(200);
  });

  it('lets a known visitor of the thread send without a token, nobody else', async () => {
    const ok = await post('/visitor/api/v1/visitor/message/send', sendBody());
    expect(ok.body.code).toBe(200);
    const asAgent = await post(
      '/visitor/api/v1/message/send',
      sendBody(textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } })),
    );
    expect(asAgent.body.code).toBe(403);
    const strangerVisitor = await post(
      '/visitor/api/v1/visitor/message/send',
      sendBody(textMessage({ user: { uid: 'visitor_demo2', type: 'VISITOR' } })),
    );
    expect(strangerVisitor.body.code).toBe(403);
  });

  it('lets only participants read history', async () => {
    expect((await get(topicQuery(), broker.issueToken(AGENT2.uid))).body.code).toBe(403);
    expect((await get(topicQuery(), broker.issueToken(AGENT.uid))).body.code).toBe(200);
  });
});
