import { SdkError } from '@weiyu/core';
import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';
import { muteBroker } from '../servers.js';
import { delay, nextEvent, record, rejection, tcpSockets, until } from '../wait.js';

/** How a connection ends and is replaced: one disconnected event each time, no orphan socket, no reconnect of its own. */
export function lifecycleTests(h: Harness): void {
  it('emits one disconnected with an error when the broker drops the socket, and never reconnects', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const events = record(t);
    await t.connect(USER);
    expect(b.webSocketCount()).toBe(1);

    b.dropAll();
    await nextEvent(t, 'disconnected');
    await delay(300);
    const disconnects = events.filter((e) => e.type === 'disconnected');
    expect(disconnects).toHaveLength(1);
    const error = disconnects[0]?.type === 'disconnected' ? disconnects[0].error : undefined;
    expect(error?.code).toBe('network');
    expect(t.isConnected()).toBe(false);
    expect(b.webSocketCount()).toBe(1);

    // The transport works again when asked to.
    await t.connect(USER);
    expect(b.webSocketCount()).toBe(2);
  });

  it('emits disconnected without an error once after close(), and close() is safe twice', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const events = record(t);
    await t.connect(USER);
    await t.close();
    await t.close();
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
    expect(t.isConnected()).toBe(false);
  });

  it('replaces a live connection when connect() is called again', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const events = record(t);
    await t.connect(USER);
    await t.connect(USER);
    expect(t.isConnected()).toBe(true);
    expect(b.webSocketCount()).toBe(2);
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
  });

  it('serialises overlapping connect() calls: the last one wins and no orphan connection is left', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    await t.connect(USER);
    const events = record(t);
    const device2 = { ...USER, clientId: 'u1/WEB/device2' };
    const [first, second] = await Promise.allSettled([t.connect(USER), t.connect(device2)]);
    expect(first.status === 'rejected' && first.reason instanceof SdkError && first.reason.code).toBe('closed');
    expect(second.status).toBe('fulfilled');
    expect(t.isConnected()).toBe(true);
    await until(() => b.openWebSocketCount() <= 1);
    await delay(100);
    expect(b.openWebSocketCount()).toBe(1);
    expect(b.client(device2.clientId)).toBeDefined();
    expect(b.client(USER.clientId)).toBeUndefined();

    await t.close();
    await until(() => b.openWebSocketCount() === 0);
    // Whatever the broker does to any socket now, no event may come from an orphaned link.
    b.dropAll();
    await delay(100);
    expect(events).toEqual([
      { type: 'disconnected', error: undefined },
      { type: 'disconnected', error: undefined },
    ]);
  });

  it('a connect() waiting for the old connection to close gives up when close() is called meanwhile', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    await t.connect(USER);
    const events = record(t);
    const attempt = rejection(t.connect(USER));
    await t.close();
    expect((await attempt).code).toBe('closed');
    await delay(100);
    expect(t.isConnected()).toBe(false);
    expect(b.connects).toHaveLength(1);
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
    await until(() => b.openWebSocketCount() === 0);

    // The same with the caller's signal instead of close().
    await t.connect(USER);
    const controller = new AbortController();
    const aborted = rejection(t.connect(USER, controller.signal));
    controller.abort();
    expect((await aborted).code).toBe('closed');
    expect(t.isConnected()).toBe(false);
    expect(b.connects).toHaveLength(2);
  });

  it('close() during a connect attempt resolves once the socket is closed', async () => {
    const mute = await muteBroker(h.defer);
    const t = h.transport(mute.url, { connectTimeoutMs: 5_000 });
    const before = tcpSockets();
    const attempt = rejection(t.connect(USER));
    // The WebSocket is open and CONNECT went out; the server never answers it.
    // The server counts the upgrade before the client has read the answer: wait for CONNECT.
    await until(() => mute.open() === 1 && mute.received() >= 1 && tcpSockets() === before + 2);
    await t.close();
    // The transport's end is closed the moment close() resolves; the server's follows.
    expect(tcpSockets()).toBeLessThanOrEqual(before + 1);
    expect((await attempt).code).toBe('closed');
    await until(() => mute.open() === 0, 500);
  });
}
