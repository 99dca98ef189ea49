/** REST calls answered 401 are made once more with a fresh token, as the connection does. */
import { SdkError } from '@weiyu/protocol';
import type { RestCallOptions, RestTransport } from '../interfaces.js';

/**
 * A REST transport that answers a 401 (`unauthenticated`) by asking for a fresh token (shared
 * with every other caller through the connection manager) and trying the same call once more
 * with it. A second 401, or no fresh token, rejects with the 401 as before.
 */
export function withTokenRefresh(
  inner: RestTransport,
  refresh: (rejected: string | undefined) => Promise<string | undefined>,
): RestTransport {
  const retrying = async <O extends RestCallOptions, T>(options: O, call: (options: O) => Promise<T>): Promise<T> => {
    try {
      return await call(options);
    } catch (reason) {
      if (!(reason instanceof SdkError) || reason.code !== 'unauthenticated' || options.signal?.aborted) throw reason;
      const fresh = await refresh(options.accessToken);
      if (fresh === undefined) throw reason;
      return call({ ...options, accessToken: fresh });
    }
  };
  const upload = inner.upload?.bind(inner);
  const queryThreads = inner.queryThreads?.bind(inner);
  return {
    sendMessage: (message, options) => retrying(options, (o) => inner.sendMessage(message, o)),
    queryTopic: (query, options = {}) => retrying(options, (o) => inner.queryTopic(query, o)),
    ...(upload ? { upload: (file, options = {}) => retrying(options, (o) => upload(file, o)) } : {}),
    ...(queryThreads
      ? { queryThreads: (query, options = {}) => retrying(options, (o) => queryThreads(query, o)) }
      : {}),
  };
}
