/**
 * The one place the playground builds SDK pieces: a real client per pane on the public API
 * (createChatClient + createMqttTransport + createHttpTransport + a Web Storage outbox with a
 * per-pane prefix + the browser environment), behind the pane's network switch.
 */
import {
  type ChatClient,
  type ChatTiming,
  type ChatUser,
  createBrowserEnvironment,
  createChatClient,
  createWebStorageStore,
  type Logger,
} from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { createNetworkSwitch, type NetworkSwitch } from './network.js';

export interface PaneSdkOptions {
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly orgUid: string;
  readonly deviceUid: string;
  /** Prefix of every Web Storage key of this pane (outbox, cached login). */
  readonly storagePrefix: string;
  readonly username: string;
  readonly password: string;
  readonly timing: Partial<ChatTiming>;
  readonly logger: Logger;
}

export interface PaneSdk {
  readonly client: ChatClient;
  readonly network: NetworkSwitch;
  readonly user: ChatUser;
}

/** A pane's user once logged in, with the token the login gave. */
interface SignedIn {
  readonly accessToken: string;
  readonly user: ChatUser;
}

/** Logs in until it works (the broker may start after the page), reporting each failure. */
async function loginUntilDone(login: () => Promise<SignedIn>, onFailure: (error: unknown) => void): Promise<SignedIn> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await login();
    } catch (error) {
      onFailure(error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
    }
  }
}

function readCachedUser(key: string): ChatUser | undefined {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return undefined;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && 'uid' in parsed && typeof parsed.uid === 'string') {
      const user: ChatUser = { uid: parsed.uid };
      return {
        ...user,
        ...('nickname' in parsed && typeof parsed.nickname === 'string' ? { nickname: parsed.nickname } : {}),
        ...('avatar' in parsed && typeof parsed.avatar === 'string' ? { avatar: parsed.avatar } : {}),
        ...('type' in parsed && typeof parsed.type === 'string' ? { type: parsed.type } : {}),
      };
    }
  } catch {
    // A broken cache is no cache.
  }
  return undefined;
}

/**
 * Builds a pane's client. The user comes from the login; it is cached so that after a reload the
 * client (and its outbox) comes back at once, even while the broker or the network is down.
 */
export async function createPaneSdk(
  options: PaneSdkOptions,
  onLoginFailure: (error: unknown) => void,
): Promise<PaneSdk> {
  const http = createHttpTransport({ baseUrl: options.httpUrl });
  const mqtt = createMqttTransport({ url: options.mqttUrl, deviceUid: options.deviceUid });
  const network = createNetworkSwitch({ environment: createBrowserEnvironment(), realtime: mqtt, rest: http });

  let token: string | undefined;
  const userKey = `${options.storagePrefix}user`;
  const login = async (): Promise<SignedIn> => {
    network.assertOnline();
    const result = await http.login(options.username, options.password);
    token = result.accessToken;
    const user: ChatUser = {
      uid: result.user.uid,
      ...(result.user.nickname === undefined ? {} : { nickname: result.user.nickname }),
      ...(result.user.avatar === undefined ? {} : { avatar: result.user.avatar }),
      ...(result.user.type === undefined ? {} : { type: result.user.type }),
    };
    localStorage.setItem(userKey, JSON.stringify(user));
    return { accessToken: result.accessToken, user };
  };

  const user = readCachedUser(userKey) ?? (await loginUntilDone(login, onLoginFailure)).user;

  const client = createChatClient({
    user,
    orgUid: options.orgUid,
    channel: 'WEB',
    realtime: network.realtime,
    rest: network.rest,
    auth: {
      username: options.username,
      getToken: async ({ refresh }) => {
        if (token !== undefined && !refresh) return token;
        return (await login()).accessToken;
      },
    },
    outbox: createWebStorageStore(localStorage, `${options.storagePrefix}sdk:`),
    environment: network.environment,
    timing: options.timing,
    logger: options.logger,
  });
  return { client, network, user };
}
