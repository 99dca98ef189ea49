export {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
  type LoginResult,
  type LoginUser,
} from './http-transport.js';
