import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeMessage,
  encodeMessage,
  MAX_PACKET_BYTES,
  type WireMessage,
  type WireMessageInit,
} from '@weiyu/protocol';
import {
  clientIdUser,
  type EchoTiming,
  type HistoryOrder,
  kickoffMessage,
  type RecallEffect,
  sessionPresentFlag,
} from '@weiyu/protocol/server';
import {
  Aedes,
  type AuthErrorCode,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import { type WebSocket, WebSocketServer } from 'ws';
import { restRequestListener } from './http-server.js';
import { connackSessionFlag, guardedWebSocketStream } from './packet-guard.js';
import type { AdminHooks } from './rest.js';
import { type RobotAnswerOptions, type RobotAnswerThread, robotAnswerPieces } from './robot-answer.js';
import { type MockLoginResult, MockServerState } from './state.js';
import { Subscribers } from './subscribers.js';
import type {
  CompatMode,
  MockLogger,
  MockMode,
  MockThread,
  MockUser,
  RestFault,
  SeedData,
  TimeFormat,
} from './types.js';

/** Options of {@link startMockBroker}. */
export interface MockBrokerOptions {
  /** MQTT-over-WebSocket port; default 9885, 0 picks a free one. */
  mqttPort?: number;
  /** REST port; default 9003, 0 picks a free one. */
  httpPort?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /**
   * Security: `bytedesk` (default) behaves as the real server (open CONNECT, no access rules,
   * substring topics, the PUBLISH topic ignored); `strict` is a hardened deployment (token auth
   * at CONNECT, access rules, sender = token user, an expiring token closes its connection).
   */
  mode?: MockMode;
  /** Sessions: `bytedesk` (default) keeps none, like the real server; `session` keeps aedes persistent sessions. */
  compat?: CompatMode;
  /** How long a stored message takes to appear in REST history; default 5,000 ms (the real server's batched writes). */
  historyLagMs?: number;
  /** History order: `updatedAt` (default, the real server: a receipt moves a message up) or `createdAt`. */
  historyOrder?: HistoryOrder;
  /** What RECALL does to the stored message: `delete` (default, the real server) or `mark` (status RECALL). */
  recall?: RecallEffect;
  /** When the sender's echo goes out: `after-puback` (default, the async server build) or `before-puback`. */
  echoTiming?: EchoTiming;
  /** How `createdAt` is written: `shanghai` (default, current servers) or `epoch` (older servers). */
  timeFormat?: TimeFormat;
  /** Seed data, or a path to a seed JSON file; default `seed/default.json` of this package. */
  seed?: SeedData | string;
  /** Secret that signs tokens; random per process when absent. */
  tokenSecret?: string;
  /** Lifetime of issued tokens; default 24 hours. */
  tokenTtlMs?: number;
  /** Where to log what the server does (drops, refusals…); silent by default. */
  logger?: MockLogger;
  /** Largest MQTT packet (remaining length) accepted; a bigger one closes the connection. Default 10,240. */
  maxPacketBytes?: number;
  /** The clock (epoch ms) for server time and token expiry; default `Date.now`. */
  now?: () => number;
  /** The largest file the upload endpoints take (default 10 MiB); files are kept in memory and served under `/file/`. */
  maxUploadBytes?: number;
}

/** A connected MQTT client as the broker sees it. */
export interface ConnectedClient {
  /** The MQTT clientId. */
  clientId: string;
  /** The user it belongs to (the part of the clientId before the first `/`). */
  userUid: string;
}

/** Faults to switch on and off from code (the `/__admin/faults/*` endpoints do the same over HTTP). */
export interface MockBrokerFaults {
  /** Drops connections abruptly (no close frame): one clientId, one user's, or all. Returns how many. */
  drop(filter?: { clientId?: string; userUid?: string }): number;
  /** Takes MQTT down for `ms`: the port stops listening (ECONNREFUSED) and connections drop. REST stays up. */
  outage(ms: number): void;
  /** Makes REST fail or slow down; `{}` or undefined clears it. */
  rest(fault: RestFault | undefined): void;
  /** Holds back the routed echoes (on) or releases the held ones in order (off). */
  holdEchoes(on: boolean): void;
  /** Clears every fault (and releases held echoes). */
  reset(): void;
}

/** A running mock Bytedesk server: MQTT over WebSocket plus the REST API. */
export interface MockBroker {
  /** `ws://HOST:PORT/websocket`. */
  readonly mqttUrl: string;
  /** `http://HOST:PORT`. */
  readonly httpUrl: string;
  /** The MQTT-over-WebSocket port it listens on (the one picked when asked for 0). */
  readonly mqttPort: number;
  /** The REST port it listens on (the one picked when asked for 0). */
  readonly httpPort: number;
  /** The shared server state (users, threads, history, routing), for advanced tests. */
  readonly state: MockServerState;
  /** Switches faults on and off: dropped links, outages, failing REST, held echoes. */
  readonly faults: MockBrokerFaults;
  /** Logs a user in (no lock counted); without a password it is not checked. Throws on a wrong login. */
  login(username: string, password?: string): MockLoginResult;
  /** A signed access token for a known user. */
  issueToken(userUid: string, options?: { ttlMs?: number }): string;
  /** Adds a user who can log in from now on. */
  addUser(user: MockUser): void;
  /** Adds a thread (its participants' access in `strict` mode). */
  addThread(thread: MockThread): void;
  /** The known users, seed included. */
  users(): MockUser[];
  /** The known threads, seed included. */
  threads(): MockThread[];
  /** Stored messages of a topic, oldest first. */
  history(topic: string): WireMessage[];
  /** ClientIds of the connected MQTT clients. */
  clients(): string[];
  /** Connected MQTT clients with their users. */
  connections(): ConnectedClient[];
  /**
   * Publishes KICKOFF on `system/{userUid}` (content `{reason, sourceType, sourceUid, action:
   * "FORCE_LOGOUT"}`); with `disconnect: true` also closes the user's connections once it went out.
   */
  kick(userUid: string, reason: string, options?: KickOptions): Promise<void>;
  /** Publishes arbitrary bytes (QoS 1) to the subscribers of a topic, e.g. malformed protobuf. */
  publishRaw(topic: string, bytes: Uint8Array): Promise<void>;
  /** Publishes a message as the server (QoS 1) without routing or storing it. */
  publishMessage(topic: string, message: WireMessageInit): Promise<void>;
  /**
   * Streams a robot's answer into a thread as the server does: ROBOT_STREAM_START, one
   * ROBOT_STREAM per piece, then ROBOT_STREAM_END (or `_ERROR` / `_CANCEL`, or nothing), all with
   * one uid, routed and stored (the pieces concatenated into one message). Resolves with the
   * answer's uid once every piece went out.
   */
  streamRobotAnswer(
    thread: RobotAnswerThread,
    pieces: readonly string[],
    options?: RobotAnswerOptions,
  ): Promise<string>;
  /** Stops and starts both servers on the same ports: connections drop; users, threads, history (and sessions in `session` mode) stay. */
  restart(): Promise<void>;
  /** Stops everything. */
  close(): Promise<void>;
}

/** Options of {@link MockBroker.kick}. */
export interface KickOptions {
  /** Also close the user's connections once the KICKOFF went out. */
  disconnect?: boolean;
  /** What caused it (content `sourceType`), default `SYSTEM`. */
  sourceType?: string;
  /** The uid of what caused it (content `sourceUid`), default `system`. */
  sourceUid?: string;
}

/** The granted QoS aedes reports for a refused subscription. */
const SUBACK_FAILURE = 128;
/** Where intercepted client publishes go: no client may subscribe here, so nothing is forwarded. */
const SINK_TOPIC = '$SYS/weiyu-mock/intercepted';

/**
 * Starts a development and test server that behaves like the Bytedesk server (SPEC §2) by
 * default — open MQTT over WebSocket at `/websocket`, routing by the payload's thread with the
 * SUCCESS echo, substring topics, history sorted by `updatedAt` with its write lag, the REST API
 * as the server answers it — plus admin/fault endpoints. `mode: 'strict'` adds token auth and
 * access rules; `compat: 'session'` adds aedes persistent sessions.
 *
 * @example
 * const broker = await startMockBroker({ mqttPort: 0, httpPort: 0 });
 * const { accessToken } = broker.login('agent', 'agent123');
 * // connect mqtt.js to broker.mqttUrl with clientId 'agent_demo/web/dev1', username 'agent', password accessToken
 * await broker.close();
 */
export async function startMockBroker(options: MockBrokerOptions = {}): Promise<MockBroker> {
  const broker = new MockBrokerServer(options);
  await broker.start();
  return broker;
}

function authError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: returnCode as AuthErrorCode });
}

