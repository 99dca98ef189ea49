import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type MockBroker, startMockBroker } from './broker.js';
import {
  byUid,
  connectAs,
  connectPacket,
  type MqttTestClient,
  publish,
  THREAD_TOPIC,
  textMessage,
} from './testing/helpers.js';
import { AGENT, startTestBroker, VISITOR } from './testing/index.js';

/**
 * Watches the timers set for `ms` (spies that call through): `set` lists their handles, `cleared`
 * says whether one was cleared. Counting the process's active timers instead is racy: HTTP and
 * polling timers come and go.
 */
function watchTimers(ms: number) {
  const setSpy = vi.spyOn(globalThis, 'setTimeout');
  const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
  return {
    set: () => setSpy.mock.calls.flatMap((call, i) => (call[1] === ms ? [setSpy.mock.results[i]?.value] : [])),
    cleared: (handle: unknown) => clearSpy.mock.calls.some((call) => call[0] === handle),
    restore: () => {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    },
  };
}

/** Waits until `condition` holds; fails after `ms`. */
async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Envelope {
  code: number;
  message: string;
  data: unknown;
}

describe('mock broker: limits', () => {
  let broker: MockBroker;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await broker.close();
  });

  it('closes the connection on a packet over 10,240 bytes, keeps it for one under', async () => {
    const client = await connectAs(broker, VISITOR);
    await client.mqtt.publishAsync(THREAD_TOPIC, Buffer.alloc(10_000, 1), { qos: 1 });
    expect(client.mqtt.connected).toBe(true);
    client.mqtt.publish(THREAD_TOPIC, Buffer.alloc(10_300, 1), { qos: 1 });
    await client.closed;
    await client.end();
  });

  it('closes an idle connection after 1.5 × keepalive', async () => {
    const token = broker.issueToken(AGENT.uid);
    const ws = new WebSocket(broker.mqttUrl, 'mqtt');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const received: number[] = [];
    const connack = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer) => {
        received.push(...data);
        if (received.length >= 4) resolve();
      }),
    );
    ws.send(
      connectPacket({ clientId: `${AGENT.uid}/web/idle`, username: AGENT.username, password: token, keepalive: 1 }),
    );
    await connack;
    expect(received).toEqual([0x20, 2, 0, 0]);
    await new Promise((resolve) => ws.once('close', resolve));
  });

  it('names the port when it is taken (EADDRINUSE)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const error = await startMockBroker({ mqttPort: port, httpPort: 0 }).then(
      async (b) => {
        await b.close();
        return undefined;
      },
      (e: unknown) => e as Error & { code?: string },
    );
    await new Promise((resolve) => blocker.close(resolve));
    expect(error?.code).toBe('EADDRINUSE');
    expect(error?.message).toContain(String(port));
  });
});

describe('mock broker: compat modes', () => {
  const offlineRun = async (broker: MockBroker) => {
    const device = randomUUID();
    const first = await connectAs(broker, VISITOR, { device });
    await first.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    await first.end();
    const agent = await connectAs(broker, AGENT);
    const whileAway = textMessage({ user: { uid: AGENT.uid, type: 'AGENT' } });
    await publish(agent, THREAD_TOPIC, whileAway);
    const back = await connectAs(broker, VISITOR, { device });
    return { agent, back, whileAway };
  };

  it('session: a clean:false client gets what was published while it was away', async () => {
    const broker = await startTestBroker({ compat: 'session' });
    const { agent, back, whileAway } = await offlineRun(broker);
    const r = await back.waitFor(byUid(whileAway.uid ?? ''));
    expect(r.message?.status).toBe('SUCCESS');
    await Promise.all([agent.end(), back.end()]);
    await broker.close();
  });

  it('bytedesk (the default): no offline queue, the message is only in history', async () => {
    const broker = await startTestBroker();
    const { agent, back, whileAway } = await offlineRun(broker);
    await back.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const sentinel = textMessage();
    await publish(back, THREAD_TOPIC, sentinel);
    await back.waitFor(byUid(sentinel.uid ?? ''));
    expect(back.received.map((r) => r.message?.uid)).toEqual([sentinel.uid]);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([whileAway.uid, sentinel.uid]);
    await Promise.all([agent.end(), back.end()]);
    await broker.close();
  });
});

