import type { Environment } from './interfaces.js';

/**
 * An {@link Environment} that is always online and visible and never changes: the default
 * outside browsers (Node, workers, tests). In browsers use `createBrowserEnvironment()`.
 */
export const alwaysOnlineEnvironment: Environment = {
  isOnline: () => true,
  isVisible: () => true,
  subscribe: () => () => {},
};
