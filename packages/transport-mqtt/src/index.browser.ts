// The browser build of the main entry (package.json's `browser` condition): the same API as index.ts.
export { createMqttTransport } from './create-mqtt-transport.browser.js';
export type { MiniProgramSocketApi, SocketTask, SocketTaskFailure } from './mini-program-socket.js';
export type { MqttTransport } from './mqtt-transport.js';
export type { MqttTransportOptions } from './options.js';