class MockBrokerServer implements MockBroker {
  readonly state: MockServerState;
  readonly faults: MockBrokerFaults;
  readonly #host: string;
  readonly #compat: CompatMode;
  readonly #echoTiming: EchoTiming;
  readonly #maxPacketBytes: number;
  readonly #log: MockLogger;
  #mqttPort: number;
  #httpPort: number;
  #aedes: Aedes | undefined;
  #mqttServer: Server | undefined;
  #wss: WebSocketServer | undefined;
  #httpServer: Server | undefined;
  readonly #userOf = new WeakMap<Client, string>();
  readonly #sockets = new Map<Client, WebSocket>();
  readonly #subscribers: Subscribers;
  /** What each CONNECT asked before `compat` changed it: its clean flag, whether its clientId was empty. */
  readonly #asked = new WeakMap<Client, { clean: boolean; emptyClientId: boolean }>();
  /** Clients whose CONNACK says session present although no session is kept. */
  readonly #sessionPresent = new WeakSet<Client>();
  /** Every clientId that ever connected (the real server keeps them all). */
  readonly #seenClientIds = new Set<string>();
  /** `strict`: timers closing a connection when its token expires. */
  readonly #expiryTimers = new Map<Client, NodeJS.Timeout>();
  /** Deliveries of the echoes of the publish being authorized (`before-puback`). */
  #publishing: Array<Promise<void>> | undefined;
  #outageTimer: NodeJS.Timeout | undefined;
  #outageEndsAt = 0;
  #unlistenEcho: (() => void) | undefined;
  /** Waits between the pieces of streamed answers, ended at close. */
  readonly #pieceWaits = new Set<() => void>();
  #closed = false;

