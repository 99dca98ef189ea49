/**
 * An in-memory stand-in for a real Bytedesk server (SPEC §2): realtime (MQTT-like) and REST
 * transports that talk to one simulated server, driven by a clock, with switchable faults.
 * Core's own tests and the scenario tests use it; no socket is ever opened.
 */
import {
  decodeMessage,
  encodeMessage,
  formatServerTime,
  fromRestJson,
  isKnownThreadType,
  isSignalMessageType,
  MAX_PACKET_BYTES,
  SdkError,
  topics as topicOf,
  toRestJson,
  validateTopic,
  type WireMessage,
  type WireMessageInit,
} from '@weiyu/protocol';
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
   * `bytedesk` (default): like the real server, no persistent sessions and no offline queue.
   * `session`: like the aedes mock broker, a clientId keeps its subscriptions and QoS 1
   * messages published while it was away (MQTT `clean: false`).
   */
  readonly compat?: 'session' | 'bytedesk';
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
  readonly clientId: string;
  readonly uid: string;
  readonly subscriptions: readonly string[];
}

/** Counters of what happened on the network. */
export interface NetworkStats {
  /** Every connect call that reached the server (accepted or refused). */
  readonly connectAttempts: number;
  readonly connects: number;
  readonly publishes: number;
  readonly restSends: number;
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
  /** A valid access token for a user. */
  issueToken(uid: string): string;
  /** Makes a token invalid from now on (existing connections stay up). */
  revokeToken(token: string): void;
  readonly faults: NetworkFaults;
  /**
   * Publishes a message as a client of `message.user.uid` would (validated, stamped, stored,
   * routed to every subscriber, echo included). Returns what was routed, or undefined when the
   * server dropped it.
   */
  publish(message: WireMessageInit): WireMessage | undefined;
  /** Delivers bytes as they are to every subscriber of `topic` (for malformed-input tests). */
  injectRaw(topic: string, bytes: Uint8Array): void;
  /** Publishes a KICKOFF on `system/{uid}` with content `{reason, action: 'FORCE_LOGOUT'}`. */
  kick(uid: string, reason: string): void;
  /** Stored messages of a thread topic, oldest first (copies). */
  history(topic: string): WireMessage[];
  /** A stored message by uid (a copy). */
  message(uid: string): WireMessage | undefined;
  /** The live connections. */
  connections(): ConnectionInfo[];
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

interface Stored {
  readonly seq: number;
  message: WireMessage;
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

  const tokens = new Map<string, string>();
  const sessions = new Map<string, Session>();
  const live = new Map<string, Connection>();
  const byTopic = new Map<string, Stored[]>();
  const byUid = new Map<string, Stored>();
  let seq = 0;
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

  /** Sends a message to everyone subscribed to `topic`, including the sender; echoes obey the echo faults. */
  const broadcast = (topic: string, payload: Uint8Array, senderUid: string | undefined): void => {
    for (const connection of live.values()) {
      const qos = connection.subscriptions.get(topic);
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
        if (session.subscriptions.get(topic) === 1) session.queue.push({ topic, payload });
      }
    }
  };

  // Wire messages are plain JSON data.
  const copy = (message: WireMessage): WireMessage => JSON.parse(JSON.stringify(message)) as WireMessage;

