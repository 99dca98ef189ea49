import { SdkError } from '@weiyu/core';
import type { Platform } from './platform.js';

/** MQTT 3.1.1 CONNACK return codes and what each one means for the app. */
const CONNACK: Readonly<Record<number, { code: SdkError['code']; reason: string }>> = {
  1: { code: 'protocol', reason: 'unacceptable protocol version' },
  // The clientId is part of the identity the broker judged; a retry with the same one cannot succeed.
  2: { code: 'bad_credentials', reason: 'client identifier rejected' },
  3: { code: 'connection_refused', reason: 'server unavailable' },
  4: { code: 'bad_credentials', reason: 'bad username or password' },
  5: { code: 'not_authorized', reason: 'not authorized' },
};

/**
 * Turns whatever mqtt.js, ws or the socket reported into an {@link SdkError}. `url` names the
 * broker in messages; credentials are never part of what mqtt.js or ws put in their errors.
 * `classifyPlatformError` is the platform's part ({@link Platform}): Node's socket, TLS and
 * ws-upgrade errors in the Node build, nothing in the browser build.
 */
export function classifyMqttError(
  reason: unknown,
  url: string,
  classifyPlatformError: Platform['classifyError'],
): SdkError {
  if (reason instanceof SdkError) return reason;
  const error = reason instanceof Error ? reason : new Error(String(reason));
  const code: unknown = (error as Error & { code?: unknown }).code;

  // mqtt.js reports a refused subscription (SUBACK 0x80) with the SUBACK packet attached.
  const granted: unknown = (error as Error & { packet?: { granted?: unknown } }).packet?.granted;
  if (Array.isArray(granted) && granted.some((g) => typeof g === 'number' && (g & 0x80) !== 0)) {
    return new SdkError('not_authorized', `${url} refused the subscription (SUBACK 0x80)`, {
      cause: error,
      details: { granted },
    });
  }

  if (typeof code === 'number') {
    const connack = CONNACK[code];
    if (connack && /refused/i.test(error.message)) {
      return new SdkError(connack.code, `${url} refused the connection: ${connack.reason} (CONNACK ${code})`, {
        cause: error,
        details: { returnCode: code },
      });
    }
    if ((code & 0x80) !== 0 && /subscribe/i.test(error.message)) {
      return new SdkError('not_authorized', `${url} refused the subscription (SUBACK ${code})`, {
        cause: error,
        details: { returnCode: code },
      });
    }
    return new SdkError('protocol', `${url}: ${error.message}`, { cause: error, details: { returnCode: code } });
  }

  // Node's socket, TLS and ws-upgrade errors: the Node build only (a browser never reports them).
  const platformError = classifyPlatformError(error, url);
  if (platformError) return platformError;
  // Browsers hide why a WebSocket failed (refused, no such path, bad certificate all look alike).
  if (error.message === 'WebSocket error') {
    return new SdkError(
      'connection_refused',
      `Could not open a WebSocket to ${url}: the server is down or refused it, or the URL, path or certificate is wrong`,
      { cause: error },
    );
  }
  if (/connack timeout/i.test(error.message)) {
    return new SdkError('timeout', `${url} did not answer CONNECT in time`, { cause: error });
  }
  if (/keepalive timeout/i.test(error.message)) {
    return new SdkError('network', `The connection to ${url} went silent (keepalive timeout)`, { cause: error });
  }
  if (/protocol error|invalid|unknown|malformed/i.test(error.message)) {
    return new SdkError('protocol', `${url} broke the protocol: ${error.message}`, { cause: error });
  }
  return new SdkError('network', `Connection to ${url} failed: ${error.message}`, { cause: error });
}
