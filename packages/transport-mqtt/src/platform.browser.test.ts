/**
 * The browser build (package.json's `browser` condition) leaves Node's error classification and
 * write coalescing out: for every error a browser can see, its classifier gives what the Node
 * build gives, and its transport fails and connects over mqtt.js's browser stream as the Node
 * build's does.
 */
import { SdkError } from '@weiyu/core';
import { type AedesServer, rejection, startAedesServer } from '@weiyu/transport-contract';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyMqttError } from './classify-error.js';
import { createMqttTransport as createForBrowser } from './index.browser.js';
import { createMqttTransport as createForNode, type MqttTransport } from './index.js';
import { browserPlatform } from './platform.browser.js';
import { nodePlatform } from './platform.node.js';
import { createFakeSocketApi } from './testing/fake-socket-api.js';
import { createMqttTransport as createWebForBrowser } from './web.browser.js';

const URL = 'wss://chat.example.com/websocket';
const USER = { clientId: 'u1/WEB/device1', username: 'alice', password: 'token-alice' };

/** What mqtt.js reports in a browser: its WebSocket's error, the broker's refusals, its timers, bad packets. */
const BROWSER_ERRORS: Array<[string, unknown]> = [
  ['a WebSocket that failed', Object.assign(new Error('WebSocket error'), { event: { type: 'error' } })],
  ['CONNACK 4', Object.assign(new Error('Connection refused: Bad username or password'), { code: 4 })],
  ['CONNACK 5', Object.assign(new Error('Connection refused: Not authorized'), { code: 5 })],
  ['CONNACK 3', Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 })],
  ['SUBACK 0x80', Object.assign(new Error('Subscribe error'), { packet: { granted: [0x80] } })],
  ['connack timeout', new Error('connack timeout')],
  ['keepalive timeout', new Error('Keepalive timeout')],
  ['a malformed packet', new Error('Invalid header flag bits, must be 0x0 for connack packet')],
  ['a stream closed under it', new Error('client disconnecting')],
  ['a string', 'something odd'],
  ['an SdkError already', new SdkError('closed', 'closed by the app')],
];

/** Only Node reports these: its socket codes, TLS and `ws`'s rejected upgrade. */
const NODE_ONLY_ERRORS: Array<[string, Error]> = [
  ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
  ['ENOTFOUND', Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' })],
  ['a certificate', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
  ['an HTTP 404 upgrade', new Error('Unexpected server response: 404')],
];

const outcome = (error: SdkError) => ({ code: error.code, message: error.message, details: error.details });

describe('the browser build’s error classification', () => {
  it.each(BROWSER_ERRORS)('gives what the Node build gives for %s', (_name, error) => {
    const browser = classifyMqttError(error, URL, browserPlatform.classifyError);
    const node = classifyMqttError(error, URL, nodePlatform.classifyError);
    expect(outcome(browser)).toEqual(outcome(node));
    expect(browser.cause).toStrictEqual(node.cause);
  });

  it('leaves Node’s socket, TLS and upgrade errors out (a browser never sees them)', () => {
    for (const [name, error] of NODE_ONLY_ERRORS) {
      expect(nodePlatform.classifyError(error, URL), name).toBeInstanceOf(SdkError);
      expect(browserPlatform.classifyError(error, URL), name).toBeUndefined();
      expect(classifyMqttError(error, URL, browserPlatform.classifyError).code, name).toBe('network');
    }
  });

  it('does not touch the stream (mqtt.js’s browser stream writes a tick as one frame already)', () => {
    const stream = { _write: () => {} } as { _write: () => void; _writev?: unknown };
    browserPlatform.prepareStream(stream);
    expect(stream._writev).toBeUndefined();
    nodePlatform.prepareStream(stream);
    expect(typeof stream._writev).toBe('function');
  });
});

describe('the browser build over mqtt.js’s browser stream (a mini-program socket, as a WebSocket)', () => {
  let broker: AedesServer | undefined;
  const transports: MqttTransport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await broker?.close();
    broker = undefined;
  });

  /** The same connection attempt on both builds' main entry, through a fake wx socket API. */
  async function onBoth(url: (ws: string) => string, user = USER): Promise<Array<SdkError | 'connected'>> {
    const results: Array<SdkError | 'connected'> = [];
    for (const create of [createForNode, createForBrowser]) {
      const t = create({ url: url(broker?.url ?? ''), socketApi: createFakeSocketApi() });
      transports.push(t);
      results.push(
        await t.connect(user).then(
          () => 'connected' as const,
          (error: SdkError) => error,
        ),
      );
    }
    return results;
  }

  it('connects, and fails a wrong path and bad credentials as the Node build does', async () => {
    broker = await startAedesServer({
      authenticate: (_client, username, _password, done) =>
        username === USER.username
          ? done(null, true)
          : done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), null),
    });
    const wx = (ws: string) => ws.replace(/^ws:/, 'wx:');
    expect(await onBoth(wx)).toEqual(['connected', 'connected']);
    const [nodeWrongPath, browserWrongPath] = await onBoth((ws) => wx(ws).replace('/websocket', '/mqtt'));
    expect(browserWrongPath).toBeInstanceOf(SdkError);
    expect(outcome(browserWrongPath as SdkError)).toEqual(outcome(nodeWrongPath as SdkError));
    expect((browserWrongPath as SdkError).code).toBe('connection_refused');
    const [nodeRefused, browserRefused] = await onBoth(wx, { ...USER, username: 'mallory' });
    expect(outcome(browserRefused as SdkError)).toEqual(outcome(nodeRefused as SdkError));
    expect((browserRefused as SdkError).code).toBe('bad_credentials');
  });

  it('/web of the browser build refuses a mini-program URL and takes ws(s):// as web.ts does', async () => {
    expect((await rejection(Promise.resolve().then(() => createWebForBrowser({ url: 'wx://x' })))).code).toBe(
      'invalid_argument',
    );
    expect(createWebForBrowser({ url: 'wss://chat.example.com' }).url).toBe(URL);
  });
});
