import { SdkError } from '@weiyu/core';

/** MQTT 3.1.1 CONNACK return codes and what each one means for the app. */
const CONNACK: Readonly<Record<number, { code: SdkError['code']; reason: string }>> = {
  1: { code: 'protocol', reason: 'unacceptable protocol version' },
  // The clientId is part of the identity the broker judged; a retry with the same one cannot succeed.
  2: { code: 'bad_credentials', reason: 'client identifier rejected' },
  3: { code: 'connection_refused', reason: 'server unavailable' },
  4: { code: 'bad_credentials', reason: 'bad username or password' },
  5: { code: 'not_authorized', reason: 'not authorized' },
};

const SOCKET_CODES: Readonly<Record<string, SdkError['code']>> = {
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'host_not_found',
  EAI_AGAIN: 'host_not_found',
  ECONNRESET: 'network',
  ECONNABORTED: 'network',
  EPIPE: 'network',
  ETIMEDOUT: 'network',
  ENETUNREACH: 'network',
  EHOSTUNREACH: 'network',
};

/** Certificate checks Node reports under codes that do not say CERT (OpenSSL's X509_V_ERR_* names). */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
]);

/**
 * A `tls` error for a certificate the client does not trust or a failed TLS handshake, else
 * undefined. Never retryable: the next attempt meets the same certificate.
 */
function classifyTlsError(error: Error, code: string, url: string): SdkError | undefined {
  const details = { code };
  if (CERTIFICATE_CODES.has(code) || code.includes('CERT')) {
    return new SdkError(
      'tls',
      `The TLS certificate of ${url} is not trusted (${code}: ${error.message}): pass the CA that signed it in the \`ca\` option, or fix the server's certificate`,
      { cause: error, details },
    );
  }
  if (/SSL|TLS/.test(code) || (code === 'EPROTO' && /ssl|tls/i.test(error.message))) {
    // OpenSSL's own lines (source file, line number) stay in the cause.
    const reason = error.message.split('\n')[0]?.trim() ?? '';
    return new SdkError(
      'tls',
      `The TLS handshake with ${url} failed (${code}: ${reason}): does the server speak TLS on that port, or only ws://?`,
      { cause: error, details },
    );
  }
  return undefined;
}

/**
 * Turns whatever mqtt.js, ws or the socket reported into an {@link SdkError}. `url` names the
 * broker in messages; credentials are never part of what mqtt.js or ws put in their errors.
 */
export function classifyMqttError(reason: unknown, url: string): SdkError {
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

  if (typeof code === 'string') {
    const mapped = SOCKET_CODES[code];
    if (mapped === 'connection_refused') {
      return new SdkError(mapped, `Nothing accepts connections at ${url} (${code})`, {
        cause: error,
        details: { code },
      });
    }
    if (mapped === 'host_not_found') {
      return new SdkError(mapped, `Cannot resolve the host of ${url} (${code})`, { cause: error, details: { code } });
    }
    if (mapped)
      return new SdkError(mapped, `Connection to ${url} failed: ${code}`, { cause: error, details: { code } });
    const tls = classifyTlsError(error, code, url);
    if (tls) return tls;
  }

  // ws (Node) rejects a WebSocket upgrade answered with a plain HTTP response this way.
  const upgrade = /Unexpected server response: (\d+)/.exec(error.message);
  if (upgrade) {
    const status = Number(upgrade[1]);
    const details = { status };
    if (status === 401) {
      return new SdkError('bad_credentials', `${url} refused the WebSocket upgrade (HTTP 401)`, {
        cause: error,
        details,
      });
    }
    if (status === 403) {
      return new SdkError('not_authorized', `${url} refused the WebSocket upgrade (HTTP 403)`, {
        cause: error,
        details,
      });
    }
    if (status >= 500) {
      return new SdkError('connection_refused', `${url} answered the WebSocket upgrade with HTTP ${status}`, {
        cause: error,
        details,
      });
    }
    return new SdkError(
      'host_not_found',
      `${url} is not an MQTT WebSocket endpoint (HTTP ${status}): check the URL and its path (/websocket)`,
      { cause: error, details },
    );
  }
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
