/**
 * `@weiyu/core`: the Weiyu (Bytedesk) realtime chat client. Pure: time, randomness, storage and
 * the network come in through interfaces (`@weiyu/transport-mqtt`, `@weiyu/transport-http`, or
 * the in-memory network of `@weiyu/core/testing`). What this module exports is the SDK's contract
 * (semver); nothing else under `src/` is, and it is not reachable from outside the package.
 */
export {
  type Channel,
  describeError,
  MAX_PACKET_BYTES,
  type MessageStatus,
  type MessageType,
  type Result,
  SDK_ERROR_CODES,
  SDK_ERROR_MESSAGES,
  SDK_LOCALES,
  SdkError,
  type SdkErrorCode,
  type SdkLocale,
  type ThreadType,
  type TransferStatus,
  topics,
  type UserType,
} from '@weiyu/protocol';
export * from './api.js';
export {
  type BrowserEnvironmentOptions,
  createBrowserEnvironment,
  type EventTargetLike,
} from './browser/environment.js';
export {
  type BroadcastChannelLike,
  type LockManagerLike,
  type SessionStorageLike,
  type TabDeviceUidOptions,
  tabDeviceUid,
} from './browser/tab-device-uid.js';
export { createWebStorageStore, type StorageLike } from './browser/web-storage-store.js';
export { createChatClient } from './client.js';
export { systemClock } from './clock.js';
export { parseContent } from './content/index.js';
export { alwaysOnlineEnvironment } from './environment.js';
export * from './interfaces.js';
export {
  type ConsoleLike,
  type ConsoleLoggerOptions,
  createConsoleLogger,
  type LogLevel,
  noopLogger,
} from './logger.js';
export { cryptoRandom } from './random.js';
export { createMemoryStore } from './stores/memory-store.js';
export {
  createMiniProgramStore,
  type MiniProgramStorage,
  type MiniProgramStorageFailure,
} from './stores/mini-program-store.js';
export { DEFAULT_TIMING } from './timing.js';
export { createDeviceUidPool, type DeviceUidPool, processDeviceUids } from './transport/device-uid.js';
export {
  createLinkDriver,
  type DrivenLink,
  type LinkDriver,
  type LinkDriverOptions,
  type LinkDriverSettings,
  type LinkOwner,
  type LinkState,
} from './transport/link-driver.js';
export {
  type SocketClosedFacts,
  type SocketClosedOutcome,
  socketClosedOutcome,
} from './transport/socket-closed.js';
export { refuseInexactTopics } from './transport/topic.js';
export { type StartVisitorOptions, startVisitor, type VisitorSession } from './visitor/start.js';
