export * from './client.js';
export * from './desktop-client.js';
export * from './fixtures.js';
export * from './mosquitto.js';
export * from './ports.js';
export * from './raw-mqtt.js';
export * from './recorder.js';
export * from './wait.js';
