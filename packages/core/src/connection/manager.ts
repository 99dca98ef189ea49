/**
 * The connection manager: runs the pure state machine of `machine.ts` on the shared runner and
 * composes what performs it — connect attempts (`attempt.ts`), the wanted topics
 * (`subscriptions.ts`), the token (`token.ts`) and wake detection (`wake.ts`) — with a realtime
 * transport, a clock and the environment.
 */
import { MAX_UID_LENGTH, SdkError, topics as topicOf } from '@weiyu/protocol';
import type { ChatAuth, ChatTiming, ChatUser, ConnectionState } from '../api.js';
import { alwaysOnlineEnvironment } from '../environment.js';
import { createEmitter, type Emitter } from '../events.js';
import type { Clock, Environment, Logger, RandomSource, RealtimeEvent, RealtimeTransport } from '../interfaces.js';
import { redactError } from '../logger.js';
import { type MachineRunner, runMachine } from '../machine/runner.js';
import { DEFAULT_TAKEOVER_LIMIT } from '../timing.js';
import { type AttemptOutcome, type ConnectAttempts, createConnectAttempts } from './attempt.js';
import { describeError, describeState } from './log.js';
import {
  type ConnectionEffect,
  type ConnectionTimer,
  connectionTimerEvent,
  initialMachineState,
  KICKED_BY_SAME_CLIENT_ID,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
  transition,
} from './machine.js';
import { createSubscriptions, type Subscriptions } from './subscriptions.js';
import { createTokenSource, type TokenSource } from './token.js';
import { createWakeDetector, type WakeDetector } from './wake.js';

/** Keeps one realtime connection up and its subscriptions in place. */
export interface ConnectionManager {
  /** The current state (see the README's transition table). */
  readonly state: ConnectionState;
  /**
   * Connects. Without a token (empty static token, or a provider returning '') the state stays
   * `idle` with reason `anonymous`. Resolves once the first attempt is decided: connected,
   * reconnecting (it keeps trying), auth-failed, or idle. Never rejects, except after dispose.
   */
  start(): Promise<void>;
  /** Closes the connection; no more reconnects; every timer cleared. The state becomes `closed`. */
  stop(): Promise<void>;
  /** Drops the connection and connects again now, with a fresh backoff; also from `auth-failed` or `kicked`. */
  restart(): Promise<void>;
  /** A KICKOFF was received: close, state `kicked`, never reconnect by itself. */
  kicked(reason: string): void;
  /**
   * Adds exact topics to the wanted set. They are subscribed now when connected (in batches)
   * and again after every connect. Rejects with `invalid_topic` (nothing added) for a topic with
   * a wildcard or an empty segment, and with `not_authorized` for topics the broker refused
   * (those are dropped from the set).
   */
  subscribe(topics: readonly string[]): Promise<void>;
  /** Removes topics from the wanted set (the user's own `user/` and `system/` topics stay). */
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** The wanted topics, the user's own first. */
  topics(): readonly string[];
  /** Whether a topic is one of the wanted ones, without listing them (every received message asks). */
  wants(topic: string): boolean;
  /** The token of the current or last connection, for REST calls. Never log it. */
  currentToken(): string | undefined;
  /**
   * After the server refused `rejected` (a REST 401): asks a token provider for a fresh token
   * (`getToken({ refresh: true })`) and returns it; {@link currentToken} returns it from then on.
   * One refresh at a time: concurrent callers share the one in flight, and a caller whose
   * `rejected` token was already replaced gets the current token without a new ask, so the
   * provider is asked at most once per refused token (connect attempts share the same refresh).
   * Resolves `undefined` when no fresh token can be had: a static token, a provider that returned
   * '' or the refused token again, or failed. Never rejects.
   */
  refreshToken(rejected?: string): Promise<string | undefined>;
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Called after a connection is up and its subscriptions are in place. */
  onConnected(listener: () => void): () => void;
  /**
   * Called when the manager stopped by itself because another connection took this clientId
   * over (the state is `kicked`, the reason {@link KICKED_BY_SAME_CLIENT_ID}). Not called for
   * {@link kicked}: its caller knows.
   */
  onKicked(listener: (reason: string) => void): () => void;
  /** Every message the transport delivers, on any topic. */
  onMessage(listener: (topic: string, payload: Uint8Array) => void): () => void;
  /** Problems that do not show in the state: refused subscriptions, transport errors, listener failures. */
  onError(listener: (error: SdkError) => void): () => void;
  /** Stops and releases every timer and listener. Other methods reject with `closed` afterwards. */
  dispose(): Promise<void>;
}

/** Options of {@link createConnectionManager}. */
export interface ConnectionManagerOptions {
  readonly realtime: RealtimeTransport;
  readonly auth: ChatAuth;
  readonly user: ChatUser;
  /** Goes into the clientId: `${user.uid}/${channel}/${realtime.deviceUid}`. */
  readonly channel: string;
  readonly clock: Clock;
  /** Jitter of the backoff. */
  readonly random: RandomSource;
  /** Network and page state (default: always online). */
  readonly environment?: Environment;
  readonly logger: Logger;
  readonly timing: ChatTiming;
  /** Topics per SUBSCRIBE packet (default 20). */
  readonly subscribeBatchSize?: number;
}

