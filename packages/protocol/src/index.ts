export { decodeMessage, decodeMessageOrThrow, encodeMessage } from './codec.js';
export { err, ok, type Result, SDK_ERROR_CODES, SdkError, type SdkErrorCode, type SdkErrorOptions } from './error.js';
export {
  describeError,
  SDK_ERROR_MESSAGES,
  SDK_LOCALES,
  type SdkErrorMessages,
  type SdkLocale,
} from './error-messages.js';
export { MessageSchema } from './gen/weiyu/v1/message_pb.js';
export { ThreadSchema } from './gen/weiyu/v1/thread_pb.js';
export { UserSchema } from './gen/weiyu/v1/user_pb.js';
export {
  checkFields,
  checkIds,
  MAX_EXTRA_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PACKET_BYTES,
  MAX_PROFILE_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_UID_LENGTH,
} from './limits.js';
export * from './names.js';
export {
  fromRestHistoryJson,
  fromRestJson,
  type RestHistoryMessage,
  type RestMessageJson,
  type RestThreadJson,
  type RestUserJson,
  toRestJson,
} from './rest-json.js';
export { fromRestThreadJson, type RestThread } from './rest-thread-json.js';
export {
  appendRobotStream,
  isRobotStreamType,
  ROBOT_STREAM_TYPES,
  type RobotStreamText,
  readRobotStream,
} from './robot-stream.js';
export {
  CLOSING_MESSAGE_TYPES,
  isThreadChangeMessageType,
  THREAD_CHANGE_MESSAGE_TYPES,
  type TransferStatus,
  threadStateAfter,
  transferStatusAfter,
  transferTopic,
} from './thread-changes.js';
export { formatServerTime, parseCreatedAt } from './time.js';
export {
  buildTopic,
  isThreadTopic,
  type ParsedTopic,
  parseTopic,
  type TopicKind,
  threadUserUid,
  topics,
  validateTopic,
} from './topics.js';
export { normalizeMessage, type WireMessage, type WireMessageInit, type WireThread, type WireUser } from './wire.js';
