import { SdkError } from '@weiyu/core';
import { createRecordingLogger } from '@weiyu/core/testing';
import { toRestJson } from '@weiyu/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, json, MESSAGE, rejection, serve } from './http-transport.fixtures.js';
import { createHttpTransport, LEGACY_VISITOR_SEND_PATH, VISITOR_SEND_PATH } from './index.js';

afterEach(closeServers);

const TOKEN = 'secret-token-123';

describe('createHttpTransport', () => {
  it('refuses a baseUrl that is not an absolute http(s) URL, and trims trailing slashes', () => {
    for (const baseUrl of ['api.example.com', '/api', 'ws://127.0.0.1:9003', '']) {
      const error = (() => {
        try {
          createHttpTransport({ baseUrl });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SdkError);
      expect((error as SdkError).code).toBe('invalid_argument');
    }
    expect(createHttpTransport({ baseUrl: 'http://127.0.0.1:9003//' }).baseUrl).toBe('http://127.0.0.1:9003');
    // Secrets in a baseUrl would reach error messages (fetch names the whole URL when it refuses one).
    for (const baseUrl of [
      'http://user:s3cret@127.0.0.1:9003',
      'http://127.0.0.1:9003/?token=s3cret',
      'api?token=s3cret',
    ]) {
      expect(() => createHttpTransport({ baseUrl })).toThrow(SdkError);
      expect(() => createHttpTransport({ baseUrl })).not.toThrow(/s3cret/);
    }
    expect(createHttpTransport({ baseUrl: 'https://x.example/prefix/' }).baseUrl).toBe('https://x.example/prefix');
  });

  it('sends a message as {json, client} with the bearer token and returns the echo', async () => {
    const echoed = { ...toRestJson(MESSAGE), status: 'SUCCESS', createdAt: '2024-05-01 10:00:01' };
    const { baseUrl, requests } = await serve(json(200, { code: 200, message: 'ok', data: JSON.stringify(echoed) }));
    const rest = createHttpTransport({ baseUrl: `${baseUrl}/` });
    const result = await rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' });

    expect(result).toEqual({ ...MESSAGE, status: 'SUCCESS', createdAt: '2024-05-01 10:00:01' });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/v1/message/rest/send');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request?.body ?? '') as { json: string; client: string };
    expect(body.client).toBe('WEB');
    expect(JSON.parse(body.json)).toEqual(toRestJson(MESSAGE));
  });

  it('resolves undefined when the send answer carries no message', async () => {
    const { baseUrl } = await serve(json(200, { code: 200, message: 'ok', data: null }));
    const rest = createHttpTransport({ baseUrl });
    expect(await rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' })).toBeUndefined();
  });

  it("accepts the real server's send answer: the posted JSON string, verbatim", async () => {
    const { baseUrl } = await serve((req, res) => {
      const posted = (JSON.parse(req.body) as { json: string }).json;
      json(200, { code: 200, message: 'success', data: posted })(req, res);
    });
    const result = await createHttpTransport({ baseUrl }).sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' });
    // Nothing processed: still SENDING, our own createdAt. Only the realtime echo confirms.
    expect(result).toEqual(MESSAGE);
  });

  it('uses the current visitor endpoint without Authorization when there is no token', async () => {
    const { baseUrl, requests } = await serve(json(200, { code: 200, message: 'ok', data: toRestJson(MESSAGE) }));
    const rest = createHttpTransport({ baseUrl });
    const result = await rest.sendMessage(MESSAGE, { channel: 'WEB_VISITOR', visitor: true });
    expect(result?.uid).toBe(MESSAGE.uid);
    expect(requests[0]?.url).toBe('/visitor/api/v1/visitor/message/send');
    expect(requests[0]?.url).toBe(VISITOR_SEND_PATH);
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(requests[0]?.body ?? '')).toMatchObject({ client: 'WEB_VISITOR' });
    // A visitor's token (a stand-in where the server issues none) never goes to the endpoints that take no login.
    await rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB_VISITOR', visitor: true });
    await rest
      .queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }, { accessToken: TOKEN, visitor: true })
      .catch(() => {});
    expect(requests.slice(1).map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
    expect(requests[2]?.url).toBe('/visitor/api/v1/message/thread/topic?threadTopic=t&pageNumber=0&pageSize=1');
  });

  it('sends visitors to the path given in the options (an older server), and refuses one that is no path', async () => {
    const { baseUrl, requests } = await serve(json(200, { code: 200, message: 'ok', data: null }));
    const rest = createHttpTransport({ baseUrl, visitorSendPath: LEGACY_VISITOR_SEND_PATH });
    await rest.sendMessage(MESSAGE, { channel: 'WEB_VISITOR', visitor: true });
    await rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' });
    expect(requests.map((r) => r.url)).toEqual(['/visitor/api/v1/message/send', '/api/v1/message/rest/send']);
    for (const visitorSendPath of ['visitor/send', 'http://other.example/send', '/send?x=1', '']) {
      expect(() => createHttpTransport({ baseUrl, visitorSendPath })).toThrow(SdkError);
    }
  });

  it("turns another envelope code into server_error carrying the server's message", async () => {
    const { baseUrl } = await serve(json(200, { code: 500, message: '消息内容不能为空', data: null }));
    const error = await rejection(createHttpTransport({ baseUrl }).sendMessage(MESSAGE, { channel: 'WEB' }));
    expect(error.code).toBe('server_error');
    expect(error.message).toBe('消息内容不能为空');
    expect(error.details).toEqual({ code: 500, status: 200 });
    expect(error.retryable).toBe(false);
  });

  it('maps HTTP 401 to unauthenticated and 403 to not_authorized, never echoing the token', async () => {
    let status = 401;
    const { baseUrl } = await serve((_req, res) =>
      json(status, { code: status, message: 'nope', data: null })(_req, res),
    );
    const logger = createRecordingLogger();
    const rest = createHttpTransport({ baseUrl, logger });
    const unauthenticated = await rejection(rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' }));
    expect(unauthenticated.code).toBe('unauthenticated');
    expect(unauthenticated.details).toMatchObject({ status: 401 });
    status = 403;
    const forbidden = await rejection(
      rest.queryTopic({ topic: 't', pageNumber: 0, pageSize: 10 }, { accessToken: TOKEN }),
    );
    expect(forbidden.code).toBe('not_authorized');
    for (const text of [
      unauthenticated.message,
      forbidden.message,
      JSON.stringify(forbidden.details),
      ...logger.lines,
    ]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  it('reads an auth code inside an HTTP 200 envelope as the auth failure it is', async () => {
    let code = 401;
    const { baseUrl } = await serve((_req, res) =>
      json(200, { code, message: 'token expired', data: null })(_req, res),
    );
    const rest = createHttpTransport({ baseUrl });
    const expired = await rejection(rest.sendMessage(MESSAGE, { accessToken: TOKEN, channel: 'WEB' }));
    expect([expired.code, expired.message]).toEqual(['unauthenticated', 'token expired']);
    expect(expired.details).toEqual({ status: 200, code: 401 });
    code = 403;
    const forbidden = await rejection(
      rest.queryTopic({ topic: 't', pageNumber: 0, pageSize: 10 }, { accessToken: TOKEN }),
    );
    expect(forbidden.code).toBe('not_authorized');
  });

  it('maps another non-2xx status to http_error with the status', async () => {
    const { baseUrl } = await serve((_req, res) => res.writeHead(502).end('<html>Bad Gateway</html>'));
    const error = await rejection(createHttpTransport({ baseUrl }).sendMessage(MESSAGE, { channel: 'WEB' }));
    expect(error.code).toBe('http_error');
    expect(error.details).toMatchObject({ status: 502 });
    expect(error.retryable).toBe(true);
  });

  it('maps a body that is not JSON, or JSON without the envelope, to protocol', async () => {
    let body = 'not json at all';
    const { baseUrl } = await serve((_req, res) => res.writeHead(200).end(body));
    const rest = createHttpTransport({ baseUrl });
    expect((await rejection(rest.sendMessage(MESSAGE, { channel: 'WEB' }))).code).toBe('protocol');
    body = JSON.stringify({ uid: 'x', content: 'no envelope' });
    expect((await rejection(rest.sendMessage(MESSAGE, { channel: 'WEB' }))).code).toBe('protocol');
    body = JSON.stringify({ code: 200, message: 'ok', data: { content: 'not a page' } });
    const page = await rejection(rest.queryTopic({ topic: 't', pageNumber: 0, pageSize: 10 }));
    expect(page.code).toBe('protocol');
  });

  it('times out a server that never answers', async () => {
    const { baseUrl } = await serve(() => {});
    const error = await rejection(
      createHttpTransport({ baseUrl, timeoutMs: 100 }).sendMessage(MESSAGE, { channel: 'WEB' }),
    );
    expect(error.code).toBe('timeout');
  });

  it('times out a server that sends headers and then stalls', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"code":200,');
    });
    const error = await rejection(
      createHttpTransport({ baseUrl, timeoutMs: 100 }).queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }),
    );
    expect(error.code).toBe('timeout');
  });

  it('keeps the deadline when fetch ignores the signal: no answer, or headers then a stalled body', async () => {
    // A fetch that drops the signal, on real sockets: only the transport's own race can end these.
    const deaf: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, { ...init, signal: null });
    const stalled = await serve((req, res) => {
      if (req.url.startsWith('/api/v1/message/query/topic')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"code":200,');
      }
      // Anything else: never answered.
    });
    const rest = createHttpTransport({ baseUrl: stalled.baseUrl, timeoutMs: 50, fetch: deaf });
    const started = Date.now();
    expect((await rejection(rest.sendMessage(MESSAGE, { channel: 'WEB' }))).code).toBe('timeout');
    expect((await rejection(rest.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }))).code).toBe('timeout');
    // Neither server ever answers: only the 50 ms deadlines end the calls (wide: CI machines are shared).
    expect(Date.now() - started).toBeLessThan(5_000);

    // The same without any socket: a fetch that never settles, a body whose text() never resolves.
    const never = createHttpTransport({
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 50,
      fetch: () => new Promise(() => {}),
    });
    expect((await rejection(never.sendMessage(MESSAGE, { channel: 'WEB' }))).code).toBe('timeout');
    const silentBody = createHttpTransport({
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 50,
      fetch: async () => new Response(new ReadableStream({ start() {} }), { status: 200 }),
    });
    expect((await rejection(silentBody.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }))).code).toBe('timeout');
  });

  it("rejects with closed when the caller's signal aborts, even if fetch ignores it", async () => {
    const rest = createHttpTransport({
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 5_000,
      fetch: () => new Promise(() => {}),
    });
    const controller = new AbortController();
    const pending = rest.sendMessage(MESSAGE, { channel: 'WEB', signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect((await rejection(pending)).code).toBe('closed');
  });

  it("rejects with closed when the caller's signal aborts", async () => {
    const { baseUrl } = await serve(() => {});
    const rest = createHttpTransport({ baseUrl, timeoutMs: 5_000 });
    const controller = new AbortController();
    const pending = rest.sendMessage(MESSAGE, { channel: 'WEB', signal: controller.signal });
    controller.abort();
    expect((await rejection(pending)).code).toBe('closed');
    expect((await rejection(rest.sendMessage(MESSAGE, { channel: 'WEB', signal: controller.signal }))).code).toBe(
      'closed',
    );
  });

  it('classifies a refused port as connection_refused (retryable)', async () => {
    const { baseUrl, close } = await serve(() => {});
    await close();
    const error = await rejection(createHttpTransport({ baseUrl }).sendMessage(MESSAGE, { channel: 'WEB' }));
    expect(error.code).toBe('connection_refused');
    expect(error.retryable).toBe(true);
  });

  it('classifies a failing custom fetch without a socket code as network', async () => {
    const rest = createHttpTransport({
      baseUrl: 'http://127.0.0.1:9',
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    const error = await rejection(rest.sendMessage(MESSAGE, { channel: 'WEB' }));
    expect(error.code).toBe('network');
  });

  it('queries history and converts the Spring page, skipping entries that do not decode', async () => {
    const older = { ...toRestJson(MESSAGE), uid: 'older', createdAt: 1714528800000, updatedAt: '2024-05-01 10:00:05' };
    const { baseUrl, requests } = await serve(
      json(200, {
        code: 200,
        message: 'ok',
        data: {
          content: [toRestJson(MESSAGE), { content: 'no uid' }, older],
          totalElements: 23,
          totalPages: 3,
          number: 1,
          size: 10,
          last: false,
        },
      }),
    );
    const logger = createRecordingLogger();
    const rest = createHttpTransport({ baseUrl, logger });
    const page = await rest.queryTopic(
      { topic: 'org/agent/a1/v1', pageNumber: 1, pageSize: 10 },
      { accessToken: TOKEN },
    );

    expect(requests[0]?.method).toBe('GET');
    const url = new URL(requests[0]?.url ?? '', baseUrl);
    expect(url.pathname).toBe('/api/v1/message/query/topic');
    expect(Object.fromEntries(url.searchParams)).toEqual({ topic: 'org/agent/a1/v1', pageNumber: '1', pageSize: '10' });
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    expect(page).toMatchObject({ pageNumber: 1, pageSize: 10, totalPages: 3, totalElements: 23, last: false });
    expect(page.messages.map((m) => m.uid)).toEqual([MESSAGE.uid, 'older']);
    expect(page.messages[1]?.createdAt).toBe('1714528800000');
    // When the server last changed it (history's order): catch-up decides by it where a gap ends.
    expect(page.messages.map((m) => m.updatedAt)).toEqual(['', '2024-05-01 10:00:05']);
    expect(logger.lines.some((line) => line.includes('skipped an entry of history'))).toBe(true);
  });

  it('derives last when the page omits it', async () => {
    const { baseUrl } = await serve(
      json(200, {
        code: 200,
        message: 'ok',
        data: { content: [], totalElements: 0, totalPages: 0, number: 0, size: 20 },
      }),
    );
    const page = await createHttpTransport({ baseUrl }).queryTopic({ topic: 't', pageNumber: 0, pageSize: 20 });
    expect(page).toEqual({ messages: [], pageNumber: 0, pageSize: 20, totalPages: 0, totalElements: 0, last: true });
  });

  it('logs in and returns the token and user; never logs the password', async () => {
    const { baseUrl, requests } = await serve(
      json(200, {
        code: 200,
        message: 'ok',
        data: { accessToken: 'fresh-token', user: { uid: 'u1', username: 'alice', nickname: 'Alice', extra: 1 } },
      }),
    );
    const logger = createRecordingLogger();
    const rest = createHttpTransport({ baseUrl, logger });
    const result = await rest.login('alice', 'pa55word', { platform: 'WEIYU' });
    expect(result).toEqual({ accessToken: 'fresh-token', user: { uid: 'u1', username: 'alice', nickname: 'Alice' } });
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url).toBe('/auth/v1/login');
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ username: 'alice', password: 'pa55word', platform: 'WEIYU' });
    for (const line of logger.lines) {
      expect(line).not.toContain('pa55word');
      expect(line).not.toContain('fresh-token');
    }
  });

  it('turns a refused login into bad_credentials, and a login without a token into protocol', async () => {
    let reply: { status: number; body: unknown } = {
      status: 401,
      body: { code: 401, message: '密码错误', data: null },
    };
    const { baseUrl } = await serve((req, res) => json(reply.status, reply.body)(req, res));
    const rest = createHttpTransport({ baseUrl });
    const refused = await rejection(rest.login('alice', 'wrong'));
    expect(refused.code).toBe('bad_credentials');
    expect(refused.message).toBe('密码错误');
    expect(refused.message).not.toContain('wrong');

    reply = { status: 200, body: { code: 200, message: 'ok', data: { user: { uid: 'u1' } } } };
    expect((await rejection(rest.login('alice', 'pw'))).code).toBe('protocol');

    reply = { status: 200, body: { code: 400, message: '用户不存在', data: null } };
    const serverError = await rejection(rest.login('alice', 'pw'));
    expect(serverError.code).toBe('server_error');
    expect(serverError.message).toBe('用户不存在');
  });
  it('turns a wrong password (HTTP 200, code -1) into bad_credentials after exactly one request', async () => {
    let left = 2;
    const { baseUrl, requests } = await serve((req, res) => {
      const message = left > 0 ? `用户名或密码错误，还可尝试${left}次` : '账号已锁定，请10分钟后再试';
      left -= 1;
      json(200, { code: -1, message, data: false })(req, res);
    });
    const rest = createHttpTransport({ baseUrl });
    const refused = await rejection(rest.login('alice', 'wrong'));
    expect(requests).toHaveLength(1);
    expect(refused.code).toBe('bad_credentials');
    expect(refused.retryable).toBe(false);
    expect(refused.message).toBe('用户名或密码错误，还可尝试2次');
    expect(refused.details).toMatchObject({ status: 200, code: -1, attemptsLeft: 2 });
    // Each call is one request; the lock message is a refusal too, without a count.
    await rejection(rest.login('alice', 'wrong'));
    const locked = await rejection(rest.login('alice', 'wrong'));
    expect(requests).toHaveLength(3);
    expect(locked.code).toBe('bad_credentials');
    expect(locked.details.attemptsLeft).toBeUndefined();
  });
});
