/**
 * TLS over a real `wss://` aedes broker with certificates made for the test by the openssl CLI:
 * an untrusted certificate is a `tls` error that no retry can fix, the same certificate trusted
 * through `ca` connects, and turning verification off is said out loud.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionState, createChatClient } from '@weiyu/core';
import { createRecordingLogger } from '@weiyu/core/testing';
import { type AedesServer, type AedesServerTls, rejection, startAedesServer } from '@weiyu/transport-contract';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyMqttError } from './classify-error.js';
import { createMqttTransport, type MqttTransport } from './index.js';
import { nodePlatform } from './platform.node.js';

const USER = { clientId: 'u1/WEB/device1', username: 'alice', password: 'token-alice' };

let dir = '';
/** A self-signed certificate for 127.0.0.1. */
let trusted: AedesServerTls;
/** A self-signed certificate for another host name only. */
let otherHost: AedesServerTls;
let broker: AedesServer | undefined;
const transports: MqttTransport[] = [];

/** A self-signed P-256 certificate valid for a day with this subjectAltName. */
async function selfSigned(name: string, altName: string): Promise<AedesServerTls> {
  const key = join(dir, `${name}-key.pem`);
  const cert = join(dir, `${name}-cert.pem`);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=weiyu-${name}`],
      ...['-addext', `subjectAltName=${altName}`],
    ],
    { stdio: 'pipe' },
  );
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weiyu-tls-'));
  trusted = await selfSigned('local', 'IP:127.0.0.1');
  otherHost = await selfSigned('other', 'DNS:chat.example.invalid');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await broker?.close();
  broker = undefined;
});

async function startWss(tls: AedesServerTls): Promise<AedesServer> {
  broker = await startAedesServer({}, tls);
  return broker;
}

function transport(options: Parameters<typeof createMqttTransport>[0]): MqttTransport {
  const t = createMqttTransport({ connectTimeoutMs: 5_000, ...options });
  transports.push(t);
  return t;
}

describe('TLS', () => {
  it('refuses a certificate it does not trust with a tls error that is not retryable', async () => {
    const b = await startWss(trusted);
    const t = transport({ url: b.url });
    const events: unknown[] = [];
    t.on((event) => events.push(event));
    const error = await rejection(t.connect(USER));
    expect(error.code).toBe('tls');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(error.message).toContain(b.url);
    expect(error.message).toMatch(/certificate .*not trusted.*`ca`/);
    expect(t.isConnected()).toBe(false);
    expect(b.connects).toEqual([]);
    expect(events).toEqual([]);
  });

  it('stops a chat client at failed (tls) after one attempt instead of retrying a bad certificate forever', async () => {
    const b = await startWss(trusted);
    const client = createChatClient({
      user: { uid: 'u1' },
      auth: { username: 'alice', accessToken: 'token-alice' },
      realtime: transport({ url: b.url }),
      timing: { reconnectBaseMs: 10, reconnectMaxMs: 20 },
    });
    const states: ConnectionState[] = [];
    client.on('connection', (state) => states.push(state));
    try {
      await client.connect();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const state = client.state;
      expect(state.status).toBe('failed');
      expect(state.status === 'failed' ? state.error.code : undefined).toBe('tls');
      expect(states.filter((s) => s.status === 'connecting')).toHaveLength(1);
      expect(states.some((s) => s.status === 'reconnecting')).toBe(false);
    } finally {
      await client.dispose();
    }
  });

  it('connects to the same certificate once it is passed in ca, and carries messages', async () => {
    const b = await startWss(trusted);
    const t = transport({ url: b.url, ca: trusted.cert });
    expect(await t.connect(USER)).toEqual({ sessionPresent: false });
    await t.subscribe(['user/u1'], 1);
    const received = new Promise<Uint8Array>((resolve) =>
      t.on((event) => {
        if (event.type === 'message') resolve(event.payload);
      }),
    );
    await t.publish('user/u1', new Uint8Array([1, 2, 3]), 1);
    expect([...(await received)]).toEqual([1, 2, 3]);
  });

  it('refuses a trusted certificate made for another host', async () => {
    const b = await startWss(otherHost);
    const error = await rejection(transport({ url: b.url, ca: otherHost.cert }).connect(USER));
    expect(error.code).toBe('tls');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('calls wss:// to a server without TLS a failed TLS handshake', async () => {
    const plain = await startAedesServer();
    broker = plain;
    const url = plain.url.replace('ws://', 'wss://');
    const error = await rejection(transport({ url }).connect(USER));
    expect(error.code).toBe('tls');
    expect(error.message).toContain('handshake');
  });

  it('warns through the logger when rejectUnauthorized is false, and connects to any certificate', async () => {
    const b = await startWss(trusted);
    const logger = createRecordingLogger();
    const t = transport({ url: b.url, rejectUnauthorized: false, logger });
    const warnings = logger.lines.filter((line) => line.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rejectUnauthorized is false.*not verified/);
    await t.connect(USER);
    expect(t.isConnected()).toBe(true);
  });

  it('warns on the console when there is no logger; never for ws:// or with verification on', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    createMqttTransport({ url: 'wss://127.0.0.1:1/websocket', rejectUnauthorized: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/rejectUnauthorized is false/);
    createMqttTransport({ url: 'ws://127.0.0.1:1/websocket', rejectUnauthorized: false });
    createMqttTransport({ url: 'wss://127.0.0.1:1/websocket' });
    createMqttTransport({ url: 'wss://127.0.0.1:1/websocket', ca: trusted.cert });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('refuses a ca that is not PEM certificates', () => {
    for (const ca of ['/etc/ssl/dev-ca.pem', '', []]) {
      expect(() => createMqttTransport({ url: 'wss://127.0.0.1:1/websocket', ca })).toThrow(/ca must be PEM/);
    }
    expect(
      createMqttTransport({ url: 'wss://127.0.0.1:1/websocket', ca: [trusted.cert, otherHost.cert] }),
    ).toBeDefined();
  });

  it('classifies every certificate failure Node reports as tls, whatever its code says', () => {
    const url = 'wss://chat.example.com/websocket';
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'CERT_HAS_EXPIRED',
      'HOSTNAME_MISMATCH',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]) {
      const classified = classifyMqttError(
        Object.assign(new Error('verify failed'), { code }),
        url,
        nodePlatform.classifyError,
      );
      expect([code, classified.code, classified.retryable]).toEqual([code, 'tls', false]);
    }
    const reset = classifyMqttError(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      url,
      nodePlatform.classifyError,
    );
    expect(reset.code).toBe('network');
  });
});
