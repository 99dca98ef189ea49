/**
 * `createChatClient`: the connection manager, the sender with its outbox, the receiver and
 * catch-up, wired together behind {@link ChatClient}. Each rule lives in the module named in
 * the README's "Where each rule lives"; this file only builds the parts and connects them.
 */
import { MAX_PACKET_BYTES, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatClient, ChatClientEvents, ChatClientOptions, LocalMessage } from './api.js';
import { type CatchUp, createCatchUp } from './catch-up/driver.js';
import { systemClock } from './clock.js';
import { type AbortControllerLike, createAbortController } from './connection/abort.js';
import { type ConnectionManager, checkSelfUid, createConnectionManager } from './connection/index.js';
import { createEmitter, type Emitter } from './events.js';
import { wireHistory } from './history/history.js';
import { DEFAULT_OLDER_LIMIT, type Scrollback } from './history/scrollback.js';
import type { TimelineViews } from './history/timeline-view.js';
import { describeThrown, noopLogger, redactError, redactingLogger } from './logger.js';
import { cryptoRandom } from './random.js';
import { createDedupe } from './receive/dedupe.js';
import { createReceiver } from './receive/receiver.js';
import { createShown, type Shown } from './receive/shown.js';
import { createTypingTracker, type TypingTracker } from './receive/typing.js';
import { withTokenRefresh } from './rest/token-refresh.js';
import { createOutgoing, type Outgoing } from './send/outgoing.js';
import { recall } from './send/recall.js';
import type { Sender } from './send/sender.js';
import { wireSending } from './send/sending.js';
import { createSignals, type Signals } from './send/signals.js';
import { createUploads } from './send/upload.js';
import { createThreadList, type ThreadList } from './threads/thread-list.js';
import { dedupeSize, resolveTiming } from './timing.js';

/**
 * Creates a chat client for one user. Nothing happens until {@link ChatClient.connect}, except
 * that the outbox is read (what an earlier client left is sent once connected).
 *
 * ```ts
 * const client = createChatClient({ user: { uid: 'v1' }, realtime, rest, auth: { username: 'v1', accessToken } });
 * client.on('message', (m) => render(m));
 * await client.connect();
 * await client.subscribe([thread.topic]);
 * const sent = client.send(thread, { type: 'TEXT', text: 'hello' });
 * await sent.done; // SUCCESS, or FAILED with sent.error
 * ```
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  // Before anything is made: the manager checks it too, but timing and the rest come first there.
  checkSelfUid(options.user.uid);
  const { user, realtime } = options;
  const base = createBase(options);
  const { clock, timing, channel, manager, rest, logger, emitter, emitError, restCall } = base;
  const maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  const isPending = (uid: string): boolean => sender.isPending(uid);
  // The manager's topics include this user's own `user/` and `system/` ones.
  const isSubscribed = (topic: string): boolean => manager.wants(topic);

  const dedupe = createDedupe(dedupeSize(timing));
  const threads = createThreadList({
    selfUid: user.uid,
    logger,
    rest,
    restCall,
    subscribe: (topics) => subscribeCaughtUp(manager, catchUp, topics),
    unsubscribe: (topics) => client.unsubscribe(topics),
    wants: isSubscribed,
    onError: emitError,
    onListenerError: (error) => logger.error('a thread list listener threw', { error: describeThrown(error) }),
  });
  const shown = createShown(timing.dedupeCapacity, {
    onMessage: (message) => {
      threads.message(message);
      emitter.emit('message', message);
    },
    onStatus: (change) => {
      threads.status(change.message);
      emitter.emit('status', change);
    },
    onChange: (topic) => history.views.changed(topic),
    onEvict: (topic, message) => history.scrollback.evicted(topic, message),
  });
  const typing = createTypingTracker({ clock, ttlMs: timing.typingTtlMs, emit: (e) => emitter.emit('typing', e) });
  const outgoing = createOutgoing({ user, channel, orgUid: options.orgUid, clock, random: base.random });
  const sender = wireSending({
    ...base,
    maxPacketBytes,
    store: options.outbox,
    user,
    realtime,
    dedupe,
    shown,
  });
  const signals = createSignals({
    ...base,
    isSubscribed,
    outgoing,
    maxPacketBytes,
    typingThrottleMs: timing.typingThrottleMs,
    publish: (topic, payload, qos) => realtime.publish(topic, payload, qos),
    markOwn: (uid) => dedupe.add(uid),
    autoDelivered: options.autoDelivered,
    shownIn: shown.list,
    onRead: shown.readHere,
  });
  const receiver = createReceiver({
    context: { selfUid: user.uid, dedupe, now: () => clock.now(), isSubscribed, isAwaitingEcho: isPending },
    shown,
    logger,
    emitError,
    mayRecall: options.mayRecall,
    confirm: (uid, createdAt) => sender.echo(uid, createdAt),
    typing: (event) => typing.signal(event),
    kicked: (event) => {
      manager.kicked(event.reason);
      emitter.emit('kicked', event);
    },
    acknowledge: (message) => signals.acknowledge(message),
    unshownReceipt: (topic) => history.scrollback.moved(topic),
    claimsOlder: (topic, uid) => history.scrollback.claims(topic, uid),
    emit: (event, payload) => emitter.emit(event, payload),
  });
  const catchUp = createCatchUp({
    ...base,
    onError: emitError,
    onGap: (gap) => emitter.emit('gap', gap),
    isSubscribed,
    receiveLive: receiver.live,
    receiveHistory: receiver.history,
    isPending,
    onDepth: (topic, depth) => history.scrollback.depth(topic, depth),
  });
  const history = wireHistory({
    ...base,
    list: (topic) => shown.list(topic),
    isShown: (uid) => shown.get(uid) !== undefined,
    isPending,
    receiveOlder: receiver.older,
  });
  const uploads = createUploads({
    ...base,
    user,
    orgUid: options.orgUid,
    send: (thread, content) => client.send(thread, content),
  });
  const parts = { ...base, ...history, sender, shown, signals, catchUp, outgoing, typing, uploads, threads };
  const listeners = listenToManager(parts);
  const client = chatClient({ ...parts, listeners });
  return client;
}

/** The manager's news, for the parts: state, errors, a takeover, bytes and each connect. */
function listenToManager(parts: Omit<Parts, 'listeners'>): ReadonlyArray<() => void> {
  const { manager, emitter, catchUp, sender, signals, threads, life } = parts;
  return [
    manager.onState((state) => {
      if (state.status !== 'connected') catchUp.disconnected();
      emitter.emit('connection', state);
    }),
    manager.onError(parts.emitError),
    // Another connection took this clientId over: the app hears it as it hears a KICKOFF.
    manager.onKicked((reason) => emitter.emit('kicked', { reason, raw: '' })),
    manager.onMessage((topic, payload) => {
      threads.adopt(topic);
      catchUp.live(topic, payload);
    }),
    manager.onConnected(() => {
      if (life.disposed) return;
      sender.connected();
      signals.connected();
      catchUp.connected(manager.topics());
    }),
  ];
}