  constructor(options: MockBrokerOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#mqttPort = options.mqttPort ?? 9885;
    this.#httpPort = options.httpPort ?? 9003;
    this.#compat = options.compat ?? 'bytedesk';
    this.#echoTiming = options.echoTiming ?? 'after-puback';
    this.#maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES;
    this.#log = options.logger ?? {};
    this.state = new MockServerState({
      ...definedOnly({
        seed: options.seed,
        mode: options.mode,
        historyLagMs: options.historyLagMs,
        historyOrder: options.historyOrder,
        recall: options.recall,
        tokenSecret: options.tokenSecret,
        tokenTtlMs: options.tokenTtlMs,
        timeFormat: options.timeFormat,
        now: options.now,
        maxUploadBytes: options.maxUploadBytes,
      }),
      logger: this.#log,
    });
    this.#subscribers = new Subscribers(this.state.rules);
    this.faults = {
      drop: (filter = {}) => this.#drop(filter),
      outage: (ms) => this.#outage(ms),
      rest: (fault) => this.state.setRestFault(fault),
      holdEchoes: (on) => this.state.holdEchoes(on),
      reset: () => {
        this.state.resetFaults();
        this.#endOutage();
      },
    };
  }

  get mqttPort(): number {
    return this.#mqttPort;
  }

  get httpPort(): number {
    return this.#httpPort;
  }

  get mqttUrl(): string {
    return `ws://${urlHost(this.#host)}:${this.#mqttPort}/websocket`;
  }

  get httpUrl(): string {
    return `http://${urlHost(this.#host)}:${this.#httpPort}`;
  }

