export type { MiniProgramSocketApi, SocketTask, SocketTaskFailure } from './mini-program-socket.js';
export { createMqttTransport, type MqttTransport } from './mqtt-transport.js';
export type { MqttTransportOptions } from './options.js';
