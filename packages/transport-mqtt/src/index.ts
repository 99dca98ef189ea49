export { createMqttTransport, type MqttTransport } from './mqtt-transport.js';
export type { MqttTransportOptions } from './options.js';
