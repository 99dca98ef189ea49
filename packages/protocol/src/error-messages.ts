import { SdkError, type SdkErrorCode } from './error.js';

/** The languages {@link describeError} speaks. */
export const SDK_LOCALES = ['en', 'zh-CN'] as const;

/** One of {@link SDK_LOCALES}. */
export type SdkLocale = (typeof SDK_LOCALES)[number];

/** One sentence per error code, for people rather than logs. */
export type SdkErrorMessages = { readonly [Code in SdkErrorCode]: string };

const EN: SdkErrorMessages = {
  invalid_argument: 'The SDK was given a value it cannot use.',
  invalid_content: 'The message content is not valid.',
  invalid_topic: 'The topic is not valid: only exact topics are allowed, without wildcards or empty parts.',
  invalid_time: 'The time could not be read.',
  decode_failed: 'A message could not be read.',
  oversize: 'The message is too large to send.',
  not_connected: 'Not connected to the server.',
  timeout: 'The server did not answer in time.',
  connection_refused: 'The server refused the connection; check that it is running.',
  host_not_found: 'The server could not be found; check the network and the server address.',
  tls: 'The secure connection failed: the server certificate is not trusted, or the handshake failed.',
  bad_credentials: 'Wrong username, password or access token.',
  not_authorized: 'You are not allowed to do this.',
  unauthenticated: 'Not signed in, or the sign-in has expired.',
  kicked: 'Signed out: this account signed in elsewhere, or the server logged it out.',
  protocol: 'The server answered with something this SDK cannot read.',
  server_error: 'The server reported an error.',
  http_error: 'The server answered with an HTTP error.',
  response_too_large: 'The server sent an answer too large to accept.',
  network: 'Network error: the connection failed.',
  outbox_full: 'There is no room to keep the message for sending; try again later.',
  storage: 'Unsent messages could not be saved on this device; they are still sent, but may be lost if the app closes.',
  closed: 'The connection was closed.',
  not_found: 'No such message.',
  unknown: 'Something went wrong.',
};

const ZH_CN: SdkErrorMessages = {
  invalid_argument: '参数无效：SDK 收到了无法使用的值。',
  invalid_content: '消息内容无效。',
  invalid_topic: '主题无效：只能使用精确主题，不能含通配符或空段。',
  invalid_time: '无法识别的时间。',
  decode_failed: '消息无法解析。',
  oversize: '消息过大，无法发送。',
  not_connected: '未连接到服务器。',
  timeout: '服务器响应超时。',
  connection_refused: '服务器拒绝连接，请检查服务器状态。',
  host_not_found: '找不到服务器，请检查网络连接和服务器地址。',
  tls: '安全连接失败：服务器证书不受信任，或握手失败。',
  bad_credentials: '用户名、密码或访问令牌错误。',
  not_authorized: '没有权限执行此操作。',
  unauthenticated: '未登录或登录已过期。',
  kicked: '已下线：该账号在其他地方登录，或被服务器强制退出。',
  protocol: '服务器返回了无法识别的数据。',
  server_error: '服务器返回错误。',
  http_error: '服务器返回 HTTP 错误。',
  response_too_large: '服务器返回的数据过大，已拒绝接收。',
  network: '网络错误，连接失败。',
  outbox_full: '没有空间保存待发送的消息，请稍后再试。',
  storage: '无法在本设备上保存待发送的消息；消息仍会发送，但关闭应用后可能丢失。',
  closed: '连接已关闭。',
  not_found: '找不到该消息。',
  unknown: '发生未知错误。',
};

/**
 * The message table: for each locale, one sentence per {@link SdkErrorCode}, fit to show to an
 * end user (an `SdkError`'s own `message` is for developers and logs, in English).
 */
export const SDK_ERROR_MESSAGES: { readonly [Locale in SdkLocale]: SdkErrorMessages } = {
  en: EN,
  'zh-CN': ZH_CN,
};

/**
 * A sentence for an end user about a failure, in `locale` (default `'en'`), from the error's
 * stable `code`. For `server_error` the server's own message follows (the Weiyu server writes
 * it in Chinese, for users); for `http_error` the HTTP status; for `bad_credentials` from a
 * login, the attempts left before the server locks the account. Anything that is not an
 * {@link SdkError} reads as `unknown`. Never throws.
 *
 * @example
 * client.on('error', (error) => showToast(describeError(error, 'zh-CN')));
 * // connection_refused → '服务器拒绝连接，请检查服务器状态。'
 */
export function describeError(error: unknown, locale: SdkLocale = 'en'): string {
  const table = SDK_ERROR_MESSAGES[locale] ?? EN;
  const known = error instanceof SdkError ? error : undefined;
  const sentence = table[known?.code ?? 'unknown'] ?? table.unknown;
  const detail = known && detailFor(known, locale);
  return detail ? joinDetail(sentence, detail, locale) : sentence;
}

/** What the user is told after the sentence, for the codes whose error carries something worth it. */
function detailFor(error: SdkError, locale: SdkLocale): string | undefined {
  const { status, attemptsLeft } = error.details;
  if (error.code === 'server_error' && error.message.length > 0) return error.message;
  if (error.code === 'http_error' && typeof status === 'number') return `HTTP ${status}`;
  // The server locks an account after 3 wrong passwords: how many are left matters to the user.
  if (error.code === 'bad_credentials' && typeof attemptsLeft === 'number') {
    return locale === 'zh-CN' ? `还可尝试 ${attemptsLeft} 次` : `${attemptsLeft} attempts left`;
  }
  return undefined;
}

/** `sentence` with its final stop replaced by a colon and the detail, punctuated for the locale. */
function joinDetail(sentence: string, detail: string, locale: SdkLocale): string {
  return locale === 'zh-CN' ? `${sentence.replace(/。$/, '')}：${detail}` : `${sentence.replace(/\.$/, '')}: ${detail}`;
}
