export { createMqttTransport, type MqttTransport, type MqttTransportOptions } from './mqtt-transport.js';
