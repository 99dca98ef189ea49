// `@weiyu/transport-mqtt/web`: the realtime transport contract on its factory, and what it leaves
// out: a mini-program URL is refused, even where a mini-program runtime is there to open it.
import { SdkError } from '@weiyu/core';
import { describeRealtimeTransport } from '@weiyu/transport-contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeSocketApi } from './testing/fake-socket-api.js';
import { createMqttTransport } from './web.js';

describeRealtimeTransport('createMqttTransport of /web', createMqttTransport);

describe('createMqttTransport of /web', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('refuses wx(s):// and ali(s):// with invalid_argument naming the main entry, and opens no socket', () => {
    const wx = createFakeSocketApi();
    vi.stubGlobal('wx', wx);
    vi.stubGlobal('my', wx);
    for (const url of ['wxs://chat.example.com/websocket', 'wx://chat.example.com', 'alis://chat.example.com']) {
      let thrown: unknown;
      try {
        createMqttTransport({ url, socketApi: wx });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SdkError);
      expect((thrown as SdkError).code).toBe('invalid_argument');
      expect((thrown as SdkError).message).toContain("'@weiyu/transport-mqtt'");
    }
    expect(wx.opened).toEqual([]);
  });

  it('takes ws:// and wss:// as the main entry does', () => {
    expect(createMqttTransport({ url: 'wss://chat.example.com' }).url).toBe('wss://chat.example.com/websocket');
    expect(createMqttTransport({ url: 'ws://127.0.0.1:9885/websocket' }).url).toBe('ws://127.0.0.1:9885/websocket');
  });
});