type ManagerEvents = {
  state: ConnectionState;
  connected: undefined;
  kicked: string;
  message: { readonly topic: string; readonly payload: Uint8Array };
  error: SdkError;
};

const DEFAULT_BATCH = 20;

/** The parts a manager is made of, as its public face and its listeners use them. */
interface Parts {
  readonly options: ConnectionManagerOptions;
  readonly environment: Environment;
  readonly emitter: Emitter<ManagerEvents>;
  readonly machine: MachineRunner<MachineState, MachineEvent, ConnectionTimer>;
  readonly attempts: ConnectAttempts;
  readonly subscriptions: Subscriptions;
  readonly token: TokenSource;
  readonly wake: WakeDetector;
  readonly clean: (reason: unknown) => SdkError;
  /** Disposed, and who waits for the state to leave `connecting`. */
  readonly life: { disposed: boolean; settledWaiters: Array<() => void> };
}

/**
 * The rule for the uid a client connects as: it is in its MQTT client id and topics (no "/"), and
 * in every message it sends, whose echo is refused past {@link MAX_UID_LENGTH} like anyone's.
 * Throws `invalid_argument`.
 */
export function checkSelfUid(uid: string): void {
  if (!uid || uid.includes('/') || uid.length > MAX_UID_LENGTH) {
    throw new SdkError('invalid_argument', `user.uid must be 1 to ${MAX_UID_LENGTH} characters, without "/"`);
  }
}

/** Creates a {@link ConnectionManager}. Nothing happens until `start()`. */
export function createConnectionManager(options: ConnectionManagerOptions): ConnectionManager {
  const { realtime, auth, user, clock, random, logger, timing } = options;
  checkSelfUid(user.uid);
  const environment = options.environment ?? alwaysOnlineEnvironment;
  const emitter = createEmitter<ManagerEvents>({
    onListenerError: (error, event) =>
      logger.error('a connection listener threw', { event: String(event), error: describeError(error) }),
  });
  const life: Parts['life'] = { disposed: false, settledWaiters: [] };
  const clean = (reason: unknown): SdkError => redactError(SdkError.from(reason, 'network'), token.secrets());
  const token = createTokenSource(auth, clean);
  const connection = (): ConnectionState => machine.state.connection;
  const subscriptions = createSubscriptions({
    realtime,
    ownTopics: [topicOf.user(user.uid), topicOf.system(user.uid)],
    batchSize: Math.max(1, options.subscribeBatchSize ?? DEFAULT_BATCH),
    isConnected: () => connection().status === 'connected' && realtime.isConnected(),
    clean,
  });
  const attempts = createConnectAttempts({
    realtime,
    clientId: `${user.uid}/${options.channel}/${realtime.deviceUid}`,
    username: auth.username,
    clock,
    connectTimeoutMs: timing.connectTimeoutMs,
    logger,
    token,
    subscriptions,
    clean,
    status: () => connection().status,
    onRefused: (error) => emitter.emit('error', error),
    report: (outcome) => {
      machine.send(outcomeEvent(outcome, clock.now(), random));
      if (outcome.type === 'connected') emitter.emit('connected', undefined);
    },
  });
  const wake = createWakeDetector({ clock, environment, logger, timing, onWake: () => machine.send({ type: 'wake' }) });
  const config = machineConfig(options);
  const machine = runMachine<MachineState, MachineEvent, ConnectionEffect, ConnectionTimer>(
    {
      transition: (state, event) => transition(state, event, config),
      timerEvent: connectionTimerEvent,
      perform: (action) => (action.type === 'connect' ? attempts.start(action.refresh) : attempts.close()),
      onChange: (state, previous, event) => {
        if (state.connection !== previous.connection) changed(parts, event);
      },
    },
    initialMachineState(environment.isOnline()),
    clock,
  );
  const parts: Parts = { options, environment, emitter, machine, attempts, subscriptions, token, wake, clean, life };
  return managerFace(parts, listen(parts));
}

/** The policy of the machine, from the client's timing. */
function machineConfig({ auth, timing }: ConnectionManagerOptions): MachineConfig {
  return {
    baseMs: timing.reconnectBaseMs,
    maxMs: timing.reconnectMaxMs,
    stableAfterMs: timing.stableAfterMs,
    canRefresh: 'getToken' in auth,
    takeoverWithinMs: timing.takeoverWithinMs ?? timing.stableAfterMs,
    takeoverLimit: timing.takeoverLimit ?? DEFAULT_TAKEOVER_LIMIT,
  };
}

/** The machine event that reports how an attempt ended. */
function outcomeEvent(outcome: AttemptOutcome, now: number, random: RandomSource): MachineEvent {
  switch (outcome.type) {
    case 'anonymous':
      return { type: 'anonymous' };
    case 'connected':
      return { type: 'connected', now };
    case 'failed':
      return {
        type: 'connect-failed',
        error: outcome.error,
        now,
        jitter: random.next(),
        byTokenProvider: outcome.byTokenProvider,
      };
  }
}