/** The app's `subscribe`: exact topics, validated; the new ones caught up once subscribed. */
async function subscribeCaughtUp(
  manager: ConnectionManager,
  catchUp: CatchUp,
  topics: readonly string[],
): Promise<void> {
  for (const topic of topics) {
    const valid = validateTopic(topic);
    if (!valid.ok) throw valid.error;
  }
  const fresh = topics.filter((t) => !manager.wants(t));
  await manager.subscribe(topics);
  catchUp.subscribed(fresh);
}

/**
 * The settings, the connection, the logs and the events of a client: what its other parts are
 * built on. REST calls get the current token, and one fresh token after a 401.
 */
function createBase(options: ChatClientOptions) {
  const { auth } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom();
  const timing = resolveTiming(options.timing, { historyLagMs: options.rest?.historyLagMs });
  const channel = options.channel ?? 'WEB';
  const manager = createConnectionManager({
    realtime: options.realtime,
    auth,
    user: options.user,
    channel,
    clock,
    random,
    timing,
    ...(options.environment ? { environment: options.environment } : {}),
    // The manager redacts what it logs itself.
    logger: options.logger ?? noopLogger,
  });
  // With a token provider, a REST 401 asks the manager for a fresh token once and tries that call again.
  const rest =
    options.rest && 'getToken' in auth ? withTokenRefresh(options.rest, (t) => manager.refreshToken(t)) : options.rest;
  const staticToken = 'accessToken' in auth && auth.accessToken ? auth.accessToken : undefined;
  const secrets = (): string[] => [manager.currentToken(), staticToken].filter((t): t is string => !!t);
  // No logger, no redaction work on every line.
  const logger = options.logger ? redactingLogger(options.logger, secrets) : noopLogger;
  const emitter = createEmitter<ClientEventMap>({
    onListenerError: (error, event) =>
      logger.error('an event listener threw', { event: String(event), error: describeThrown(error) }),
  });
  const emitError = (error: SdkError): void => emitter.emit('error', redactError(error, secrets()));
  const isConnected = (): boolean => manager.state.status === 'connected';
  // Whether the client was disposed; what aborts its REST calls then (it leaves none in flight).
  const life = { disposed: false, calls: createAbortController() };
  // Before the first connect the manager has no token yet: a static one works for REST already.
  const restCall = () => {
    const token = manager.currentToken() ?? staticToken;
    return {
      ...(token ? { accessToken: token } : {}),
      signal: life.calls.signal,
      ...(options.visitor ? { visitor: true } : {}),
    };
  };
  return { clock, random, timing, channel, manager, rest, logger, emitter, emitError, isConnected, restCall, life };
}

