export { type Result, SDK_ERROR_CODES, SdkError, type SdkErrorCode } from '@weiyu/protocol';
export * from './api.js';
export * from './interfaces.js';
