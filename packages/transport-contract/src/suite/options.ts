import { SdkError } from '@weiyu/core';
import { createRecordingLogger } from '@weiyu/core/testing';
import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';

/** The options every transport takes alike: the URL it accepts and the device id it holds. */
export function optionsTests(h: Harness): void {
  it('normalizes the URL and refuses what is not ws:// or wss://', () => {
    expect(h.create({ url: 'ws://127.0.0.1:9885' }).url).toBe('ws://127.0.0.1:9885/websocket');
    expect(h.create({ url: 'wss://chat.example.com/mqtt' }).url).toBe('wss://chat.example.com/mqtt');
    for (const url of ['http://127.0.0.1:9885/websocket', 'not a url', 'ws://user:secret@127.0.0.1/websocket']) {
      expect(() => h.create({ url })).toThrow(SdkError);
    }
    expect(() => h.create({ url: 'ws://127.0.0.1', keepalive: 0 })).toThrow(/keepalive/);
  });

  it("takes the process's deviceUid: the same after a close, another while one is open, unless one is passed", async () => {
    const a = h.create({ url: 'ws://127.0.0.1:1' });
    expect(a.deviceUid).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
    const root = a.deviceUid.slice(0, 32);
    // Open at the same time: two devices, which never kick each other.
    const b = h.create({ url: 'ws://127.0.0.1:1' });
    expect(b.deviceUid).not.toBe(a.deviceUid);
    expect(b.deviceUid.startsWith(`${root}-`)).toBe(true);
    // Made again after a close (a restart of the client): the same device to the server.
    await a.close();
    expect(h.create({ url: 'ws://127.0.0.1:1' }).deviceUid).toBe(a.deviceUid);
    expect(h.create({ url: 'ws://127.0.0.1:1', deviceUid: 'tab-7' }).deviceUid).toBe('tab-7');
    await b.close();
  });

  it('warns when a closed transport connects again while another one took its deviceUid', async () => {
    const b = await h.startBroker();
    const logger = createRecordingLogger();
    const first = h.transport(b.url, { logger });
    await first.connect(USER);
    await first.close();
    const second = h.transport(b.url);
    expect(second.deviceUid).toBe(first.deviceUid);
    expect(logger.lines.filter((line) => line.includes('same deviceUid'))).toEqual([]);
    await first.connect(USER);
    expect(logger.lines.filter((line) => line.includes('same deviceUid'))).toHaveLength(1);
  });
}
