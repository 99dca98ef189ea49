export {
  createHttpTransport,
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpTransport,
  type HttpTransportOptions,
  LEGACY_VISITOR_SEND_PATH,
  type LoginResult,
  type LoginUser,
  VISITOR_SEND_PATH,
} from './http-transport.js';
export { LEGACY_VISITOR_UPLOAD_PATH, UPLOAD_PATH, VISITOR_UPLOAD_PATH } from './upload.js';
