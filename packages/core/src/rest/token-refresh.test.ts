import { SdkError, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { HistoryPage, RestCallOptions, RestTransport, ThreadListPage } from '../interfaces.js';
import { withTokenRefresh } from './token-refresh.js';

const page: HistoryPage = { messages: [], pageNumber: 0, pageSize: 1, totalPages: 0, totalElements: 0, last: true };
const threads: ThreadListPage = {
  threads: [],
  pageNumber: 0,
  pageSize: 1,
  totalPages: 0,
  totalElements: 0,
  last: true,
};

/** A REST stub that accepts only `good` as the token. */
function server(good: string) {
  const tokens: Array<string | undefined> = [];
  const check = (options: RestCallOptions = {}): void => {
    tokens.push(options.accessToken);
    if (options.accessToken !== good) throw new SdkError('unauthenticated', 'token expired');
  };
  const rest: RestTransport = {
    sendMessage: async (message: WireMessage, options) => {
      check(options);
      return message;
    },
    queryTopic: async (_query, options) => {
      check(options);
      return page;
    },
    queryThreads: async (_query, options) => {
      check(options);
      return threads;
    },
  };
  return { rest, tokens };
}

describe('withTokenRefresh', () => {
  it('answers a 401 with one refresh and the same call again with the fresh token', async () => {
    const { rest, tokens } = server('fresh');
    const asked: Array<string | undefined> = [];
    const wrapped = withTokenRefresh(rest, async (rejected) => {
      asked.push(rejected);
      return 'fresh';
    });
    await expect(wrapped.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }, { accessToken: 'old' })).resolves.toBe(
      page,
    );
    expect(asked).toEqual(['old']);
    expect(tokens).toEqual(['old', 'fresh']);
  });

  it('refreshes for the thread list too, and has none when the inner transport has none', async () => {
    const { rest, tokens } = server('fresh');
    const wrapped = withTokenRefresh(rest, async () => 'fresh');
    await expect(wrapped.queryThreads?.({ pageNumber: 0, pageSize: 1 }, { accessToken: 'old' })).resolves.toBe(threads);
    expect(tokens).toEqual(['old', 'fresh']);
    const { queryThreads: _none, ...without } = rest;
    expect(withTokenRefresh(without, async () => 'fresh').queryThreads).toBeUndefined();
  });

  it('rejects with the 401 when no fresh token comes or the fresh one is refused too', async () => {
    const none = withTokenRefresh(server('x').rest, async () => undefined);
    await expect(
      none.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }, { accessToken: 'old' }),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const { rest, tokens } = server('never');
    const again = withTokenRefresh(rest, async () => 'fresh');
    await expect(
      again.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }, { accessToken: 'old' }),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(tokens).toEqual(['old', 'fresh']);
  });

  it('does not refresh on other failures', async () => {
    let asked = 0;
    const failing: RestTransport = {
      sendMessage: () => Promise.reject(new SdkError('network', 'down')),
      queryTopic: () => Promise.reject(new SdkError('network', 'down')),
    };
    const wrapped = withTokenRefresh(failing, async () => {
      asked++;
      return 'fresh';
    });
    await expect(wrapped.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 })).rejects.toMatchObject({
      code: 'network',
    });
    expect(asked).toBe(0);
  });

  it('passes an upload through with the same refresh, and leaves it out when the transport has none', async () => {
    const { rest, tokens } = server('fresh');
    const uploading: RestTransport = {
      ...rest,
      upload: async (_file, options = {}) => {
        await rest.queryTopic({ topic: 't', pageNumber: 0, pageSize: 1 }, options);
        return { url: 'https://files.test/a' };
      },
    };
    const wrapped = withTokenRefresh(uploading, async () => 'fresh');
    await expect(wrapped.upload?.({ name: 'a', size: 1, type: '' }, { accessToken: 'old' })).resolves.toEqual({
      url: 'https://files.test/a',
    });
    expect(tokens).toEqual(['old', 'fresh']);
    expect(withTokenRefresh(rest, async () => 'fresh').upload).toBeUndefined();
  });
});
