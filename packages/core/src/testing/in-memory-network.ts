/**
 * An in-memory stand-in for a real Bytedesk server (SPEC §2): realtime (MQTT-like) and REST
 * transports that talk to one simulated server, driven by a clock, with switchable faults.
 * Core's own tests and the scenario tests use it; no socket is ever opened.
 */
import {
  decodeMessage,
  encodeMessage,
  fromRestHistoryJson,
  fromRestJson,
  fromRestThreadJson,
  MAX_PACKET_BYTES,
  SdkError,
  topics as topicOf,
  toRestJson,
  type WireMessage,
  type WireMessageInit,
} from '@weiyu/protocol';
import {
  type Acceptance,
  clientIdUser,
  type EchoTiming,
  type HistoryOrder,
  kickoffMessage,
  type RecallEffect,
  type ServerDirectory,
  type ServerMode,
  ServerRules,
  sessionPresentFlag,
  type ThreadSeed,
} from '@weiyu/protocol/server';
import type {
  AbortSignalLike,
  Clock,
  HistoryPage,
  RandomSource,
  RealtimeConnectOptions,
  RealtimeConnectResult,
  RealtimeEvent,
  RealtimeTransport,
  RestCallOptions,
  RestTransport,
  ThreadListPage,
} from '../interfaces.js';
import { createMessageUid } from '../random.js';
import { publishPacketSize } from '../send/packet.js';
import { seededRandom } from './seeded-random.js';

/** Options of {@link createInMemoryNetwork}. */
export interface InMemoryNetworkOptions {
  /** Drives every delay of the network (use a fake clock in tests). */
  readonly clock: Clock;
  /** Randomness of the randomized faults (default `seededRandom(1)`, so runs repeat). */
  readonly random?: RandomSource;
  /**
   * `bytedesk` (default): the real server — any token connects (only an empty clientId is
   * refused), no access rules, topics matched as substrings, the PUBLISH topic ignored,
   * UNSUBSCRIBE a no-op. `strict`: a hardened deployment — a valid token of the clientId's user
   * at connect (an expiring one closes the connection), access rules (`directory`), the sender
   * must be the token's user, exact topics. The rules are those of `@weiyu/protocol/server`,
   * shared with the mock broker.
   */
  readonly mode?: ServerMode;
  /**
   * `bytedesk` (default): like the real server, no persistent sessions and no offline queue.
   * `session`: like the aedes mock broker, a clientId keeps its subscriptions and QoS 1
   * messages published while it was away (MQTT `clean: false`).
   */
  readonly compat?: 'session' | 'bytedesk';
  /**
   * How long a stored message takes to appear in REST history. Default 0 here, so core's tests
   * see history at once; the real server (and the mock broker's default) takes about 5,000 ms.
   */
  readonly historyLagMs?: number;
  /** History order: `updatedAt` (default, the real server: a receipt moves a message up) or `createdAt`. */
  readonly historyOrder?: HistoryOrder;
  /** What RECALL does: `delete` (default, the real server: gone from history) or `mark` (status RECALL). */
  readonly recall?: RecallEffect;
  /** When the sender's echo arrives: `after-puback` (default) or `before-puback` (synchronous server builds). */
  readonly echoTiming?: EchoTiming;
  /** Users and threads for the access rules of `strict` mode; without it, only what topics name. */
  readonly directory?: ServerDirectory;
  /**
   * What the older connection sees when another connects with its clientId: `network` (default)
   * — the real server closes it without a word, like a network drop — or `kicked`, as a
   * friendlier broker that says why would.
   */
  readonly takeoverReportedAs?: 'network' | 'kicked';
  /** Delay of every step: connect, PUBACK, SUBACK, each delivery, each REST call (default 1 ms). */
  readonly latencyMs?: number;
  /** Max MQTT packet the server accepts (default 10,240 bytes, as the real server). */
  readonly maxPacketBytes?: number;
  /** How long a REST call with a `timeout` fault hangs before failing (default 10 s). */
  readonly restTimeoutMs?: number;
}