/** The public state moved: tick or not, wake whoever waits, tell the listeners. */
function changed({ machine, wake, options, life, emitter }: Parts, event: MachineEvent): void {
  const connection = machine.state.connection;
  wake.sync(!life.disposed && wantsConnection(connection));
  options.logger.info(`connection ${describeState(connection)}`, { event: event.type });
  if (connection.status !== 'connecting') releaseWaiters(life);
  emitter.emit('state', connection);
  // Stopped by the manager itself (another connection took the clientId): the app must hear why.
  if (connection.status === 'kicked' && event.type === 'disconnected') emitter.emit('kicked', connection.reason);
}

/** Listens to the transport and the environment; returns what stops listening. */
function listen({ options, environment, emitter, machine, subscriptions, wake, clean }: Parts): () => void {
  const { realtime, clock, random } = options;
  const onTransport = (event: RealtimeEvent): void => {
    switch (event.type) {
      case 'message':
        emitter.emit('message', { topic: event.topic, payload: event.payload });
        return;
      case 'error':
        emitter.emit('error', clean(event.error));
        return;
      case 'disconnected':
        // Drops during an attempt fail the attempt itself; closes of our own are expected.
        if (machine.state.connection.status !== 'connected') return;
        subscriptions.connectionLost();
        machine.send({
          type: 'disconnected',
          error: event.error ? clean(event.error) : new SdkError('network', 'the connection closed'),
          now: clock.now(),
          jitter: random.next(),
        });
        return;
    }
  };
  const stopTransport = realtime.on(onTransport);
  const stopEnvironment = environment.subscribe((change) => {
    // Back from a long hidden period (or a sleep): the same check as the tick, now.
    if (change === 'visible' && wake.check('visible')) return;
    machine.send({ type: change });
  });
  return () => {
    stopTransport();
    stopEnvironment();
  };
}

/** The manager as its users see it. */
function managerFace(parts: Parts, stopListening: () => void): ConnectionManager {
  const { options, emitter, machine, attempts, subscriptions, token, wake, clean, life } = parts;
  const { auth, logger } = options;
  const ensureAlive = (): void => {
    if (life.disposed) throw new SdkError('closed', 'the connection manager was disposed');
  };
  /** Resolves when the state is no longer `connecting`. */
  const settled = (): Promise<void> =>
    machine.state.connection.status === 'connecting'
      ? new Promise<void>((resolve) => life.settledWaiters.push(resolve))
      : Promise.resolve();

  const manager: ConnectionManager = {
    get state() {
      return machine.state.connection;
    },
    async start() {
      ensureAlive();
      // An anonymous visitor (static empty token) never connects: the state stays idle.
      if ('accessToken' in auth && !auth.accessToken && machine.state.connection.status === 'idle') {
        machine.send({ type: 'start-anonymous' });
        return;
      }
      token.askAgain();
      machine.send({ type: 'start' });
      await settled();
    },
    async stop() {
      machine.send({ type: 'stop' });
      await attempts.closed();
    },
    async restart() {
      ensureAlive();
      token.askAgain();
      machine.send({ type: 'restart' });
      await settled();
    },
    kicked(reason: string) {
      if (life.disposed) return;
      machine.send({ type: 'kicked', reason });
    },
    async subscribe(list: readonly string[]) {
      ensureAlive();
      await subscriptions.subscribe(list);
    },
    async unsubscribe(list: readonly string[]) {
      ensureAlive();
      await subscriptions.unsubscribe(list);
    },
    topics: () => subscriptions.topics(),
    wants: (topic) => subscriptions.wants(topic),
    currentToken: () => token.current(),
    async refreshToken(rejected?: string) {
      if (life.disposed) return undefined;
      try {
        return await token.refresh(rejected);
      } catch (reason) {
        logger.warn('the token provider failed to refresh the token', { error: describeError(clean(reason)) });
        return undefined;
      }
    },
    onState: (listener) => emitter.on('state', listener),
    onConnected: (listener) => emitter.on('connected', () => listener()),
    onKicked: (listener) => emitter.on('kicked', listener),
    onMessage: (listener) => emitter.on('message', ({ topic, payload }) => listener(topic, payload)),
    onError: (listener) => emitter.on('error', listener),
    async dispose() {
      if (life.disposed) return;
      await manager.stop();
      life.disposed = true;
      machine.stop();
      token.dispose();
      wake.sync(false);
      stopListening();
      emitter.clear();
      releaseWaiters(life);
    },
  };
  return manager;
}

function releaseWaiters(life: Parts['life']): void {
  const waiters = life.settledWaiters;
  life.settledWaiters = [];
  for (const resolve of waiters) resolve();
}

/** Whether the wake-detection tick should run: a connection is wanted and not waiting for the network. */
function wantsConnection(state: ConnectionState): boolean {
  return (
    state.status === 'connecting' ||
    state.status === 'connected' ||
    (state.status === 'reconnecting' && Number.isFinite(state.retryAt))
  );
}
