/**
 * The access token of one client: the one in use, and the asks to the app's token provider.
 * The provider is asked only when a token is needed: for a connect attempt, and once per token
 * the server refused (connect or REST), shared by every caller that was refused at the same time.
 */
import type { SdkError } from '@weiyu/protocol';
import type { ChatAuth } from '../api.js';
import { isAuthRefusal } from '../retry/policy.js';

/** The token in use and the way to a fresh one. */
export interface TokenSource {
  /** The token of the current or last connection (or of the last refresh). Never log it. */
  current(): string | undefined;
  /** What a redactor must hide: the static token and the one in use. */
  secrets(): Array<string | undefined>;
  /**
   * The token for a connect attempt: the provider's (`getToken({ refresh: false })`), or a fresh
   * one replacing the token the last attempt used (`refresh`), or the static token. May be ''.
   */
  forConnect(refresh: boolean): Promise<string>;
  /** The connect attempt goes ahead with `token`: it is the one in use from now on. */
  use(token: string): void;
  /**
   * A token to replace `rejected`, which the server refused (`undefined`: a call made with no
   * token). The refresh in flight when there is one; the current token when `rejected` was
   * already replaced; else one ask, `getToken({ refresh: true })`. Resolves `undefined` when no
   * new token can be had: a static token, or a provider that answered '' or `rejected` again (it
   * is not asked again for that token). Rejects when the provider throws, or refused before (see {@link askAgain}).
   */
  refresh(rejected: string | undefined): Promise<string | undefined>;
  /**
   * The app asked to connect again: the provider may be asked again, also after a refusal of its
   * own (it may log in, and the server locks an account after 3 wrong passwords: until then that
   * refusal is final) or a refresh that brought nothing new.
   */
  askAgain(): void;
  /** Results of asks still in flight are dropped from now on. */
  dispose(): void;
}

/** Creates the {@link TokenSource} of `auth`; `clean` turns what the provider threw into a redacted SdkError. */
export function createTokenSource(auth: ChatAuth, clean: (reason: unknown) => SdkError): TokenSource {
  let token: string | undefined;
  /** The token the last connect attempt used: what a refresh after its auth failure replaces. */
  let tried: string | undefined;
  /** The provider's refresh in flight, shared by connect attempts and REST retries. */
  let refreshing: Promise<string> | undefined;
  /**
   * The refused token whose refresh the provider already answered with nothing new ('' or the
   * same token), and that answer. Without it every later call refused with that token asked
   * again: once per send for a client that sends over REST.
   */
  let unreplaced: { readonly rejected: string | undefined; readonly answer: string } | undefined;
  /** The provider's own refusal (a wrong password): not asked again until {@link TokenSource.askAgain}. */
  let refusal: SdkError | undefined;
  let disposed = false;

  type Provider = Extract<ChatAuth, { readonly getToken: unknown }>;
  const provider: Provider | undefined = 'getToken' in auth ? auth : undefined;

  /** Asks the provider, unless it refused before; remembers a refusal. */
  const ask = async (from: Provider, refresh: boolean): Promise<string> => {
    if (refusal) throw refusal;
    try {
      return await from.getToken({ refresh });
    } catch (reason) {
      const error = clean(reason);
      if (isAuthRefusal(error)) refusal = error;
      throw error;
    }
  };

  /** The provider's answer for a token replacing `rejected` (may be '' or `rejected` itself). */
  const replacement = (from: Provider, rejected: string | undefined): Promise<string> => {
    if (refreshing) return refreshing;
    if (token !== undefined && token !== rejected) return Promise.resolve(token);
    if (unreplaced && unreplaced.rejected === rejected) return Promise.resolve(unreplaced.answer);
    const asking = ask(from, true)
      .then((fresh) => {
        if (!fresh || fresh === rejected) unreplaced = { rejected, answer: fresh };
        else if (!disposed) token = fresh;
        return fresh;
      })
      .finally(() => {
        if (refreshing === asking) refreshing = undefined;
      });
    refreshing = asking;
    return asking;
  };

  return {
    current: () => token,
    secrets: () => ['accessToken' in auth ? auth.accessToken : undefined, token],
    async forConnect(refresh) {
      if (!provider) return 'accessToken' in auth ? auth.accessToken : '';
      return refresh ? replacement(provider, tried) : ask(provider, false);
    },
    use(used) {
      token = used;
      tried = used;
    },
    async refresh(rejected) {
      if (!provider) return undefined;
      const fresh = await replacement(provider, rejected);
      return fresh && fresh !== rejected ? fresh : undefined;
    },
    askAgain() {
      refusal = undefined;
      unreplaced = undefined;
    },
    dispose() {
      disposed = true;
    },
  };
}