  /**
   * The server's handling of a published message: drop it if invalid, stamp SUCCESS and server
   * time, store it (content) or update the stored one (receipts, recall), and route it.
   */
  const route = (incoming: WireMessage, senderUid: string | undefined): WireMessage | undefined => {
    const thread = incoming.thread;
    if (!incoming.status || !thread?.topic || !isKnownThreadType(thread.type)) {
      stats.dropped++;
      return undefined;
    }
    const message: WireMessage = { ...copy(incoming), status: 'SUCCESS', createdAt: formatServerTime(clock.now()) };
    if (message.type === 'DELIVERED' || message.type === 'READ' || message.type === 'RECALL') {
      const target = byUid.get(message.content);
      if (target) {
        const current = target.message.status;
        const downgrade = message.type === 'DELIVERED' && (current === 'READ' || current === 'RECALL');
        const afterRecall = current === 'RECALL';
        if (!downgrade && !afterRecall) target.message = { ...target.message, status: message.type };
      }
    } else if (!isSignalMessageType(message.type) && message.uid) {
      if (!byUid.has(message.uid)) {
        const stored: Stored = { seq: seq++, message: copy(message) };
        byUid.set(message.uid, stored);
        const list = byTopic.get(thread.topic) ?? [];
        list.push(stored);
        byTopic.set(thread.topic, list);
      }
    }
    broadcast(thread.topic, encodeMessage(message), senderUid);
    return copy(message);
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
        const uid = connect.clientId.split('/')[0] ?? '';
        if (!uid) throw new SdkError('protocol', 'the server rejected an empty clientId');
        if (tokens.get(connect.password) !== uid) {
          throw new SdkError('bad_credentials', 'the server did not accept the username or token');
        }
        // One connection per transport: a connect replaces the old one quietly.
        if (state.connection) closeConnection(state.connection, undefined);
        const previous = live.get(connect.clientId);
        if (previous) closeConnection(previous, new SdkError('kicked', 'another connection with the same clientId'));

        let session: Session | undefined;
        let sessionPresent = false;
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
        if (decoded.ok) route(decoded.value, connection.uid);
        else stats.dropped++;
      },
      async subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
        const connection = current();
        if (connection.severed) return noAnswer(connection);
        const invalid = topics.find((t) => !validateTopic(t).ok);
        if (invalid !== undefined) {
          const error = new SdkError('protocol', `the server closed the connection: bad filter "${invalid}"`);
          closeConnection(connection, error);
          throw error;
        }
        await wait(latency);
        if (!connection.alive) throw new SdkError('not_connected', 'the connection closed before the SUBACK');
        for (const topic of topics) connection.subscriptions.set(topic, qos);
      },
      async unsubscribe(topics: readonly string[]): Promise<void> {
        const connection = current();
        if (connection.severed) return noAnswer(connection);
        await wait(latency);
        if (!connection.alive) throw new SdkError('not_connected', 'the connection closed before the UNSUBACK');
        for (const topic of topics) connection.subscriptions.delete(topic);
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

  const authenticate = (options: RestCallOptions | undefined): string => {
    const uid = options?.accessToken === undefined ? undefined : tokens.get(options.accessToken);
    if (uid === undefined) throw new SdkError('unauthenticated', AUTH_HEADER_FAILURE, { details: { status: 401 } });
    return uid;
  };

  const rest = (): RestTransport => ({
    async sendMessage(message, callOptions) {
      await restCall(callOptions.signal);
      stats.restSends++;
      const senderUid = callOptions.visitor ? message.user?.uid : authenticate(callOptions);
      // The message travels as JSON in `{json, client}`, as on the real endpoint.
      const parsed = fromRestJson(JSON.stringify(toRestJson(message)));
      if (!parsed.ok) throw new SdkError('server_error', parsed.error.message, { details: { code: 500 } });
      const routed = route(parsed.value, senderUid);
      if (!routed) throw new SdkError('server_error', 'message is invalid', { details: { code: 500 } });
      return routed;
    },
    async queryTopic(query, callOptions) {
      await restCall(callOptions?.signal);
      stats.restQueries++;
      authenticate(callOptions);
      const { topic, pageNumber, pageSize } = query;
      if (pageSize <= 0 || pageNumber < 0) {
        throw new SdkError('server_error', 'bad page request', { details: { code: 500 } });
      }
      const all = [...(byTopic.get(topic) ?? [])].reverse();
      const totalPages = Math.ceil(all.length / pageSize);
      const page: HistoryPage = {
        messages: all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize).map((s) => copy(s.message)),
        pageNumber,
        pageSize,
        totalPages,
        totalElements: all.length,
        last: pageNumber >= totalPages - 1,
      };
      return page;
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
    issueToken(uid: string): string {
      tokenCount++;
      const token = `token-${tokenCount}-${createMessageUid(random).slice(0, 12)}`;
      tokens.set(token, uid);
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
      return route(normalized.value, user);
    },
    injectRaw(topic: string, bytes: Uint8Array): void {
      broadcast(topic, bytes.slice(), undefined);
    },
    kick(uid: string, reason: string): void {
      const topic = topicOf.system(uid);
      const message: WireMessageInit = {
        uid: createMessageUid(random),
        type: 'KICKOFF',
        content: JSON.stringify({ reason, action: 'FORCE_LOGOUT' }),
        status: 'SUCCESS',
        createdAt: formatServerTime(clock.now()),
        channel: 'SYSTEM',
        thread: { uid: topic, topic, type: 'CHANNEL' },
        user: { uid: 'system', nickname: 'system', type: 'SYSTEM' },
      };
      broadcast(topic, encodeMessage(message), undefined);
    },
    history: (topic: string) => (byTopic.get(topic) ?? []).map((s) => copy(s.message)),
    message(uid: string): WireMessage | undefined {
      const stored = byUid.get(uid);
      return stored && copy(stored.message);
    },
    connections: () =>
      [...live.values()].map((c) => ({ clientId: c.clientId, uid: c.uid, subscriptions: [...c.subscriptions.keys()] })),
    stats: () => ({ ...stats }),
  };
}