  async start(): Promise<void> {
    this.#aedes = await Aedes.createBroker({
      // clientIds are `${uid}/${channel}/${deviceUid}`: far longer than MQTT 3.1's 23.
      maxClientsIdLength: 1024,
      preConnect: (client, packet, callback) => {
        this.#asked.set(client, { clean: packet.clean !== false, emptyClientId: !packet.clientId });
        // The real server keeps no offline queue: a persistent session has no effect there.
        if (this.#compat === 'bytedesk') packet.clean = true;
        callback(null, true);
      },
      authenticate: (client, username, password, done) => this.#authenticate(client, username, password, done),
      authorizeSubscribe: (client, subscription, callback) => this.#authorizeSubscribe(client, subscription, callback),
      authorizePublish: (client, packet, callback) => this.#authorizePublish(client, packet, callback),
    });
    this.#aedes.on('clientError', (client, error) => {
      this.#log.debug?.('client error', { clientId: client.id, error: error.message });
    });
    this.#aedes.on('connectionError', (client, error) => {
      this.#log.debug?.('connection error', { clientId: client.id, error: error.message });
    });
    this.#aedes.on('subscribe', (subscriptions, client) => {
      this.#subscribers.add(
        client,
        subscriptions.filter((s) => (s.qos as number) !== SUBACK_FAILURE).map((s) => s.topic),
      );
    });
    this.#aedes.on('unsubscribe', (topics, client) => this.#subscribers.remove(client, topics));
    this.#unlistenEcho = this.state.onEcho((topic, message) => this.#sendEcho(topic, message));
    try {
      await this.#listen();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  // ── MQTT rules ──────────────────────────────────────────────────────────────

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (this.#outageTimer) {
      done(authError(3, 'server unavailable (outage fault)'), false);
      return;
    }
    const asked = this.#asked.get(client);
    if (asked?.emptyClientId) {
      this.#log.info?.('CONNECT refused: empty clientId', { username });
      done(authError(2, 'identifier rejected: empty clientId'), false);
      return;
    }
    const user = this.state.mode === 'strict' ? this.#tokenUser(client, username, password) : clientIdUser(client.id);
    if (typeof user !== 'string') {
      this.#log.info?.(`CONNECT refused: ${user.problem}`, { clientId: client.id, username });
      done(authError(4, `bad user name or password: ${user.problem}`), false);
      return;
    }
    this.#userOf.set(client, user);
    const seen = this.#seenClientIds.has(client.id);
    this.#seenClientIds.add(client.id);
    if (this.#compat === 'bytedesk' && sessionPresentFlag(asked?.clean ?? true, seen)) this.#sessionPresent.add(client);
    done(null, true);
  }

  /** `strict`: the uid of the token's user, or why the CONNECT is refused; arms the expiry. */
  #tokenUser(client: Client, username: string | undefined, password: Buffer | undefined): string | { problem: string } {
    const auth = this.state.authenticate(password?.toString('utf8'));
    if (!auth.ok) return { problem: `token ${auth.problem}` };
    const user = auth.user;
    if (clientIdUser(client.id) !== user.uid)
      return { problem: `clientId "${client.id}" does not start with "${user.uid}/"` };
    if (username !== user.username && username !== user.uid) {
      return { problem: `username "${username ?? ''}" is not ${user.username}` };
    }
    this.#closeOnExpiry(client, auth.expiresAt);
    return user.uid;
  }

  /** `strict`: a token that expires while its connection is open closes the connection (plain close). */
  #closeOnExpiry(client: Client, expiresAt: number): void {
    const timer = setTimeout(
      () => {
        this.#expiryTimers.delete(client);
        this.#log.info?.('token expired: closing the connection', { clientId: client.id });
        this.#sockets.get(client)?.close();
      },
      Math.max(0, expiresAt - this.state.now()),
    );
    timer.unref();
    this.#expiryTimers.set(client, timer);
  }

  #authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const uid = this.#userOf.get(client) ?? '';
    const decision = this.state.rules.subscribe(subscription.topic, uid, subscription.qos);
    if (decision.action === 'close') {
      this.#log.info?.(`${decision.reason}: closing the connection`, { clientId: client.id });
      callback(new Error(decision.reason));
      return;
    }
    if (decision.action === 'refuse') {
      this.#log.info?.('subscription refused', { clientId: client.id, topic: subscription.topic });
      callback(null, null);
      return;
    }
    callback(null, { ...subscription, qos: decision.qos });
  }

  #authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // Strict servers know who sends; the real one takes anyone's message for any thread.
    const sender = this.state.mode === 'strict' && client ? (this.#userOf.get(client) ?? '') : undefined;
    const echoes: Array<Promise<void>> = [];
    this.#publishing = echoes;
    try {
      this.state.routeBytes(payload, topic, sender);
    } finally {
      this.#publishing = undefined;
    }
    // The client's own packet is never forwarded: subscribers get the routed copy (the echo).
    packet.topic = SINK_TOPIC;
    packet.retain = false;
    // before-puback: the PUBACK waits until the echoes were written.
    if (echoes.length === 0) callback(null);
    else
      Promise.all(echoes).then(
        () => callback(null),
        () => callback(null),
      );
  }

  /** An echo leaves the server: now when the PUBACK must wait for it, else after the PUBACK. */
  #sendEcho(topic: string, message: WireMessage): void {
    if (this.#publishing && this.#echoTiming === 'before-puback') {
      this.#publishing.push(
        this.#publish(topic, bufferOf(encodeMessage(message))).catch((error: unknown) =>
          this.#echoFailed(topic, error),
        ),
      );
      return;
    }
    // After the current tick, so the PUBACK of the publish that caused it goes out first.
    setImmediate(() => this.#forward(topic, bufferOf(encodeMessage(message))));
  }

  #echoFailed(topic: string, error: unknown): void {
    this.#log.error?.('echo failed', { topic, error: String(error) });
  }

  /**
   * Sends a server PUBLISH to whoever the server's routing finds (aedes' MQTT matching in
   * session mode); every receiver gets the same payload, which nobody changes afterwards.
   */
  #publish(topic: string, payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#deliver(topic, payload, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** {@link #publish} when nobody waits for it: an echo after the PUBACK, no promise per message. */
  #forward(topic: string, payload: Buffer): void {
    this.#deliver(topic, payload, (error) => {
      if (error) this.#echoFailed(topic, error);
    });
  }

  /** Delivers a QoS 1 PUBLISH; `done` once every receiver's copy was written (or it was refused). */
  #deliver(topic: string, payload: Buffer, done: (error?: Error) => void): void {
    const aedes = this.#aedes;
    if (!aedes || aedes.closed) {
      done();
      return;
    }
    const packet = { cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false } as const;
    if (this.#compat !== 'bytedesk') {
      aedes.publish(packet, (error) => done(error ?? undefined));
      return;
    }
    // The real server subscribes a thread's owners itself (when it routes or transfers it).
    const owners = this.state.mode === 'bytedesk' ? this.state.rules.threadOwners(topic) : [];
    const receivers = this.#subscribers.receivers(topic, owners);
    let left = receivers.length;
    if (left === 0) done();
    for (const client of receivers) {
      client.publish(packet, () => {
        left -= 1;
        if (left === 0) done();
      });
    }
  }

  // ── network ─────────────────────────────────────────────────────────────────

  async #listen(): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes) throw new Error('mock broker: aedes is not running');
    const mqttServer = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end('MQTT over WebSocket: connect to /websocket with subprotocol "mqtt"\n');
    });
    const wss = new WebSocketServer({
      server: mqttServer,
      path: '/websocket',
      // Frames may carry several packets; the packet limit is checked per packet, below.
      maxPayload: Math.max(1024 * 1024, this.#maxPacketBytes * 4),
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : (protocols.values().next().value ?? false)),
    });
    // ws re-emits the HTTP server's errors (EADDRINUSE): listen() below reports them.
    wss.on('error', () => {});
    wss.on('connection', (ws, req) => {
      let client: Client | undefined;
      const stream = guardedWebSocketStream(
        ws,
        this.#maxPacketBytes,
        () => {
          this.#log.warn?.(`packet over ${this.#maxPacketBytes} bytes: closing the connection`, {
            clientId: client?.id,
          });
        },
        connackSessionFlag(() => client !== undefined && this.#sessionPresent.has(client)),
      );
      client = aedes.handle(stream, req);
      const connected = client;
      this.#sockets.set(connected, ws);
      ws.on('close', () => this.#forget(connected));
    });
    const httpServer = createServer(restRequestListener(this.state, this.#adminHooks()));
    if (!this.#outageTimer) this.#mqttPort = await listen(mqttServer, this.#mqttPort, this.#host, 'MQTT');
    this.#mqttServer = mqttServer;
    this.#wss = wss;
    try {
      this.#httpPort = await listen(httpServer, this.#httpPort, this.#host, 'HTTP');
    } catch (error) {
      await this.#stopNetwork();
      throw error;
    }
    this.#httpServer = httpServer;
    this.#log.info?.('listening', { mqttUrl: this.mqttUrl, httpUrl: this.httpUrl });
  }

  /** A closed connection: no more deliveries, no expiry timer. */
  #forget(client: Client): void {
    this.#sockets.delete(client);
    this.#subscribers.forget(client);
    const timer = this.#expiryTimers.get(client);
    if (timer) clearTimeout(timer);
    this.#expiryTimers.delete(client);
  }

  async #stopNetwork(): Promise<void> {
    const wss = this.#wss;
    const mqttServer = this.#mqttServer;
    const httpServer = this.#httpServer;
    this.#wss = undefined;
    this.#mqttServer = undefined;
    this.#httpServer = undefined;
    for (const client of [...this.#sockets.keys()]) client.close();
    if (wss) {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
    await Promise.all([closeServer(mqttServer), closeServer(httpServer)]);
  }

  #adminHooks(): AdminHooks {
    return {
      drop: (filter) => this.#drop(filter),
      outage: (ms) => this.#outage(ms),
      restart: () => {
        this.restart().catch((error: unknown) => this.#log.error?.('restart failed', { error: String(error) }));
      },
      reset: () => this.#endOutage(),
      isClosed: () => this.#closed,
      describe: () => ({
        mqttUrl: this.mqttUrl,
        httpUrl: this.httpUrl,
        mode: this.state.mode,
        compat: this.#compat,
        clients: this.connections(),
        outage: this.#outageTimer ? { endsAt: this.#outageEndsAt } : null,
      }),
    };
  }

  // ── faults ──────────────────────────────────────────────────────────────────

  #drop(filter: { clientId?: string; userUid?: string }): number {
    let dropped = 0;
    for (const [client, ws] of [...this.#sockets]) {
      if (filter.clientId !== undefined && client.id !== filter.clientId) continue;
      if (filter.userUid !== undefined && this.#userOf.get(client) !== filter.userUid) continue;
      ws.terminate();
      dropped += 1;
    }
    this.#log.info?.('dropped connections', { ...filter, dropped });
    return dropped;
  }

  #outage(ms: number): void {
    this.#clearOutageTimer();
    this.#outageEndsAt = Date.now() + ms;
    this.#outageTimer = setTimeout(() => this.#endOutage(), ms);
    this.#outageTimer.unref();
    // Like a server that is down: the port stops listening (ECONNREFUSED) and connections drop.
    this.#mqttServer?.close();
    this.#drop({});
  }

  #clearOutageTimer(): void {
    if (this.#outageTimer) clearTimeout(this.#outageTimer);
    this.#outageTimer = undefined;
  }

  #endOutage(): void {
    const wasDown = this.#outageTimer !== undefined;
    this.#clearOutageTimer();
    const server = this.#mqttServer;
    if (!wasDown || this.#closed || !server || server.listening) return;
    listen(server, this.#mqttPort, this.#host, 'MQTT').catch((error: unknown) => {
      this.#log.error?.('could not listen again after the outage', { error: String(error) });
    });
  }

  // ── API ─────────────────────────────────────────────────────────────────────

  login(username: string, password?: string): MockLoginResult {
    if (password !== undefined) {
      const result = this.state.login(username, password);
      if (!result) throw new Error(`mock broker: wrong password for "${username}"`);
      return result;
    }
    const user = this.state.userByUsername(username) ?? this.state.user(username);
    if (!user) throw new Error(`mock broker: no user "${username}"`);
    const result = this.state.login(user.username, user.password);
    if (!result) throw new Error(`mock broker: cannot log "${username}" in`);
    return result;
  }

  issueToken(userUid: string, options?: { ttlMs?: number }): string {
    return this.state.issueToken(userUid, options);
  }

  addUser(user: MockUser): void {
    this.state.addUser(user);
  }

  addThread(thread: MockThread): void {
    this.state.addThread(thread);
  }

  users(): MockUser[] {
    return this.state.users();
  }

  threads(): MockThread[] {
    return this.state.threads();
  }

  history(topic: string): WireMessage[] {
    return this.state.history(topic);
  }

  clients(): string[] {
    return this.connections().map((c) => c.clientId);
  }

  connections(): ConnectedClient[] {
    const list: ConnectedClient[] = [];
    for (const client of this.#sockets.keys()) {
      const userUid = this.#userOf.get(client);
      if (!client.closed && userUid) list.push({ clientId: client.id, userUid });
    }
    return list;
  }

  async kick(userUid: string, reason: string, options: KickOptions = {}): Promise<void> {
    const kickoff = kickoffMessage({
      uid: randomUUID(),
      userUid,
      reason,
      now: this.state.now(),
      timeFormat: this.state.rules.options.timeFormat,
      ...definedOnly({ sourceType: options.sourceType, sourceUid: options.sourceUid }),
    });
    await this.#publish(`system/${userUid}`, bufferOf(encodeMessage(kickoff)));
    if (!options.disconnect) return;
    for (const [client, ws] of this.#sockets) {
      if (this.#userOf.get(client) === userUid) ws.close(1000, 'kicked');
    }
  }

  publishRaw(topic: string, bytes: Uint8Array): Promise<void> {
    // A copy: the caller may reuse its bytes before every receiver has them.
    return this.#publish(topic, Buffer.from(bytes));
  }

  publishMessage(topic: string, message: WireMessageInit): Promise<void> {
    return this.#publish(topic, bufferOf(encodeMessage(message)));
  }

  async streamRobotAnswer(
    thread: RobotAnswerThread,
    pieces: readonly string[],
    options: RobotAnswerOptions = {},
  ): Promise<string> {
    const messages = robotAnswerPieces(thread, pieces, options);
    for (const [index, message] of messages.entries()) {
      if (this.#closed) throw new Error('mock broker: closed');
      if (index > 0 && options.delayMs) await this.#pieceWait(options.delayMs);
      const decoded = decodeMessage(encodeMessage(message));
      if (decoded.ok) this.state.route(decoded.value);
    }
    return messages[0]?.uid ?? '';
  }

  /** A wait that `close()` ends at once. */
  #pieceWait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#pieceWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#pieceWaits.add(done);
    });
  }

  async restart(): Promise<void> {
    if (this.#closed) throw new Error('mock broker: closed');
    await this.#stopNetwork();
    await this.#listen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearOutageTimer();
    for (const done of [...this.#pieceWaits]) done();
    // REST requests waiting out a delay fault give up now: no timer outlives the broker.
    this.state.releaseRestDelays('closed');
    this.#unlistenEcho?.();
    await this.#stopNetwork();
    const aedes = this.#aedes;
    this.#aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}

/** The entries of an object whose value is defined (options are passed on without `undefined`s). */
function definedOnly<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** A Buffer over the same memory (encoded bytes nobody else holds): no copy. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          Object.assign(new Error(`mock broker: ${what} port ${port} on ${host} is already in use (EADDRINUSE)`), {
            code: 'EADDRINUSE',
            port,
            cause: error,
          }),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
