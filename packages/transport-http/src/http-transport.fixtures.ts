/** Test helpers of this package: a real HTTP server on 127.0.0.1 and a sample message. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SdkError } from '@weiyu/core';
import { normalizeMessage, type WireMessage } from '@weiyu/protocol';
import { expect } from 'vitest';

/** One request as the server received it. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers one recorded request. */
export type Handler = (req: Recorded, res: ServerResponse) => void;

/** A server started by {@link serve}, with what it saw. */
export interface Served {
  readonly baseUrl: string;
  readonly requests: Recorded[];
  /** How many of its connections the client (or anything) closed so far. */
  readonly closedSockets: () => number;
  close(): Promise<void>;
}

const servers = new Set<Server>();

/** A real HTTP server on 127.0.0.1 (free port) that records each request and answers with `handler`. */
export async function serve(handler: Handler): Promise<Served> {
  const requests: Recorded[] = [];
  let closedSockets = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  server.on('connection', (socket) => socket.on('close', () => closedSockets++));
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    closedSockets: () => closedSockets,
    close: () => closeServer(server),
  };
}

/** Closes every server {@link serve} started (for `afterEach`). */
export async function closeServers(): Promise<void> {
  await Promise.all([...servers].map(closeServer));
}

async function closeServer(server: Server): Promise<void> {
  if (!servers.delete(server)) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** A handler answering `body` as JSON with `status`. */
export function json(status: number, body: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
}

/** The SdkError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SdkError);
    return error as SdkError;
  }
  throw new Error('expected a rejection');
}

/** A complete TEXT message as core hands it to the transport. */
export const MESSAGE: WireMessage = normalizeMessage({
  uid: '0123456789abcdef0123456789abcdef',
  type: 'TEXT',
  content: 'hello',
  status: 'SENDING',
  createdAt: '2024-05-01 10:00:00',
  channel: 'WEB',
  extra: '{"orgUid":"org1"}',
  thread: { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT', state: 'CHATTING', channel: 'WEB' },
  user: { uid: 'v1', nickname: 'Visitor', avatar: '', type: 'VISITOR' },
});
