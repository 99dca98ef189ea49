import { SdkError } from '@weiyu/core';

/** Undefined for `ws://` and `wss://` (the only other schemes `resolveSettings` lets through are a mini-program's). */
export function refuseMiniProgram(url: URL): undefined {
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return undefined;
  throw new SdkError(
    'invalid_argument',
    `${url.protocol}// is a mini-program URL: create its transport with createMqttTransport from '@weiyu/transport-mqtt' (the /web entry opens ws:// and wss:// only)`,
  );
}
