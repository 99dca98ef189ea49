import type { Platform } from './platform.js';

/**
 * Browsers: mqtt.js reports a failed WebSocket as its own `WebSocket error` or as the close (never
 * a Node socket code), and its browser stream already writes a tick's pieces as one frame.
 */
export const browserPlatform: Platform = { classifyError: () => undefined, prepareStream: () => {} };
