export { createMqttTransport } from './create-mqtt-transport.js';
export type { MiniProgramSocketApi, SocketTask, SocketTaskFailure } from './mini-program-socket.js';
export type { MqttTransport } from './mqtt-transport.js';
export type { MqttTransportOptions } from './options.js';
