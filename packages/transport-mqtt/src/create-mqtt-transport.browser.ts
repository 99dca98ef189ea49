import { miniProgramSocket } from './mini-program-socket.js';
import { type MqttTransport, mqttTransport } from './mqtt-transport.js';
import { type MqttTransportOptions, resolveSettings } from './options.js';
import { browserPlatform } from './platform.browser.js';

/**
 * The browser build's `createMqttTransport` (package.json's `browser` condition): the same as
 * create-mqtt-transport.ts without the code only Node needs (platform.browser.ts).
 *
 * Creates the realtime transport for `@weiyu/core`: MQTT 3.1.1 over a WebSocket (subprotocol
 * `mqtt`) on mqtt.js, with the options of the Weiyu guide (keepalive 30 s, persistent session,
 * connect timeout 30 s, rescheduled pings). It never reconnects by itself: the chat client owns
 * the backoff. Throws an `SdkError` `invalid_argument` for a URL that is not `ws://`,
 * `wss://` or a mini-program's `wx(s)://`/`ali(s)://` (then without a `connectSocket` to open it),
 * for nonsensical numbers, or for a `ca` that is not PEM certificates.
 *
 * @example
 * const realtime = createMqttTransport({ url: 'wss://chat.example.com/websocket' });
 */
export function createMqttTransport(options: MqttTransportOptions): MqttTransport {
  return mqttTransport(resolveSettings(options, miniProgramSocket), browserPlatform);
}
