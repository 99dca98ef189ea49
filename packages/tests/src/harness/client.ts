import {
  type ChatClient,
  type ChatClientOptions,
  type ChatTiming,
  type ChatUser,
  createChatClient,
  type KeyValueStore,
  type RestTransport,
} from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport, type MqttTransport, type MqttTransportOptions } from '@weiyu/transport-mqtt';
import { createWsTransport, type WsTransport } from '@weiyu/transport-ws';
import { WebSocket } from 'ws';
import { type EventRecorder, recordEvents } from './recorder.js';
import { waitFor } from './wait.js';

/** Short deadlines so that fallbacks and reconnects happen within a test. */
export const TEST_TIMING: Partial<ChatTiming> = {
  echoTimeoutMs: 1_500,
  sendDeadlineMs: 8_000,
  reconnectBaseMs: 200,
  reconnectMaxMs: 1_000,
  stableAfterMs: 2_000,
  connectTimeoutMs: 3_000,
  typingTtlMs: 1_500,
  typingThrottleMs: 100,
};

/** Where a test client connects: a mock broker, a Mosquitto, or anything with a WebSocket URL. */
export interface ClientTarget {
  readonly mqttUrl: string;
  /** The REST API; absent for a plain MQTT broker. */
  readonly httpUrl?: string;
  /**
   * The server's rules, when it says (a mock broker does): the client is told how late its
   * history is written, as an app is told of its server.
   */
  readonly state?: { readonly rules: { readonly options: { readonly historyLagMs: number } } };
}

/** Options of {@link createTestClient}. */
export interface TestClientOptions {
  readonly username: string;
  /**
   * Logs in over REST with this password (mock broker). Without it, `accessToken` is used as
   * is and `uid` must name the user (plain MQTT brokers).
   */
  readonly password?: string;
  readonly accessToken?: string;
  /** The user's uid when there is no login (default: the username). */
  readonly uid?: string;
  readonly deviceUid?: string;
  readonly store?: KeyValueStore;
  readonly timing?: Partial<ChatTiming>;
  /**
   * `true` (default when the target has REST): the REST fallback and catch-up.
   * `false`: none. `'dead'`: a REST transport pointed at a closed port.
   */
  readonly rest?: boolean | 'dead';
  /** Deadline of each REST call (default 3,000 ms; 2,000 with `rest: 'dead'`). */
  readonly restTimeoutMs?: number;
  /** Extra options of createChatClient (visitor, autoDelivered, maxPacketBytes, orgUid…). */
  readonly client?: Partial<Omit<ChatClientOptions, 'user' | 'auth' | 'realtime' | 'rest' | 'outbox' | 'timing'>>;
  /**
   * Topics to subscribe before connecting (kept across reconnects). A sender should be
   * subscribed to its thread: the server's echo there is what confirms a send.
   */
  readonly topics?: readonly string[];
  /** Connect before returning and wait until connected (default true). */
  readonly connect?: boolean;
  /** Connect timeout of the MQTT transport (default 3,000 ms). */
  readonly connectTimeoutMs?: number;
  /** Other options of the MQTT transport (keepalive, clean…). */
  readonly transport?: Partial<Omit<MqttTransportOptions, 'url' | 'deviceUid' | 'connectTimeoutMs'>>;
  /** The light transport (`@weiyu/transport-ws`, on the `ws` package's WebSocket) instead of the mqtt.js one. */
  readonly light?: boolean;
}

/** A real client over real sockets, disposed at the end of its `await using` block. */
export interface TestClient extends AsyncDisposable {
  readonly client: ChatClient;
  readonly events: EventRecorder;
  readonly user: ChatUser;
  readonly accessToken: string;
  readonly realtime: MqttTransport | WsTransport;
  readonly rest: RestTransport | undefined;
  dispose(): Promise<void>;
}

/** The target's history lag as client timing, when the target says; else the client's default (the real server's). */
function historyLagOf(target: ClientTarget): Partial<ChatTiming> {
  const lag = target.state?.rules.options.historyLagMs;
  return lag === undefined ? {} : { historyLagMs: lag };
}

/** A URL where nothing listens (used as a dead REST endpoint). */
export const DEAD_HTTP_URL = 'http://127.0.0.1:9';

/**
 * Builds createChatClient + createMqttTransport + createHttpTransport against `target`, with
 * {@link TEST_TIMING}, logs in when a password is given, records every event, and (unless
 * `connect: false`) connects and waits for the connected state.
 */
export async function createTestClient(target: ClientTarget, options: TestClientOptions): Promise<TestClient> {
  const restWanted = options.rest ?? target.httpUrl !== undefined;
  const http =
    restWanted === 'dead'
      ? createHttpTransport({ baseUrl: DEAD_HTTP_URL, timeoutMs: options.restTimeoutMs ?? 2_000 })
      : restWanted && target.httpUrl !== undefined
        ? createHttpTransport({ baseUrl: target.httpUrl, timeoutMs: options.restTimeoutMs ?? 3_000 })
        : undefined;

  let accessToken = options.accessToken ?? '';
  let user: ChatUser = { uid: options.uid ?? options.username };
  if (options.password !== undefined) {
    if (target.httpUrl === undefined)
      throw new Error('createTestClient: a password needs a target with REST to log in');
    const loginTransport = createHttpTransport({ baseUrl: target.httpUrl, timeoutMs: 3_000 });
    const login = await loginTransport.login(options.username, options.password);
    accessToken = login.accessToken;
    user = {
      uid: login.user.uid,
      nickname: login.user.nickname,
      avatar: login.user.avatar,
      type: login.user.type,
    };
  }

  const common = {
    url: target.mqttUrl,
    connectTimeoutMs: options.connectTimeoutMs ?? 3_000,
    ...(options.deviceUid === undefined ? {} : { deviceUid: options.deviceUid }),
  };
  const realtime = options.light
    ? createWsTransport({ ...common, WebSocket })
    : createMqttTransport({ ...options.transport, ...common });
  const client = createChatClient({
    ...options.client,
    user,
    realtime,
    ...(http === undefined ? {} : { rest: http }),
    auth: { username: options.username, accessToken },
    ...(options.store === undefined ? {} : { outbox: options.store }),
    timing: { ...TEST_TIMING, ...historyLagOf(target), ...options.timing },
  });
  const events = recordEvents(client);
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await client.dispose();
    events.stop();
  };
  const testClient: TestClient = {
    client,
    events,
    user,
    accessToken,
    realtime,
    rest: http,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
  try {
    if (options.topics && options.topics.length > 0) await client.subscribe(options.topics);
  } catch (error) {
    await dispose();
    throw error;
  }
  if (options.connect ?? true) {
    try {
      await client.connect();
      await waitFor(() => client.isConnected(), {
        timeoutMs: 8_000,
        message: `${options.username} connected (state ${client.state.status})`,
      });
    } catch (error) {
      await dispose();
      throw error;
    }
  }
  return testClient;
}
