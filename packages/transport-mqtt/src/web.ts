/**
 * `@weiyu/transport-mqtt/web`: the same transport for browsers and Node, `ws://` and `wss://` only.
 * It leaves out the mini-program socket adapter (about 2 KB minified) that the main entry's
 * `createMqttTransport` carries for `wx(s)://` and `ali(s)://` URLs, which a web app never opens.
 */
import { type MqttTransport, mqttTransport } from './mqtt-transport.js';
import { type MqttTransportOptions, resolveSettings } from './options.js';
import { nodePlatform } from './platform.node.js';
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
  return mqttTransport(resolveSettings(options, refuseMiniProgram), nodePlatform);
}