/** A REST failure of the in-memory server: the next calls fail this way. */
export interface RestFailure {
  /** `network`: the fetch fails; `server`: envelope code 500; `timeout`: no answer in time. */
  readonly kind: 'network' | 'server' | 'timeout';
  /** Probability that a call fails (default 1: every call). */
  readonly rate?: number;
  /** How many calls fail at most before the fault clears by itself (default: no limit). */
  readonly times?: number;
}

/** Switchable faults; randomized ones use the network's seeded random source. */
export interface NetworkFaults {
  /** Drops the live connections (of one clientId, or all) as a network failure; sessions are kept. */
  dropConnections(clientId?: string): void;
  /**
   * Cuts the live connections (of one clientId, or all) silently, as a sleeping laptop or a dead
   * NAT does: the server forgets them (no more deliveries; sessions keep what comes), but the
   * clients are not told. They still look connected; their publishes and subscriptions get no
   * answer until they close the connection themselves.
   */
  sever(clientId?: string): void;
  /** Refuses connects (`connection_refused`): `true` until told `false`, or until the clock reaches `untilMs`. */
  refuseConnections(until: number | boolean): void;
  /** Holds every echo (delivery of a message back to the sender's user) until called with `false`. */
  holdEchoes(hold: boolean): void;
  /** Loses the next `n` echoes (the message is still stored and delivered to everyone else). */
  loseNextEchoes(n: number): void;
  /** Makes REST calls fail (both send and history); `undefined` clears it. */
  restFailure(fault: RestFailure | undefined): void;
  /** Makes realtime publishes fail with `network` (not routed, connection kept) with this probability. */
  publishFailure(rate: number): void;
  /** Delivers a message twice with this probability (QoS 1 redelivery). */
  duplicateDeliveries(rate: number): void;
  /** Clears every fault and releases held echoes. */
  reset(): void;
}

/** A realtime transport of the in-memory network. */
export interface InMemoryRealtimeTransport extends RealtimeTransport {
  /** The clientId of the live connection, if any. */
  readonly clientId: string | undefined;
}

/** A connection the server holds, as tests see it. */
export interface ConnectionInfo {
  /** The connection's clientId. */
  readonly clientId: string;
  /** The user it authenticated as. */
  readonly uid: string;
  /** The topics it is subscribed to. */
  readonly subscriptions: readonly string[];
}

/** Counters of what happened on the network. */
export interface NetworkStats {
  /** Every connect call that reached the server (accepted or refused). */
  readonly connectAttempts: number;
  /** Connections the server accepted. */
  readonly connects: number;
  /** MQTT publishes the server received. */
  readonly publishes: number;
  /** REST sends the server received. */
  readonly restSends: number;
  /** REST history queries the server received. */
  readonly restQueries: number;
  /** Messages the server dropped silently (invalid, or not protobuf). */
  readonly dropped: number;
  /** Deliveries to clients (each copy counted). */
  readonly deliveries: number;
}

/** The simulated server and its transports. */
export interface InMemoryNetwork {
  /** A new realtime transport (one per tab or device); `deviceUid` defaults to `device-N`. */
  realtime(options?: { readonly deviceUid?: string }): InMemoryRealtimeTransport;
  /** A REST transport on the same server. */
  rest(): RestTransport;
  /** A valid access token for a user; with `ttlMs` it expires (and, `strict`, closes its connection) after that long. */
  issueToken(uid: string, options?: { readonly ttlMs?: number }): string;
  /** Makes a token invalid from now on (existing connections stay up). */
  revokeToken(token: string): void;
  /** Switches for faults (drops, outages, slow or failing REST); change them at any time. */
  readonly faults: NetworkFaults;
  /**
   * Publishes a message as a client of `message.user.uid` would (validated, stamped, stored,
   * routed to every subscriber of `thread.topic`, echo included). Returns what was routed, or
   * undefined when the server dropped it.
   */
  publish(message: WireMessageInit): WireMessage | undefined;
  /** Delivers bytes as they are to every subscriber of `topic` (for malformed-input tests). */
  injectRaw(topic: string, bytes: Uint8Array): void;
  /** Publishes the server's KICKOFF on `system/{uid}`: content `{reason, sourceType, sourceUid, action: 'FORCE_LOGOUT'}`. */
  kick(uid: string, reason: string): void;
  /** Declares a thread before any message, as a seed does: its owners list it (`queryThreads`) and receive it. */
  seedThread(thread: ThreadSeed): void;
  /** Stored messages of a thread topic, oldest first (copies), whether history shows them yet or not; recalled ones left out. */
  history(topic: string): WireMessage[];
  /** A stored message by uid (a copy), recalled (deleted) ones included. */
  message(uid: string): WireMessage | undefined;
  /** The live connections. */
  connections(): ConnectionInfo[];
  /** The counters so far. */
  stats(): NetworkStats;
}

