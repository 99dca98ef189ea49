/**
 * The browser build of `@weiyu/transport-mqtt/web` (package.json's `browser` condition): web.ts
 * without the code only Node needs (platform.browser.ts); the same API, options and errors.
 */
import { type MqttTransport, mqttTransport } from './mqtt-transport.js';
import { type MqttTransportOptions, resolveSettings } from './options.js';
import { browserPlatform } from './platform.browser.js';
import { refuseMiniProgram } from './refuse-mini-program.js';

export type { MqttTransport } from './mqtt-transport.js';
export type { MqttTransportOptions } from './options.js';

/**
 * Creates the realtime transport for `@weiyu/core`, as `createMqttTransport` of
 * `@weiyu/transport-mqtt` does, for `ws://` and `wss://` URLs: a `wx(s)://` or `ali(s)://` URL
 * (a mini-program's) throws an `SdkError` `invalid_argument` that names the main entry,
 * which opens those. Everything else is the same: options, defaults, events, errors.
 *
 * @example
 * import { createMqttTransport } from '@weiyu/transport-mqtt/web';
 * const realtime = createMqttTransport({ url: 'wss://chat.example.com/websocket' });
 */
export function createMqttTransport(options: MqttTransportOptions): MqttTransport {
  return mqttTransport(resolveSettings(options, refuseMiniProgram), browserPlatform);
}
