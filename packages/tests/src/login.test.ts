/**
 * A wrong password (HTTP 200 `{code: -1}`) locks the account after 3 tries on the real server:
 * nothing may try a login again by itself, neither the REST transport nor the chat client that
 * asks a token provider which logs in. Counted on a real HTTP server on 127.0.0.1.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatClient, SdkError } from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { describe, expect, test } from 'vitest';
import { TEST_TIMING } from './harness/client.js';
import { freePort } from './harness/ports.js';
import { settle, waitFor } from './harness/wait.js';

/** A login endpoint that refuses every password as the real server does, counting requests. */
async function refusingLoginServer(): Promise<{ url: string; logins: () => number } & AsyncDisposable> {
  let logins = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/auth/v1/login') logins += 1;
      const left = Math.max(0, 3 - logins);
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code: -1, message: `用户名或密码错误，还可尝试${left}次`, data: false }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logins: () => logins,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a wrong password makes exactly one login request', () => {
  test('the REST transport: bad_credentials, not retryable, one request', async () => {
    await using server = await refusingLoginServer();
    const rest = createHttpTransport({ baseUrl: server.url });
    const error = await rest.login('agent', 'wrong').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe('bad_credentials');
    expect((error as SdkError).retryable).toBe(false);
    expect(server.logins()).toBe(1);
  });

  test('a chat client whose token provider logs in stops at auth-failed after one login', async () => {
    await using server = await refusingLoginServer();
    const rest = createHttpTransport({ baseUrl: server.url });
    // Nothing listens there: the client must never get that far.
    const realtime = createMqttTransport({ url: `ws://127.0.0.1:${await freePort()}/websocket` });
    const client = createChatClient({
      user: { uid: 'agent_demo' },
      realtime,
      rest,
      auth: {
        username: 'agent',
        getToken: async () => (await rest.login('agent', 'wrong')).accessToken,
      },
      timing: TEST_TIMING,
    });
    try {
      await client.connect().catch(() => {});
      const state = await waitFor(() => (client.state.status === 'auth-failed' ? client.state : undefined), {
        message: 'state auth-failed',
      });
      expect(state.error.code).toBe('bad_credentials');
      // Longer than the reconnect backoff: no attempt may follow.
      await settle((TEST_TIMING.reconnectMaxMs ?? 1_000) * 2);
      expect(server.logins()).toBe(1);
      expect(client.state.status).toBe('auth-failed');
    } finally {
      await client.dispose();
    }
  });
});