interface Session {
  readonly clientId: string;
  /** topic → QoS */
  readonly subscriptions: Map<string, 0 | 1>;
  readonly queue: Array<{ topic: string; payload: Uint8Array }>;
}

interface Connection {
  readonly clientId: string;
  readonly uid: string;
  readonly subscriptions: Map<string, 0 | 1>;
  readonly session: Session | undefined;
  readonly transport: TransportState;
  alive: boolean;
  /** Cut silently ({@link NetworkFaults.sever}): the server forgot it, the client does not know. */
  severed: boolean;
  /** Requests waiting on a severed connection: rejected when it closes. */
  readonly hung: Set<(error: SdkError) => void>;
}

interface TransportState {
  connection: Connection | undefined;
  readonly listeners: Set<(event: RealtimeEvent) => void>;
}

/** A token: whose it is and, when issued with a lifetime, until when. */
interface Token {
  readonly uid: string;
  readonly expiresAt: number | undefined;
}

const AUTH_HEADER_FAILURE = 'token is missing, expired or invalid';

/** Creates an in-memory Bytedesk server; see {@link InMemoryNetwork}. */
export function createInMemoryNetwork(options: InMemoryNetworkOptions): InMemoryNetwork {
  const clock = options.clock;
  const random = options.random ?? seededRandom(1);
  const compat = options.compat ?? 'bytedesk';
  const latency = options.latencyMs ?? 1;
  const maxPacket = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  const restTimeoutMs = options.restTimeoutMs ?? 10_000;

  const echoTiming = options.echoTiming ?? 'after-puback';
  const rules = new ServerRules({
    historyLagMs: options.historyLagMs ?? 0,
    ...(options.mode === undefined ? {} : { mode: options.mode }),
    ...(options.historyOrder === undefined ? {} : { historyOrder: options.historyOrder }),
    ...(options.recall === undefined ? {} : { recall: options.recall }),
    ...(options.directory === undefined ? {} : { directory: options.directory }),
  });
  const strict = rules.mode === 'strict';
  const takeoverError = (): SdkError =>
    options.takeoverReportedAs === 'kicked'
      ? new SdkError('kicked', 'another connection with the same clientId')
      : new SdkError('network', 'the server closed the connection');

  const tokens = new Map<string, Token>();
  const sessions = new Map<string, Session>();
  const live = new Map<string, Connection>();
  /** Every clientId that ever connected: the real server's CONNACK then says session present. */
  const seenClientIds = new Set<string>();
  let devices = 0;
  let tokenCount = 0;

  const stats = {
    connectAttempts: 0,
    connects: 0,
    publishes: 0,
    restSends: 0,
    restQueries: 0,
    dropped: 0,
    deliveries: 0,
  };

  // Faults.
  let refuseUntil: number | boolean = false;
  let holdingEchoes = false;
  let held: Array<() => void> = [];
  let echoesToLose = 0;
  let restFault: { kind: RestFailure['kind']; rate: number; left: number } | undefined;
  let publishFailureRate = 0;
  let duplicateRate = 0;

  const later = (fn: () => void, ms = latency): void => {
    clock.setTimeout(fn, ms);
  };
  const chance = (rate: number): boolean => rate > 0 && random.next() < rate;

  const emit = (transport: TransportState, event: RealtimeEvent): void => {
    for (const listener of [...transport.listeners]) {
      try {
        listener(event);
      } catch {
        // A client's listener failing is the client's problem, not the server's.
      }
    }
  };

  const closeConnection = (connection: Connection, error: SdkError | undefined): void => {
    if (!connection.alive) return;
    connection.alive = false;
    if (live.get(connection.clientId) === connection) live.delete(connection.clientId);
    if (connection.transport.connection === connection) connection.transport.connection = undefined;
    const hung = [...connection.hung];
    connection.hung.clear();
    for (const reject of hung) reject(new SdkError('network', 'the connection closed with no answer'));
    emit(connection.transport, { type: 'disconnected', error });
  };

  /** A request on a severed connection: no answer ever comes; rejected when the client closes. */
  const noAnswer = (connection: Connection): Promise<never> =>
    new Promise<never>((_resolve, reject) => {
      connection.hung.add(reject);
    });

  /** One delivery to a connection, after the latency; lost (or queued for its session) if it died meanwhile. */
  const deliver = (connection: Connection, topic: string, payload: Uint8Array, qos: 0 | 1): void => {
    later(() => {
      if (connection.alive && !connection.severed) {
        stats.deliveries++;
        emit(connection.transport, { type: 'message', topic, payload });
      } else if (connection.session && qos === 1) {
        connection.session.queue.push({ topic, payload });
      }
    });
  };

  /** The QoS of the subscription that receives `topic`, if any (substrings on the real server). */
  const receivingQos = (subscriptions: ReadonlyMap<string, 0 | 1>, topic: string): 0 | 1 | undefined => {
    for (const [filter, qos] of subscriptions) if (rules.matches(filter, topic)) return qos;
    return undefined;
  };

  /** Sends a message to everyone subscribed to `topic`, including the sender; echoes obey the echo faults. */
  const broadcast = (topic: string, payload: Uint8Array, senderUid: string | undefined): void => {
    // The real server subscribes a thread's owners itself (when it routes or transfers it).
    const owners = strict ? [] : rules.threadOwners(topic);
    for (const connection of live.values()) {
      const qos = receivingQos(connection.subscriptions, topic) ?? (owners.includes(connection.uid) ? 1 : undefined);
      if (qos === undefined) continue;
      const echo = senderUid !== undefined && connection.uid === senderUid;
      const send = (): void => {
        deliver(connection, topic, payload, qos);
        if (chance(duplicateRate)) deliver(connection, topic, payload, qos);
      };
      if (echo && echoesToLose > 0) {
        echoesToLose--;
        continue;
      }
      if (echo && holdingEchoes) held.push(send);
      else send();
    }
    if (compat === 'session') {
      // Sessions whose client is away keep QoS 1 messages for its return.
      for (const session of sessions.values()) {
        if (live.has(session.clientId)) continue;
        if (receivingQos(session.subscriptions, topic) === 1) session.queue.push({ topic, payload });
      }
    }
  };

  /**
   * The server's handling of a message (`@weiyu/protocol/server`): dropped when invalid, else
   * stamped, stored or applied, and routed to the subscribers of its thread (and, MEMBER, of the
   * reversed topic). `senderUid` says whose copies are echoes for the echo faults.
   */
  const route = (
    incoming: WireMessage,
    context: { readonly publishTopic?: string; readonly senderUid?: string; readonly echoOf?: string },
  ): Acceptance => {
    const result = rules.accept(incoming, {
      now: clock.now(),
      ...(context.publishTopic === undefined ? {} : { publishTopic: context.publishTopic }),
      ...(strict && context.senderUid !== undefined ? { senderUid: context.senderUid } : {}),
    });
    if (!result.ok) {
      stats.dropped++;
      return result;
    }
    for (const echo of result.echoes) broadcast(echo.topic, encodeMessage(echo.message), context.echoOf);
    return result;
  };

  const sdkAbortError = (signal: AbortSignalLike): SdkError =>
    signal.reason instanceof SdkError ? signal.reason : new SdkError('closed', 'aborted');

  /** Waits `ms` on the clock; rejects at once when the signal aborts. */
  const wait = (ms: number, signal?: AbortSignalLike): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(sdkAbortError(signal));
        return;
      }
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        if (signal) reject(sdkAbortError(signal));
      };
      const timer = clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort);
    });

  const refusing = (): boolean => (typeof refuseUntil === 'number' ? clock.now() < refuseUntil : refuseUntil);

  const realtime = (transportOptions: { readonly deviceUid?: string } = {}): InMemoryRealtimeTransport => {
    devices++;
    const deviceUid = transportOptions.deviceUid ?? `device-${devices}`;
    const state: TransportState = { connection: undefined, listeners: new Set() };
    const current = (): Connection => {
      const connection = state.connection;
      if (!connection?.alive) throw new SdkError('not_connected', 'not connected');
      return connection;
    };

    return {
      deviceUid,
      get clientId() {
        return state.connection?.clientId;
      },
      isConnected: () => state.connection?.alive === true,
      async connect(connect: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
        await wait(latency, signal);
        stats.connectAttempts++;
        if (refusing()) throw new SdkError('connection_refused', 'connection refused (ECONNREFUSED)');
        if (!connect.clientId) throw new SdkError('protocol', 'the server rejected an empty clientId (CONNACK 2)');
        const uid = clientIdUser(connect.clientId);
        // The real server takes any password; a strict one wants a live token of the clientId's user.
        const token = tokens.get(connect.password);
        if (strict && (token?.uid !== uid || expired(token))) {
          throw new SdkError('bad_credentials', 'the server did not accept the username or token');
        }
        // One connection per transport: a connect replaces the old one quietly.
        if (state.connection) closeConnection(state.connection, undefined);
        const previous = live.get(connect.clientId);
        // The server closes the older connection with the same clientId, without a word.
        if (previous) closeConnection(previous, takeoverError());

        let session: Session | undefined;
        let sessionPresent = sessionPresentFlag(false, seenClientIds.has(connect.clientId));
        seenClientIds.add(connect.clientId);
        if (compat === 'session') {
          session = sessions.get(connect.clientId);
          sessionPresent = session !== undefined;
          if (!session) {
            session = { clientId: connect.clientId, subscriptions: new Map(), queue: [] };
            sessions.set(connect.clientId, session);
          }
        }
        const connection: Connection = {
          clientId: connect.clientId,
          uid,
          subscriptions: session?.subscriptions ?? new Map(),
          session,
          transport: state,
          alive: true,
          severed: false,
          hung: new Set(),
        };
        state.connection = connection;
        live.set(connect.clientId, connection);
        stats.connects++;
        if (strict && token?.expiresAt !== undefined) closeOnExpiry(connection, token.expiresAt);
        if (session && session.queue.length > 0) {
          for (const queued of session.queue.splice(0)) deliver(connection, queued.topic, queued.payload, 1);
        }
        return { sessionPresent };
      },
      async publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
        const connection = current();
        if (connection.severed) return noAnswer(connection);
        stats.publishes++;
        if (publishPacketSize(topic, payload.length, qos) > maxPacket) {
          const error = new SdkError('protocol', `the server closed the connection: packet over ${maxPacket} bytes`);
          closeConnection(connection, error);
          throw error;
        }
        await wait(latency);
        if (!connection.alive) throw new SdkError('network', 'the connection closed before the PUBACK');
        if (chance(publishFailureRate)) throw new SdkError('network', 'publish failed (fault)');
        const decoded = decodeMessage(payload);
        if (decoded.ok) {
          route(decoded.value, { publishTopic: topic, senderUid: connection.uid, echoOf: connection.uid });
        } else {
          stats.dropped++;
        }
        // Synchronous server builds echo before the PUBACK: it then comes one latency later.
        if (echoTiming === 'before-puback') await wait(latency);
      },
      async subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
        const connection = current();
        if (connection.severed) return noAnswer(connection);
        const decisions = topics.map((topic) => ({ topic, decision: rules.subscribe(topic, connection.uid, qos) }));
        const closing = decisions.find((d) => d.decision.action === 'close');
        if (closing) {
          const error = new SdkError('protocol', `the server closed the connection: bad filter "${closing.topic}"`);
          closeConnection(connection, error);
          throw error;
        }
        await wait(latency);
        if (!connection.alive) throw new SdkError('not_connected', 'the connection closed before the SUBACK');
        for (const { topic, decision } of decisions) {
          if (decision.action === 'grant') connection.subscriptions.set(topic, decision.qos > 0 ? 1 : 0);
        }
        const refused = decisions.filter((d) => d.decision.action === 'refuse').map((d) => d.topic);
        if (refused.length > 0) {
          throw new SdkError(
            'not_authorized',
            `the server refused the subscription (SUBACK 0x80): ${refused.join(', ')}`,
          );
        }
      },
      async unsubscribe(topics: readonly string[]): Promise<void> {
        const connection = current();
        if (connection.severed) return noAnswer(connection);
        await wait(latency);
        if (!connection.alive) throw new SdkError('not_connected', 'the connection closed before the UNSUBACK');
        // A no-op on the real server: it keeps sending what the topic gets.
        if (rules.unsubscribeHonoured) for (const topic of topics) connection.subscriptions.delete(topic);
      },
      async close(): Promise<void> {
        if (state.connection) closeConnection(state.connection, undefined);
      },
      on(listener: (event: RealtimeEvent) => void): () => void {
        state.listeners.add(listener);
        return () => {
          state.listeners.delete(listener);
        };
      },
    };
  };

  /** Waits the latency, then applies the REST fault, if any. */
  const restCall = async (signal: AbortSignalLike | undefined): Promise<void> => {
    await wait(latency, signal);
    const fault = restFault;
    if (!fault || !chance(fault.rate)) return;
    fault.left--;
    if (fault.left <= 0) restFault = undefined;
    if (fault.kind === 'network') throw new SdkError('network', 'fetch failed (fault)');
    if (fault.kind === 'server') {
      throw new SdkError('server_error', 'Internal Server Error', { details: { code: 500 } });
    }
    await wait(restTimeoutMs, signal);
    throw new SdkError('timeout', 'the REST call timed out (fault)');
  };

  const expired = (token: Token): boolean => token.expiresAt !== undefined && token.expiresAt <= clock.now();

  /** `strict`: a token that expires while its connection is up closes the connection. */
  const closeOnExpiry = (connection: Connection, expiresAt: number): void => {
    clock.setTimeout(
      () => closeConnection(connection, new SdkError('network', 'the server closed the connection')),
      Math.max(0, expiresAt - clock.now()),
    );
  };

  const authenticate = (options: RestCallOptions | undefined): string => {
    const token = options?.accessToken === undefined ? undefined : tokens.get(options.accessToken);
    if (token === undefined || expired(token)) {
      throw new SdkError('unauthenticated', AUTH_HEADER_FAILURE, { details: { status: 401 } });
    }
    return token.uid;
  };

  const forbidden = (reason: string): SdkError =>
    new SdkError('not_authorized', `forbidden: ${reason}`, { details: { status: 403 } });

  const rest = (): RestTransport => ({
    // The client's default history lag: read again once this has passed after a connect.
    historyLagMs: rules.options.historyLagMs,
    /**
     * The real server answers `data` = the posted JSON string, unchecked, and routes the message
     * afterwards (an invalid one is dropped); the transport reads that string back. `strict`
     * refuses (403) a sender who is not the token's user or may not use the thread.
     */
    async sendMessage(message, callOptions) {
      await restCall(callOptions.signal);
      stats.restSends++;
      const tokenUid = callOptions.visitor ? undefined : authenticate(callOptions);
      const senderUid = tokenUid ?? message.user?.uid ?? '';
      // The message travels as JSON in `{json, client}`, as on the real endpoint.
      const posted = fromRestJson(JSON.stringify(toRestJson(message)));
      if (!posted.ok) throw new SdkError('server_error', posted.error.message, { details: { code: 500 } });
      if (strict && (posted.value.user?.uid ?? '') !== senderUid) throw forbidden('message.user is not the sender');
      if (strict && !rules.mayUse(senderUid, posted.value.thread?.topic ?? '')) throw forbidden('not in this thread');
      route(posted.value, { senderUid, echoOf: senderUid });
      return posted.value;
    },
    async queryTopic(query, callOptions) {
      await restCall(callOptions?.signal);
      stats.restQueries++;
      const uid = authenticate(callOptions);
      const { topic, pageNumber, pageSize } = query;
      if (!rules.mayUse(uid, topic)) throw forbidden('not a participant of this thread');
      const page = rules.historyPage(topic, { pageNumber, pageSize }, clock.now());
      if (!page.ok) throw new SdkError('server_error', page.reason, { details: { code: 500 } });
      // What the transport reads off the server's JSON (its spellings: client, thread.status; updatedAt kept).
      const messages = page.content.flatMap((item) => {
        const read = fromRestHistoryJson(item);
        return read.ok ? [read.value] : [];
      });
      return {
        messages,
        pageNumber: page.number,
        pageSize: page.size,
        totalPages: page.totalPages,
        totalElements: page.totalElements,
        last: page.last,
      } satisfies HistoryPage;
    },
    async queryThreads(query, callOptions) {
      await restCall(callOptions?.signal);
      stats.restQueries++;
      const uid = authenticate(callOptions);
      const page = rules.threadPage(uid, query);
      if (!page.ok) throw new SdkError('server_error', page.reason, { details: { code: 500 } });
      // What the transport reads off the server's JSON (ThreadResponse: status, contentObject, …).
      const threads = page.content.flatMap((item) => {
        const read = fromRestThreadJson(item);
        return read.ok ? [read.value] : [];
      });
      return {
        threads,
        pageNumber: page.number,
        pageSize: page.size,
        totalPages: page.totalPages,
        totalElements: page.totalElements,
        last: page.last,
      } satisfies ThreadListPage;
    },
  });

  const releaseHeld = (): void => {
    const release = held;
    held = [];
    for (const send of release) send();
  };

  const faults: NetworkFaults = {
    dropConnections(clientId?: string): void {
      for (const connection of [...live.values()]) {
        if (clientId === undefined || connection.clientId === clientId) {
          closeConnection(connection, new SdkError('network', 'connection lost (fault)'));
        }
      }
    },
    sever(clientId?: string): void {
      for (const connection of [...live.values()]) {
        if (clientId === undefined || connection.clientId === clientId) {
          connection.severed = true;
          live.delete(connection.clientId);
        }
      }
    },
    refuseConnections(until: number | boolean): void {
      refuseUntil = until;
    },
    holdEchoes(hold: boolean): void {
      holdingEchoes = hold;
      if (!hold) releaseHeld();
    },
    loseNextEchoes(n: number): void {
      echoesToLose = Math.max(0, Math.floor(n));
    },
    restFailure(fault: RestFailure | undefined): void {
      restFault = fault && {
        kind: fault.kind,
        rate: fault.rate ?? 1,
        left: fault.times ?? Number.POSITIVE_INFINITY,
      };
    },
    publishFailure(rate: number): void {
      publishFailureRate = rate;
    },
    duplicateDeliveries(rate: number): void {
      duplicateRate = rate;
    },
    reset(): void {
      refuseUntil = false;
      echoesToLose = 0;
      restFault = undefined;
      publishFailureRate = 0;
      duplicateRate = 0;
      faults.holdEchoes(false);
    },
  };

  return {
    realtime,
    rest,
    issueToken(uid: string, tokenOptions: { readonly ttlMs?: number } = {}): string {
      tokenCount++;
      const token = `token-${tokenCount}-${createMessageUid(random).slice(0, 12)}`;
      const ttl = tokenOptions.ttlMs;
      tokens.set(token, { uid, expiresAt: ttl === undefined ? undefined : clock.now() + ttl });
      return token;
    },
    revokeToken(token: string): void {
      tokens.delete(token);
    },
    faults,
    publish(message: WireMessageInit): WireMessage | undefined {
      const user = message.user?.uid;
      const normalized = decodeMessage(encodeMessage(message));
      if (!normalized.ok) return undefined;
      const routed = route(normalized.value, user === undefined ? {} : { senderUid: user, echoOf: user });
      return routed.ok ? routed.message : undefined;
    },
    injectRaw(topic: string, bytes: Uint8Array): void {
      broadcast(topic, bytes.slice(), undefined);
    },
    kick(uid: string, reason: string): void {
      const kickoff = kickoffMessage({ uid: createMessageUid(random), userUid: uid, reason, now: clock.now() });
      broadcast(topicOf.system(uid), encodeMessage(kickoff), undefined);
    },
    seedThread: (thread: ThreadSeed) => rules.seedThread(thread, clock.now()),
    history: (topic: string) => rules.stored(topic),
    message: (uid: string) => rules.record(uid)?.message,
    connections: () =>
      [...live.values()].map((c) => ({ clientId: c.clientId, uid: c.uid, subscriptions: [...c.subscriptions.keys()] })),
    stats: () => ({ ...stats }),
  };
}
