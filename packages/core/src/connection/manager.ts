/**
 * The connection manager: drives the pure state machine of `machine.ts` with a realtime
 * transport, a clock, a token source and the environment, and keeps the desired subscriptions
 * in place across reconnects.
 */
import { SdkError, topics as topicOf, validateTopic } from '@weiyu/protocol';
import type { ChatAuth, ChatTiming, ChatUser, ConnectionState } from '../api.js';
import { alwaysOnlineEnvironment } from '../environment.js';
import { createEmitter } from '../events.js';
import type {
  Clock,
  Environment,
  Logger,
  RandomSource,
  RealtimeConnectResult,
  RealtimeEvent,
  RealtimeTransport,
  TimerHandle,
} from '../interfaces.js';
import { redactError } from '../logger.js';
import { isAuthRefusal, isLinkDown, isSubscribeRefusal } from '../retry/policy.js';
import { DEFAULT_WAKE_CHECK_MS, DEFAULT_WAKE_TOLERANCE_MS } from '../timing.js';
import { type AbortControllerLike, createAbortController } from './abort.js';
import {
  initialMachineState,
  type MachineAction,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
  transition,
} from './machine.js';

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
   * Adds exact topics to the desired set. They are subscribed now when connected (in batches)
   * and again after every connect. Rejects with `invalid_topic` (nothing added) for a topic with
   * a wildcard or an empty segment, and with `not_authorized` for topics the broker refused
   * (those are dropped from the set).
   */
  subscribe(topics: readonly string[]): Promise<void>;
  /** Removes topics from the desired set (the user's own `user/` and `system/` topics stay). */
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** The desired topics, the user's own first. */
  topics(): readonly string[];
  /** The token of the current or last connection, for REST calls. Never log it. */
  currentToken(): string | undefined;
  /**
   * After the server refused `rejected` (a REST 401): asks a token provider for a fresh token
   * (`getToken({ refresh: true })`) and returns it; {@link currentToken} returns it from then on.
   * One refresh at a time: concurrent callers share the one in flight, and a caller whose
   * `rejected` token was already replaced gets the current token without a new ask, so the
   * provider is asked at most once per refused token (connect attempts share the same refresh).
   * Resolves `undefined` when no fresh token can be had: a static token, a provider that returned
   * '' or failed. Never rejects.
   */
  refreshToken(rejected?: string): Promise<string | undefined>;
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Called after a connection is up and its subscriptions are in place. */
  onConnected(listener: (info: { readonly sessionPresent: boolean; readonly reconnect: boolean }) => void): () => void;
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
  connected: { readonly sessionPresent: boolean; readonly reconnect: boolean };
  message: { readonly topic: string; readonly payload: Uint8Array };
  error: SdkError;
};

const DEFAULT_BATCH = 20;

