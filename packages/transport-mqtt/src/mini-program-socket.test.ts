/**
 * The transport in a WeChat / Alipay mini-program or uni-app, with a fake `wx` whose SocketTasks
 * are real WebSockets to a real broker (aedes). Every socket of this file is a mini-program one:
 * mqtt.js picks its set of stream builders once per process, at the first connect.
 */
import { createChatClient, createMiniProgramStore, SdkError } from '@weiyu/core';
import { createFakeMiniProgramStorage } from '@weiyu/core/testing';
import { type AedesServer, nextEvent, rejection, startAedesServer } from '@weiyu/transport-contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMqttTransport, type MqttTransport } from './index.js';
import { SocketTaskWebSocket } from './mini-program-socket.js';
import { createFakeSocketApi } from './testing/fake-socket-api.js';

const USER = { clientId: 'u1/WECHAT/device1', username: 'alice', password: 'token-alice' };

let broker: AedesServer | undefined;
const transports: MqttTransport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await broker?.close();
  broker = undefined;
  vi.unstubAllGlobals();
});

async function startBroker(): Promise<AedesServer> {
  broker = await startAedesServer();
  return broker;
}

function transport(options: Parameters<typeof createMqttTransport>[0]): MqttTransport {
  const t = createMqttTransport(options);
  transports.push(t);
  return t;
}

/** The broker's URL with a mini-program scheme in place of ws:. */
const as = (scheme: string, url: string) => url.replace(/^ws:/, `${scheme}:`);