describe('mock broker: faults', () => {
  let broker: MockBroker;
  const clients: MqttTestClient[] = [];
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await broker.close();
  });

  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${broker.httpUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Envelope };
  };
  const restSend = async () => {
    const response = await fetch(`${broker.httpUrl}/visitor/api/v1/message/send`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ json: JSON.stringify(textMessage()), client: 'WEB' }),
    });
    return { status: response.status, body: (await response.json()) as Envelope };
  };

  it('REST faults: HTTP status, envelope code, times, clearing', async () => {
    broker.faults.rest({ status: 503, message: 'down' });
    expect(await restSend()).toEqual({ status: 503, body: { code: 503, message: 'down', data: null } });
    broker.faults.rest({ code: 500, message: '消息内容违规', times: 1 });
    expect(await restSend()).toEqual({ status: 200, body: { code: 500, message: '消息内容违规', data: null } });
    expect((await restSend()).body.code).toBe(200);
    broker.faults.rest({ status: 500 });
    broker.faults.rest({ rate: 0 });
    expect((await restSend()).body.code).toBe(200);
    broker.faults.rest({ delayMs: 5 });
    expect((await restSend()).body.code).toBe(200);
    await admin('/__admin/faults/rest', { code: -1, message: 'admin fault' });
    expect((await restSend()).body).toMatchObject({ code: -1, message: 'admin fault' });
    await admin('/__admin/faults/rest', {});
    expect((await restSend()).body.code).toBe(200);
  });

  it('a REST delay ends with close(): close() is prompt, no timer is left, nothing is stored after', async () => {
    // `times: 1`: the fault clears itself when a request takes it, which says the delay began.
    broker.faults.rest({ delayMs: 30_000, times: 1 });
    const timers = watchTimers(30_000);
    try {
      const answer = restSend().catch((error: unknown) => error);
      await until(() => broker.state.restFault === undefined);
      expect(broker.state.pendingRestDelays).toBe(1);
      const [delay, ...others] = timers.set();
      expect(others).toEqual([]);
      expect(timers.cleared(delay)).toBe(false);
      const started = Date.now();
      await broker.close();
      // Far below the 30 s delay, so close() did not wait for it (generous for a loaded machine).
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(broker.state.pendingRestDelays).toBe(0);
      // The 30 s timer would keep the process alive: it is cleared.
      expect(timers.cleared(delay)).toBe(true);
      await answer;
    } finally {
      timers.restore();
    }
    expect(broker.history(THREAD_TOPIC)).toEqual([]);
  });

  it('a delayed send does not run against a closed broker', async () => {
    broker.faults.rest({ delayMs: 150, times: 1 });
    const answer = restSend().catch((error: unknown) => error);
    await until(() => broker.state.restFault === undefined);
    await broker.close();
    await answer;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(broker.history(THREAD_TOPIC)).toEqual([]);
  });

  it('a fault reset ends the REST delays: the requests go on at once', async () => {
    broker.faults.rest({ delayMs: 30_000 });
    const viaCode = restSend();
    await until(() => broker.state.pendingRestDelays === 1);
    broker.faults.reset();
    expect((await viaCode).body.code).toBe(200);

    await admin('/__admin/faults/rest', { delayMs: 30_000 });
    const viaAdmin = restSend();
    await until(() => broker.state.pendingRestDelays === 1);
    await admin('/__admin/faults/reset', {});
    expect((await viaAdmin).body.code).toBe(200);
    expect(broker.state.pendingRestDelays).toBe(0);
    expect(broker.history(THREAD_TOPIC)).toHaveLength(2);
  });

  it('holds echoes back and releases them in order', async () => {
    const visitor = await connectAs(broker, VISITOR);
    clients.push(visitor);
    await visitor.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    broker.faults.holdEchoes(true);
    const a = textMessage();
    const b = textMessage();
    await publish(visitor, THREAD_TOPIC, a);
    await publish(visitor, THREAD_TOPIC, b);
    expect(broker.state.heldEchoCount).toBe(2);
    expect(broker.history(THREAD_TOPIC)).toHaveLength(2);
    const { body } = await admin('/__admin/faults/hold-echoes', { on: false });
    expect(body.data).toEqual({ holdEchoes: false });
    await visitor.waitFor(byUid(b.uid ?? ''));
    expect(visitor.received.map((r) => r.message?.uid)).toEqual([a.uid, b.uid]);
  });

  it('outage drops connections and refuses new ones until it ends', async () => {
    const agent = await connectAs(broker, AGENT);
    clients.push(agent);
    broker.faults.outage(60_000);
    await agent.closed;
    const refused = (await connectAs(broker, AGENT).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(refused.code).toBe('ECONNREFUSED');
    broker.faults.reset();
    let back: MqttTestClient | undefined;
    while (!back) back = await connectAs(broker, AGENT).catch(() => undefined);
    clients.push(back);
    expect(back.mqtt.connected).toBe(true);
  });

  it('a short outage over HTTP ends by itself', async () => {
    const { body } = await admin('/__admin/faults/outage', { ms: 30 });
    expect(body.code).toBe(200);
    let client: MqttTestClient | undefined;
    while (!client) client = await connectAs(broker, AGENT).catch(() => undefined);
    clients.push(client);
  });

  it('drop closes one user, or everyone', async () => {
    const agent = await connectAs(broker, AGENT);
    const visitor = await connectAs(broker, VISITOR);
    clients.push(agent, visitor);
    expect(broker.faults.drop({ userUid: VISITOR.uid })).toBe(1);
    await visitor.closed;
    expect(agent.mqtt.connected).toBe(true);
    const { body } = await admin('/__admin/faults/drop', {});
    expect(body.data).toEqual({ dropped: 1 });
    await agent.closed;
  });

  it('restart keeps users, history and tokens; drops connections', async () => {
    const visitor = await connectAs(broker, VISITOR, { device: 'r' });
    clients.push(visitor);
    await visitor.mqtt.subscribeAsync(THREAD_TOPIC, { qos: 1 });
    const message = textMessage();
    await publish(visitor, THREAD_TOPIC, message);
    await visitor.waitFor(byUid(message.uid ?? ''));
    const url = broker.mqttUrl;
    await broker.restart();
    await visitor.closed;
    expect(broker.mqttUrl).toBe(url);
    const back = await connectAs(broker, VISITOR, { device: 'r' });
    clients.push(back);
    expect(broker.history(THREAD_TOPIC).map((m) => m.uid)).toEqual([message.uid]);
  });

  it('restart over HTTP answers first, then restarts', async () => {
    const agent = await connectAs(broker, AGENT);
    clients.push(agent);
    const { body } = await admin('/__admin/restart', {});
    expect(body.code).toBe(200);
    await agent.closed;
    let back: MqttTestClient | undefined;
    while (!back) back = await connectAs(broker, AGENT).catch(() => undefined);
    clients.push(back);
  });

  it('GET /__admin/state shows clients, faults and counts', async () => {
    const agent = await connectAs(broker, AGENT, { device: 's' });
    clients.push(agent);
    broker.faults.rest({ code: 500 });
    const { body } = await admin('/__admin/state');
    expect(body.data).toMatchObject({
      clients: [{ clientId: 'agent_demo/web/s', userUid: 'agent_demo' }],
      faults: { rest: { code: 500 }, holdEchoes: false },
      counts: { users: 4, threads: 3, messages: 0 },
      mode: 'bytedesk',
      compat: 'bytedesk',
    });
    await admin('/__admin/faults/reset', {});
    expect(broker.state.restFault).toBeUndefined();
  });

  it('connects with mqtt.js reconnecting after a drop', async () => {
    const token = broker.issueToken(AGENT.uid);
    const client = mqtt.connect(broker.mqttUrl, {
      protocolVersion: 4,
      clientId: `${AGENT.uid}/web/re`,
      username: AGENT.username,
      password: token,
      reconnectPeriod: 20,
      connectTimeout: 5000,
    });
    await new Promise((resolve) => client.once('connect', resolve));
    broker.faults.drop({ clientId: `${AGENT.uid}/web/re` });
    await new Promise((resolve) => client.once('connect', resolve));
    await client.endAsync(true);
  });
});