/** Creates a {@link ConnectionManager}. Nothing happens until `start()`. */
export function createConnectionManager(options: ConnectionManagerOptions): ConnectionManager {
  const { realtime, auth, user, clock, random, logger, timing } = options;
  if (!user.uid || user.uid.includes('/')) {
    throw new SdkError('invalid_argument', 'user.uid must be a non-empty string without "/"');
  }
  const environment = options.environment ?? alwaysOnlineEnvironment;
  const batchSize = Math.max(1, options.subscribeBatchSize ?? DEFAULT_BATCH);
  const clientId = `${user.uid}/${options.channel}/${realtime.deviceUid}`;
  const ownTopics = [topicOf.user(user.uid), topicOf.system(user.uid)];
  const config: MachineConfig = {
    baseMs: timing.reconnectBaseMs,
    maxMs: timing.reconnectMaxMs,
    stableAfterMs: timing.stableAfterMs,
    canRefresh: 'getToken' in auth,
  };

  const emitter = createEmitter<ManagerEvents>({
    onListenerError: (error, event) =>
      logger.error('a connection listener threw', { event: String(event), error: describe(error) }),
  });

  let machine: MachineState = initialMachineState(environment.isOnline());
  let token: string | undefined;
  /** The token the last connect attempt used: what a refresh after its auth failure replaces. */
  let triedToken: string | undefined;
  /** The provider's refresh in flight, shared by connect attempts and REST retries. */
  let refreshing: Promise<string> | undefined;
  /**
   * The token provider refused (it may log in, and a wrong password locks the account after 3):
   * not asked again, by a reconnect or a REST 401, until the app calls connect or reconnect.
   */
  let providerRefusal: SdkError | undefined;
  /** Bumped for every attempt and every close: results of older attempts are ignored. */
  let attemptId = 0;
  let abortController: AbortControllerLike | undefined;
  let retryTimer: TimerHandle | undefined;
  let stableTimer: TimerHandle | undefined;
  /** The wake-detection tick: set only while a connection is wanted (see `syncWakeCheck`). */
  let wakeTimer: TimerHandle | undefined;
  /** When the last tick ran (or ticking started). */
  let lastTick = 0;
  /** A late tick was seen while the page was hidden: checked again when it becomes visible. */
  let sleptWhileHidden = false;
  let closing: Promise<void> = Promise.resolve();
  let everConnected = false;
  let disposed = false;
  /** Desired topics, in the order they were asked for. */
  const desired = new Set<string>(ownTopics);
  /** Topics subscribed on the current connection. */
  const active = new Set<string>();
  /** Resolved whenever the state leaves `connecting`. */
  let settledWaiters: Array<() => void> = [];

  const secrets = (): Array<string | undefined> => ['accessToken' in auth ? auth.accessToken : undefined, token];
  const clean = (reason: unknown, code: SdkError['code'] = 'network'): SdkError =>
    redactError(SdkError.from(reason, code), secrets());

  const cancelRetry = (): void => {
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    retryTimer = undefined;
  };
  const cancelStable = (): void => {
    if (stableTimer !== undefined) clock.clearTimeout(stableTimer);
    stableTimer = undefined;
  };

  const wakeCheckMs = timing.wakeCheckMs ?? DEFAULT_WAKE_CHECK_MS;
  const wakeAfterMs = wakeCheckMs + (timing.wakeToleranceMs ?? DEFAULT_WAKE_TOLERANCE_MS);

  /**
   * Starts the wake-detection tick while a connection is wanted (connecting, connected, or
   * waiting to retry), and stops it otherwise: idle, closed, stopped for good, or offline
   * (`online` retries by itself).
   */
  const syncWakeCheck = (): void => {
    const state = machine.connection;
    const wanted =
      !disposed &&
      wakeCheckMs > 0 &&
      Number.isFinite(wakeCheckMs) &&
      (state.status === 'connecting' ||
        state.status === 'connected' ||
        (state.status === 'reconnecting' && Number.isFinite(state.retryAt)));
    if (wanted && wakeTimer === undefined) {
      lastTick = clock.now();
      sleptWhileHidden = false;
      scheduleWakeCheck();
    } else if (!wanted && wakeTimer !== undefined) {
      clock.clearTimeout(wakeTimer);
      wakeTimer = undefined;
    }
  };

  const scheduleWakeCheck = (): void => {
    wakeTimer = clock.setTimeout(() => {
      wakeTimer = undefined;
      scheduleWakeCheck();
      checkWake('tick');
    }, wakeCheckMs);
  };

  /**
   * Whether the machine slept since the last check: then the link is suspect (`wake`). A hidden
   * page's timers are throttled (late ticks are normal there): the check waits for `visible`.
   * Returns true when it dispatched `wake`.
   */
  const checkWake = (cause: 'tick' | 'visible'): boolean => {
    if (wakeTimer === undefined) return false;
    const now = clock.now();
    const gap = now - lastTick;
    lastTick = now;
    const slept = gap > wakeAfterMs || (cause === 'visible' && sleptWhileHidden);
    if (!slept) return false;
    if (!environment.isVisible()) {
      sleptWhileHidden = true;
      return false;
    }
    sleptWhileHidden = false;
    logger.info('woke up: the connection is suspect', { gapMs: gap, cause });
    dispatch({ type: 'wake' });
    return true;
  };

  const dispatch = (event: MachineEvent): void => {
    const before = machine.connection;
    const next = transition(machine, event, config);
    machine = next.state;
    for (const action of next.actions) perform(action);
    syncWakeCheck();
    const after = machine.connection;
    if (after !== before) {
      logger.info(`connection ${describeState(after)}`, { event: event.type });
      if (after.status !== 'connecting') {
        const waiters = settledWaiters;
        settledWaiters = [];
        for (const resolve of waiters) resolve();
      }
      emitter.emit('state', after);
    }
  };

  const perform = (action: MachineAction): void => {
    switch (action.type) {
      case 'connect':
        void runAttempt(action.refresh);
        return;
      case 'close': {
        attemptId++;
        abortController?.abort(new SdkError('closed', 'the connection was closed'));
        abortController = undefined;
        active.clear();
        closing = realtime.close().catch((reason: unknown) => {
          logger.warn('closing the transport failed', { error: describe(clean(reason)) });
        });
        return;
      }
      case 'schedule-retry':
        cancelRetry();
        retryTimer = clock.setTimeout(() => {
          retryTimer = undefined;
          dispatch({ type: 'retry-due' });
        }, action.delayMs);
        return;
      case 'cancel-retry':
        cancelRetry();
        return;
      case 'schedule-stable':
        cancelStable();
        stableTimer = clock.setTimeout(() => {
          stableTimer = undefined;
          dispatch({ type: 'stable' });
        }, action.delayMs);
        return;
      case 'cancel-stable':
        cancelStable();
        return;
    }
  };

  /**
   * A fresh token from the provider, replacing `rejected`: the refresh in flight when there is
   * one, the current token when `rejected` was already replaced, else one new ask. May be ''.
   */
  const freshToken = (rejected: string | undefined): Promise<string> => {
    if (!('getToken' in auth)) return Promise.resolve(auth.accessToken);
    if (refreshing) return refreshing;
    if (token !== undefined && token !== rejected) return Promise.resolve(token);
    const ask = askProvider(true)
      .then((fresh) => {
        if (fresh && !disposed) token = fresh;
        return fresh;
      })
      .finally(() => {
        if (refreshing === ask) refreshing = undefined;
      });
    refreshing = ask;
    return ask;
  };

  const obtainToken = async (refresh: boolean): Promise<string> => {
    if (!('getToken' in auth)) return auth.accessToken;
    return refresh ? freshToken(triedToken) : askProvider(false);
  };

  /** Asks the token provider, unless it refused before; remembers a refusal. */
  const askProvider = async (refresh: boolean): Promise<string> => {
    if (!('getToken' in auth)) return auth.accessToken;
    if (providerRefusal) throw providerRefusal;
    try {
      return await auth.getToken({ refresh });
    } catch (reason) {
      const error = clean(reason);
      if (isAuthRefusal(error)) providerRefusal = error;
      throw error;
    }
  };

  /** One connect attempt: token, CONNECT, subscriptions, all within `connectTimeoutMs`. */
  const runAttempt = async (refresh: boolean): Promise<void> => {
    const id = ++attemptId;
    abortController?.abort(new SdkError('closed', 'superseded by a new attempt'));
    const controller = createAbortController();
    abortController = controller;
    let deadline: TimerHandle | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      deadline = clock.setTimeout(() => {
        const error = new SdkError('timeout', `no connection within ${timing.connectTimeoutMs} ms`);
        // Reject first: the race must see the timeout, not the transport's reaction to the abort.
        reject(error);
        controller.abort(error);
      }, timing.connectTimeoutMs);
    });
    // The deadline may fire while nothing races it (or after); it must never be an unhandled rejection.
    timedOut.catch(() => {});
    const withinDeadline = <T>(work: Promise<T>): Promise<T> => Promise.race([work, timedOut]);
    let byTokenProvider = true;
    try {
      const password = await withinDeadline(Promise.resolve().then(() => obtainToken(refresh)));
      byTokenProvider = false;
      if (id !== attemptId) return;
      if (!password) {
        dispatch({ type: 'anonymous' });
        return;
      }
      token = password;
      triedToken = password;
      const connecting = realtime.connect({ clientId, username: auth.username, password }, controller.signal);
      connecting.then(
        () => {
          // A transport that connected after this attempt was given up (it should have honoured
          // the abort): close that connection unless a newer attempt owns the transport now.
          const status = machine.connection.status;
          if (id === attemptId && status !== 'connecting' && status !== 'connected') {
            closing = realtime.close().catch(() => {});
          }
        },
        () => {},
      );
      const result: RealtimeConnectResult = await withinDeadline(connecting);
      if (id !== attemptId) {
        // A late success of an abandoned attempt: do not leave that connection open.
        if (machine.connection.status !== 'connecting') closing = realtime.close().catch(() => {});
        return;
      }
      active.clear();
      await withinDeadline(subscribeDesired(id));
      if (id !== attemptId) return;
      if (!realtime.isConnected()) throw new SdkError('network', 'the connection closed while subscribing');
      clock.clearTimeout(deadline);
      dispatch({ type: 'connected', now: clock.now() });
      const reconnect = everConnected;
      everConnected = true;
      emitter.emit('connected', { sessionPresent: result.sessionPresent, reconnect });
    } catch (reason) {
      if (id !== attemptId) return;
      const error = clean(reason);
      logger.warn('connect attempt failed', { code: error.code, message: error.message });
      // Leave no half-open connection behind (deadline while subscribing, refused SUBSCRIBE…).
      if (realtime.isConnected()) {
        closing = realtime.close().catch(() => {});
        await closing;
        if (id !== attemptId) return;
      }
      dispatch({ type: 'connect-failed', error, now: clock.now(), jitter: random.next(), byTokenProvider });
    } finally {
      clock.clearTimeout(deadline);
      if (abortController === controller) abortController = undefined;
    }
  };

  /** Subscribes every desired topic not yet active on this connection, in batches. */
  const subscribeDesired = async (id: number): Promise<void> => {
    for (;;) {
      if (id !== attemptId) return;
      const missing = [...desired].filter((topic) => !active.has(topic));
      if (missing.length === 0) return;
      const refused = await subscribeTopics(missing);
      if (refused.length > 0) emitter.emit('error', refusedError(refused));
    }
  };

  /**
   * Subscribes topics in batches and marks them active. A batch the broker refuses is tried
   * topic by topic; refused topics leave the desired set and are returned.
   */
  const subscribeTopics = async (list: readonly string[]): Promise<string[]> => {
    const refused: string[] = [];
    for (let i = 0; i < list.length; i += batchSize) {
      const batch = list.slice(i, i + batchSize);
      try {
        await realtime.subscribe(batch, 1);
        for (const topic of batch) active.add(topic);
      } catch (reason) {
        const error = clean(reason);
        if (!isSubscribeRefusal(error)) throw error;
        for (const topic of batch) {
          try {
            await realtime.subscribe([topic], 1);
            active.add(topic);
          } catch (single) {
            if (!isSubscribeRefusal(clean(single))) throw clean(single);
            refused.push(topic);
            desired.delete(topic);
          }
        }
      }
    }
    return refused;
  };

  const refusedError = (refused: readonly string[]): SdkError =>
    new SdkError('not_authorized', `the broker refused the subscription to ${refused.join(', ')}`, {
      details: { topics: refused },
    });

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
        if (machine.connection.status !== 'connected') return;
        active.clear();
        dispatch({
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
    if (change === 'visible' && checkWake('visible')) return;
    dispatch({ type: change });
  });

  const ensureAlive = (): void => {
    if (disposed) throw new SdkError('closed', 'the connection manager was disposed');
  };

  /** Resolves when the state is no longer `connecting`. */
  const settled = (): Promise<void> =>
    machine.connection.status === 'connecting'
      ? new Promise<void>((resolve) => settledWaiters.push(resolve))
      : Promise.resolve();

  const isConnected = (): boolean => machine.connection.status === 'connected' && realtime.isConnected();

  const manager: ConnectionManager = {
    get state() {
      return machine.connection;
    },
    async start() {
      ensureAlive();
      // An anonymous visitor (static empty token) never connects: the state stays idle.
      if ('accessToken' in auth && !auth.accessToken && machine.connection.status === 'idle') {
        dispatch({ type: 'start-anonymous' });
        return;
      }
      providerRefusal = undefined;
      dispatch({ type: 'start' });
      await settled();
    },
    async stop() {
      dispatch({ type: 'stop' });
      await closing;
    },
    async restart() {
      ensureAlive();
      providerRefusal = undefined;
      dispatch({ type: 'restart' });
      await settled();
    },
    kicked(reason: string) {
      if (disposed) return;
      dispatch({ type: 'kicked', reason });
    },
    async subscribe(list: readonly string[]) {
      ensureAlive();
      for (const topic of list) {
        const valid = validateTopic(topic);
        if (!valid.ok) throw valid.error;
      }
      for (const topic of list) desired.add(topic);
      if (!isConnected()) return;
      const missing = list.filter((topic) => !active.has(topic));
      if (missing.length === 0) return;
      try {
        const refused = await subscribeTopics([...new Set(missing)]);
        if (refused.length > 0) throw refusedError(refused);
      } catch (reason) {
        const error = clean(reason);
        // The link went down: the topics stay desired and are subscribed after the reconnect.
        if (isLinkDown(error, realtime.isConnected())) return;
        throw error;
      }
    },
    async unsubscribe(list: readonly string[]) {
      ensureAlive();
      const own = new Set(ownTopics);
      const removed = list.filter((topic) => !own.has(topic) && desired.has(topic));
      for (const topic of removed) desired.delete(topic);
      const live = removed.filter((topic) => active.has(topic));
      if (live.length === 0 || !isConnected()) return;
      for (const topic of live) active.delete(topic);
      try {
        for (let i = 0; i < live.length; i += batchSize) await realtime.unsubscribe(live.slice(i, i + batchSize));
      } catch (reason) {
        const error = clean(reason);
        if (isLinkDown(error, realtime.isConnected())) return;
        throw error;
      }
    },
    topics: () => [...desired],
    currentToken: () => token,
    async refreshToken(rejected?: string) {
      if (disposed || !('getToken' in auth)) return undefined;
      try {
        const fresh = await freshToken(rejected);
        return fresh || undefined;
      } catch (reason) {
        logger.warn('the token provider failed to refresh the token', { error: describe(clean(reason)) });
        return undefined;
      }
    },
    onState: (listener) => emitter.on('state', listener),
    onConnected: (listener) => emitter.on('connected', listener),
    onMessage: (listener) => emitter.on('message', ({ topic, payload }) => listener(topic, payload)),
    onError: (listener) => emitter.on('error', listener),
    async dispose() {
      if (disposed) return;
      await manager.stop();
      disposed = true;
      cancelRetry();
      cancelStable();
      syncWakeCheck();
      stopTransport();
      stopEnvironment();
      emitter.clear();
      const waiters = settledWaiters;
      settledWaiters = [];
      for (const resolve of waiters) resolve();
    },
  };
  return manager;
}

/** A state for the logs: never holds a token (errors are redacted before they reach a state). */
function describeState(state: ConnectionState): string {
  switch (state.status) {
    case 'idle':
      return `idle${state.reason ? ` (${state.reason})` : ''}`;
    case 'connecting':
      return `connecting (attempt ${state.attempt})`;
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return Number.isFinite(state.retryAt)
        ? `reconnecting (attempt ${state.attempt} at ${state.retryAt}${state.error ? `, after ${state.error.code}` : ''})`
        : `reconnecting (attempt ${state.attempt} when back online)`;
    case 'auth-failed':
      return `auth-failed (${state.error.code})`;
    case 'kicked':
      return `kicked (${state.reason})`;
    case 'closed':
      return 'closed';
  }
}

function describe(error: unknown): string {
  if (error instanceof SdkError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
