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

describe('mock broker: REST', () => {
  let broker: MockBroker;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await broker.close();
  });

  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${broker.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope };
  };
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${broker.httpUrl}${path}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Envelope };
  };
  const sendBody = (message = textMessage()) => ({ json: JSON.stringify(toRestJson(message)), client: 'WEB' });

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

  it('answers a wrong password with HTTP 200 and code 400', async () => {
    const { status, body } = await post('/auth/v1/login', { username: 'agent', password: 'nope' });
    expect(status).toBe(200);
    expect(body.code).toBe(400);
    expect(body.message).toContain('用户名或密码错误');
    expect(body.data).toBeNull();
  });

  it('sends a message: envelope with the stored message, and the MQTT echo follows', async () => {
    const agent = await connectAs(broker, AGENT);
    await agent.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const token = broker.issueToken(VISITOR.uid);
    const message = textMessage();
    const { status, body } = await post('/api/v1/message/rest/send', sendBody(message), token);
    expect(status).toBe(200);
    expect(body.code).toBe(200);
    expect(body.data).toMatchObject({ uid: message.uid, status: 'SUCCESS', content: 'hello' });
    const echo = await agent.waitFor(byUid(message.uid ?? ''));
    expect(echo.message?.status).toBe('SUCCESS');
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([message.uid]);
    await agent.end();
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

  it('refuses a non-participant with 403', async () => {
    const { status, body } = await post('/api/v1/message/rest/send', sendBody(), broker.issueToken(AGENT2.uid));
    expect(status).toBe(403);
    expect(body.code).toBe(403);
  });

  it('answers an invalid message with HTTP 200, code 500, data null', async () => {
    const token = broker.issueToken(VISITOR.uid);
    const noThread = await post('/api/v1/message/rest/send', sendBody(textMessage({ thread: undefined })), token);
    expect(noThread.status).toBe(200);
    expect(noThread.body).toMatchObject({ code: 500, data: null });
    const notJson = await post('/api/v1/message/rest/send', { json: '{oops', client: 'WEB' }, token);
    expect(notJson.body).toMatchObject({ code: 500, data: null });
  });

  it('lets a known visitor send without a token, nobody else', async () => {
    const ok = await post('/visitor/api/v1/message/send', sendBody());
    expect(ok.body.code).toBe(200);
    const asAgent = await post(
      '/visitor/api/v1/message/send',
      sendBody(textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } })),
    );
    expect(asAgent.body.code).toBe(403);
    const strangerVisitor = await post(
      '/visitor/api/v1/message/send',
      sendBody(textMessage({ user: { uid: 'visitor_demo2', type: 'VISITOR' } })),
    );
    expect(strangerVisitor.body.code).toBe(403);
  });

  it('takes visitors on the current endpoint too (/visitor/api/v1/visitor/message/send)', async () => {
    const ok = await post('/visitor/api/v1/visitor/message/send', sendBody());
    expect(ok.body.code).toBe(200);
  });

  it('pages history newest first in the Spring page shape', async () => {
    const token = broker.issueToken(AGENT.uid);
    const uids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const message = textMessage({ uid: `m${i}-${randomUUID()}`, content: `n${i}` });
      uids.push(message.uid ?? '');
      await post('/api/v1/message/rest/send', sendBody(message), token);
    }
    const topic = encodeURIComponent(THREAD_TOPIC);
    const first = await get(`/api/v1/message/query/topic?topic=${topic}&pageNumber=0&pageSize=2`, token);
    expect(first.body.code).toBe(200);
    const page = first.body.data as {
      content: Array<{ uid: string }>;
      totalElements: number;
      totalPages: number;
      number: number;
      size: number;
      last: boolean;
    };
    expect(page.content.map((m) => m.uid)).toEqual([uids[4], uids[3]]);
    expect(page).toMatchObject({ totalElements: 5, totalPages: 3, number: 0, size: 2, last: false });
    const last = await get(`/api/v1/message/query/topic?topic=${topic}&pageNumber=2&pageSize=2`, token);
    expect(last.body.data).toMatchObject({ content: [{ uid: uids[0] }], number: 2, last: true });
    const stranger = await get(`/api/v1/message/query/topic?topic=${topic}`, broker.issueToken(AGENT2.uid));
    expect(stranger.body.code).toBe(403);
    const anonymous = await get(`/api/v1/message/query/topic?topic=${topic}`);
    expect(anonymous.status).toBe(401);
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
