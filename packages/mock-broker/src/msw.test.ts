import { toRestJson } from '@weiyu/protocol';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMswHandlers, MockServerState } from './msw.js';
import { THREAD_TOPIC, textMessage } from './testing/helpers.js';
import { VISITOR } from './testing/index.js';

const BASE = 'http://weiyu.mock.test/base';

interface Envelope {
  code: number;
  message: string;
  data: unknown;
}

describe('MSW handlers', () => {
  const state = new MockServerState({ historyLagMs: 0 });
  const echoes: string[] = [];
  state.onEcho((topic, message) => echoes.push(`${topic} ${message.uid}`));
  const server = setupServer(...createMswHandlers({ baseUrl: BASE, state }));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => state.resetFaults());
  afterAll(() => server.close());

  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await fetch(`${BASE}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Envelope, headers: response.headers };
  };
  const login = async () => {
    const { body } = await call('POST', '/auth/v1/login', { username: VISITOR.username, password: VISITOR.password });
    return (body.data as { accessToken: string }).accessToken;
  };

  it('logs in, sends, and lists history like the server', async () => {
    const token = await login();
    const message = textMessage();
    const json = JSON.stringify(toRestJson(message));
    const sent = await call('POST', '/api/v1/message/rest/send', { json, client: 'WEB' }, token);
    expect(sent.status).toBe(200);
    expect(sent.headers.get('access-control-allow-origin')).toBe('*');
    expect(sent.body).toEqual({ code: 200, message: 'success', data: json });
    expect(echoes).toContain(`${THREAD_TOPIC} ${message.uid}`);
    const page = await call(
      'GET',
      `/api/v1/message/query/topic?topic=${encodeURIComponent(THREAD_TOPIC)}&pageNumber=0&pageSize=10`,
      undefined,
      token,
    );
    expect(page.body.data).toMatchObject({ content: [{ uid: message.uid }], totalElements: 1, number: 0 });
    expect(state.history(THREAD_TOPIC)).toHaveLength(1);
  });

  it('answers a wrong login with code -1 and a missing token with 401', async () => {
    const wrong = await call('POST', '/auth/v1/login', { username: 'visitor', password: 'x' });
    expect(wrong).toMatchObject({ status: 200, body: { code: -1, data: false } });
    const anonymous = await call('POST', '/api/v1/message/rest/send', { json: '{}' });
    expect(anonymous).toMatchObject({ status: 401, body: { code: 401, message: 'unauthorized', data: null } });
  });

  it('lets a visitor send without a token', async () => {
    const sent = await call('POST', '/visitor/api/v1/visitor/message/send', {
      json: JSON.stringify(toRestJson(textMessage())),
    });
    expect(sent.body.code).toBe(200);
  });

  it('applies REST faults from the shared state', async () => {
    state.setRestFault({ code: 500, message: 'nope' });
    const failed = await call('POST', '/visitor/api/v1/message/send', {
      json: JSON.stringify(toRestJson(textMessage())),
    });
    expect(failed).toMatchObject({ status: 200, body: { code: 500, message: 'nope', data: null } });
  });
});