/** The parts of a client that its methods reach. */
interface Parts {
  readonly manager: ConnectionManager;
  readonly sender: Sender;
  readonly shown: Shown;
  readonly signals: Signals;
  readonly catchUp: CatchUp;
  readonly scrollback: Scrollback;
  readonly views: TimelineViews;
  readonly outgoing: Outgoing;
  readonly typing: TypingTracker;
  readonly threads: ThreadList;
  readonly emitter: Emitter<ClientEventMap>;
  readonly uploads: Pick<ChatClient, 'sendFile' | 'sendImage'>;
  readonly emitError: (error: SdkError) => void;
  readonly isConnected: () => boolean;
  readonly life: { disposed: boolean; readonly calls: AbortControllerLike };
  /** Stops listening to the manager. */
  readonly listeners: ReadonlyArray<() => void>;
}

/** The {@link ChatClient} face of the parts. */
function chatClient(parts: Parts): ChatClient {
  const { manager, sender, shown, signals, catchUp, scrollback, life } = parts;
  // The timeline keeps each message as `send` returns it, without `done`.
  const keepShown = (local: LocalMessage): void => shown.keep(local);
  const client: ChatClient = {
    get state() {
      return manager.state;
    },
    isConnected: parts.isConnected,
    connect: () => manager.start(),
    disconnect: () => manager.stop(),
    reconnect: () => manager.restart(),
    subscribe(topics) {
      parts.threads.asked(topics);
      return subscribeCaughtUp(manager, catchUp, topics);
    },
    unsubscribe(topics) {
      const done = manager.unsubscribe(topics);
      // The manager drops the topics from its list at once (its own topics never): so do we.
      for (const topic of new Set(topics)) {
        if (manager.wants(topic)) continue;
        catchUp.forget(topic);
        scrollback.forget(topic);
        signals.forget(topic);
        parts.threads.forget(topic);
        shown.dropThread(topic);
        parts.views.forget(topic);
      }
      return done;
    },
    send(thread, content) {
      const prepared = parts.outgoing.prepare(thread, content, life.disposed);
      if ('failed' in prepared) return prepared.failed;
      // The server echoes only to subscribers of the thread, and the echo is the only real
      // confirmation: sending on a thread subscribes to it (the REST fallback covers the race).
      if (!manager.wants(thread.topic)) {
        client.subscribe([thread.topic]).catch((error: unknown) => parts.emitError(SdkError.from(error)));
      }
      return sender.send(prepared.message, keepShown);
    },
    ...parts.uploads,
    resend(uid) {
      const message = shown.get(uid) ?? sender.pending().find((m) => m.uid === uid);
      if (message?.mine) return sender.resend(message);
      const nowhere = { uid: '', topic: '', type: '' };
      return parts.outgoing.failed(nowhere, new SdkError('not_found', `no message of mine ${uid}`), uid);
    },
    sendTyping: (thread) => signals.typing(thread),
    markDelivered: (thread, uid) => signals.explicit(thread, 'DELIVERED', uid),
    markRead(thread, uid) {
      if (uid === undefined) signals.readThread(thread.topic);
      else signals.explicit(thread, 'READ', uid);
      parts.threads.markRead(thread, uid);
    },
    setActiveThread: (thread) => signals.setActive(thread),
    recall: (thread, uid) => recall(thread, uid, parts),
    catchUp: (thread) => catchUp.run(typeof thread === 'string' ? thread : thread.topic),
    messages: (topic) => shown.list(topic),
    loadOlder(thread, options = {}) {
      const topic = typeof thread === 'string' ? thread : thread.topic;
      const valid = validateTopic(topic);
      if (!valid.ok) return Promise.reject(valid.error);
      return scrollback.load(topic, options.limit ?? DEFAULT_OLDER_LIMIT);
    },
    timeline: (topic) => parts.views.of(topic),
    loadThreads: (options) => parts.threads.load(options),
    threads: () => parts.threads.snapshot(),
    subscribeThreads: (listener) => parts.threads.subscribe(listener),
    pending: () => sender.pending(),
    on: (event, listener) => parts.emitter.on(event, listener),
    once: (event, listener) => parts.emitter.once(event, listener),
    async dispose() {
      if (life.disposed) return;
      life.disposed = true;
      sender.dispose();
      parts.typing.dispose();
      parts.threads.dispose();
      signals.dispose();
      // Each catch-up ends now (and its `catchUp()` promise settles) instead of never.
      catchUp.dispose();
      scrollback.dispose();
      life.calls.abort(new SdkError('closed', 'the client was disposed'));
      for (const off of parts.listeners) off();
      try {
        await manager.dispose();
      } finally {
        parts.emitter.clear();
      }
    },
  };
  return client;
}

/** The events as a type alias, which the emitter's index-signature constraint accepts. */
type ClientEventMap = { [K in keyof ChatClientEvents]: ChatClientEvents[K] };
