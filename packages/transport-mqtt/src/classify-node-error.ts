import { SdkError } from '@weiyu/core';

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
 * Node's socket (`ECONNREFUSED`, `ENOTFOUND`, ...), TLS and `ws` upgrade errors as an {@link SdkError},
 * else undefined. Only Node reports them: in a browser mqtt.js gives the WebSocket's error or close.
 */
export function classifyNodeError(error: Error, url: string): SdkError | undefined {
  const code: unknown = (error as Error & { code?: unknown }).code;
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
  return undefined;
}
