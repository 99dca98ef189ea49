export type { WebSocketConstructor, WebSocketEventLike, WebSocketLike, WsTransportOptions } from './options.js';
export { createWsTransport, type WsTransport } from './ws-transport.js';