describe('createMqttTransport in a mini-program', () => {
  it('connects over wx.connectSocket and moves binary payloads byte for byte', async () => {
    const b = await startBroker();
    const wx = createFakeSocketApi();
    vi.stubGlobal('wx', wx);
    const t = transport({ url: as('wx', b.url) });
    expect(t.url).toBe(as('wx', b.url));
    await t.connect(USER);
    expect(wx.opened).toEqual([{ url: b.url, protocols: ['mqtt'], multiple: true }]);
    expect(b.connects[0]?.clientId).toBe(USER.clientId);
    expect(b.connects[0]?.password?.toString()).toBe(USER.password);

    await t.subscribe(['org/agent/a1/v1'], 1);
    // A view into a larger buffer, a small payload and one near the server's packet limit.
    const payloads = [
      new Uint8Array([9, 8, 7, 6]).subarray(1, 3),
      new Uint8Array(256).map((_, i) => i),
      new Uint8Array(9_000).map((_, i) => (i * 31) % 256),
    ];
    for (const payload of payloads) {
      const received = nextEvent(t, 'message');
      await t.publish('org/agent/a1/v1', payload, 1);
      expect(await received).toEqual({ type: 'message', topic: 'org/agent/a1/v1', payload: new Uint8Array(payload) });
    }
    // WeChat takes only strings and ArrayBuffers, and a Buffer's `.buffer` would send its whole pool.
    expect(wx.refusedSends).toEqual([]);
    const publish = wx.sentFrames.find((frame) => frame[0] === 0x32 && frame.length > 9_000);
    expect(publish?.length).toBe(2 + 3 + 2 + 'org/agent/a1/v1'.length + 2 + 9_000 - 2);
  });

  it('opens wxs:// as wss:// through wx, and alis:// through my with multiple: true', async () => {
    const wx = createFakeSocketApi({ refuse: 'url not in domain list' });
    const my = createFakeSocketApi({ refuse: 'url not in domain list', taskOnlyWhenMultiple: true });
    vi.stubGlobal('wx', wx);
    vi.stubGlobal('my', my);
    const wechat = transport({ url: 'wxs://chat.example.com', connectTimeoutMs: 2_000 });
    expect(wechat.url).toBe('wxs://chat.example.com/websocket');
    expect((await rejection(wechat.connect(USER))).code).toBe('connection_refused');
    expect(wx.opened.map((o) => o.url)).toEqual(['wss://chat.example.com/websocket']);

    const alipay = transport({ url: 'alis://chat.example.com:8443/websocket', connectTimeoutMs: 2_000 });
    expect((await rejection(alipay.connect(USER))).code).toBe('connection_refused');
    expect(my.opened).toEqual([{ url: 'wss://chat.example.com:8443/websocket', protocols: ['mqtt'], multiple: true }]);
  });

  it('takes socketApi (uni) before any global, and refuses a mini-program URL with no socket API at all', async () => {
    const b = await startBroker();
    const wx = createFakeSocketApi();
    const uni = createFakeSocketApi({ taskOnlyWithCallback: true });
    vi.stubGlobal('wx', wx);
    const t = transport({ url: as('wx', b.url), socketApi: uni });
    await t.connect(USER);
    expect([uni.opened.length, wx.opened.length]).toEqual([1, 0]);

    vi.unstubAllGlobals();
    for (const url of ['wxs://chat.example.com/websocket', 'alis://chat.example.com/websocket']) {
      const error = (() => {
        try {
          createMqttTransport({ url });
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SdkError);
      expect((error as SdkError).code).toBe('invalid_argument');
      expect((error as SdkError).message).toMatch(/socketApi/);
    }
  });

  it('reports a lost socket once as disconnected (network), then connects again on a new SocketTask', async () => {
    const b = await startBroker();
    const wx = createFakeSocketApi();
    const t = transport({ url: as('wx', b.url), socketApi: wx });
    await t.connect(USER);
    const down = nextEvent(t, 'disconnected');
    wx.terminateAll();
    const event = await down;
    expect(event.type === 'disconnected' && event.error?.code).toBe('network');
    expect(t.isConnected()).toBe(false);
    await t.connect(USER);
    expect(t.isConnected()).toBe(true);
    expect(wx.opened).toHaveLength(2);
  });

  it('close() closes the SocketTask and emits disconnected without an error', async () => {
    const b = await startBroker();
    const t = transport({ url: as('wx', b.url), socketApi: createFakeSocketApi() });
    await t.connect(USER);
    const down = nextEvent(t, 'disconnected');
    await t.close();
    expect(await down).toEqual({ type: 'disconnected', error: undefined });
    await vi.waitFor(() => expect(b.openWebSocketCount()).toBe(0));
  });

  it('fails a wrong path with a classified error, and a connectSocket that returns nothing with invalid_argument', async () => {
    const b = await startBroker();
    const wrongPath = transport({
      url: as('wx', b.url).replace('/websocket', '/mqtt'),
      socketApi: createFakeSocketApi(),
    });
    expect((await rejection(wrongPath.connect(USER))).code).toBe('connection_refused');
    // Alipay without `multiple` returns no SocketTask; the adapter always asks for one, a stub that ignores it fails clearly.
    const noTask = transport({ url: as('ali', b.url), socketApi: { connectSocket: () => undefined } });
    const error = await rejection(noTask.connect(USER));
    expect(error.message).toMatch(/returned no SocketTask/);
  });

  it('runs a chat client whose outbox lives in wx storage: sent, confirmed by its own copy, outbox emptied', async () => {
    const b = await startBroker();
    const storage = createFakeMiniProgramStorage();
    const written: string[] = [];
    const recording: typeof storage = {
      ...storage,
      setStorage: (request) => {
        written.push(request.key);
        storage.setStorage(request);
      },
    };
    const client = createChatClient({
      user: { uid: 'u1' },
      channel: 'WECHAT',
      realtime: createMqttTransport({ url: as('wx', b.url), socketApi: createFakeSocketApi() }),
      auth: { username: 'alice', accessToken: 'token-alice' },
      outbox: createMiniProgramStore(recording),
    });
    try {
      await client.connect();
      const thread = { uid: 't1', topic: 'org/agent/a1/u1', type: 'AGENT' } as const;
      await client.subscribe([thread.topic]);
      const sent = client.send(thread, { type: 'TEXT', text: '你好' });
      expect((await sent.done).status).toBe('SUCCESS');
      expect(written.filter((key) => key.includes(sent.uid))).toHaveLength(1);
      await vi.waitFor(() => expect([...storage.entries.keys()]).toEqual([]));
      expect(b.connects[0]?.clientId).toMatch(/^u1\/WECHAT\/[0-9a-f]{32}$/);
    } finally {
      await client.dispose();
    }
  });
});

describe('SocketTaskWebSocket', () => {
  it('reports a connectSocket failure as an error then a close, after mqtt.js had time to listen', async () => {
    const socket = new SocketTaskWebSocket(createFakeSocketApi({ refuse: 'url not in domain list' }), 'wss://x/', [
      'mqtt',
    ]);
    const seen: string[] = [];
    socket.onerror = (event) => seen.push(`error ${event.message}`);
    socket.onclose = (event) => seen.push(`close ${event.code}`);
    await vi.waitFor(() => expect(seen).toEqual(['error connectSocket:fail url not in domain list', 'close 1006']));
    expect(socket.readyState).toBe(SocketTaskWebSocket.CLOSED);
    expect(() => socket.send(new Uint8Array([1]))).toThrow(SdkError);
  });
});
