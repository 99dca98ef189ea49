/**
 * `createChatClient`: the connection manager, the sender with its outbox, the receive pipeline
 * and catch-up, wired together behind {@link ChatClient}.
 */
import {
  decodeMessage,
  encodeMessage,
  isSignalMessageType,
  isThreadTopic,
  MAX_PACKET_BYTES,
  type MessageType,
  parseTopic,
  SdkError,
  validateTopic,
  type WireMessage,
} from '@weiyu/protocol';
import type {
  ChatClient,
  ChatClientEvents,
  ChatClientOptions,
  ChatThread,
  LocalMessage,
  OutgoingContent,
  SentMessage,
} from './api.js';
import { fetchMissed } from './catch-up/catch-up.js';
import { systemClock } from './clock.js';
import { createConnectionManager } from './connection/index.js';
import { buildContent } from './content/index.js';
import { createEmitter } from './events.js';
import type { Logger, RestCallOptions, RestTransport, TimerHandle } from './interfaces.js';
import { noopLogger, redact } from './logger.js';
import { createOutgoingMessage, messageFromWire, messageToWire, statusRank, withStatus } from './message.js';
import { createOutbox } from './outbox/outbox.js';
import { createMessageUid, cryptoRandom } from './random.js';
import { createDedupe, type Dedupe } from './receive/dedupe.js';
import { type ReceiveContext, type Received, receiveBytes, receiveWire } from './receive/pipeline.js';
import { createTimeline } from './receive/timeline.js';
import { createTypingTracker } from './receive/typing.js';
import { endsCatchUp, retryDelay } from './retry/policy.js';
import { publishPacketSize } from './send/packet.js';
import { createSender } from './send/sender.js';
import { createMemoryStore } from './stores/memory-store.js';
import { resolveTiming } from './timing.js';

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
  if (!options.user.uid || options.user.uid.includes('/')) {
    throw new SdkError('invalid_argument', 'user.uid must be a non-empty string without "/"');
  }
  const self = options.user;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom();
  const timing = resolveTiming(options.timing);
  const channel = options.channel ?? 'WEB';
  const maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  // With a token provider, a REST 401 asks the manager for a fresh token once and tries that call again.
  const rest =
    options.rest && 'getToken' in options.auth
      ? withTokenRefresh(options.rest, (rejected) => manager.refreshToken(rejected))
      : options.rest;
  const autoDelivered = options.autoDelivered ?? true;

  const manager = createConnectionManager({
    realtime: options.realtime,
    auth: options.auth,
    user: self,
    channel,
    clock,
    random,
    ...(options.environment ? { environment: options.environment } : {}),
    logger: options.logger ?? noopLogger,
    timing,
  });
  const secrets = (): string[] => {
    const token = manager.currentToken();
    const list = token ? [token] : [];
    if ('accessToken' in options.auth && options.auth.accessToken) list.push(options.auth.accessToken);
    return list;
  };
  const logger = redactingLogger(options.logger ?? noopLogger, secrets);
  const emitter = createEmitter<ClientEventMap>({
    onListenerError: (error, event) =>
      logger.error('an event listener threw', { event: String(event), error: describeError(error) }),
  });
  const emitError = (error: SdkError): void => {
    const text = redact(error.message, secrets());
    emitter.emit('error', text === error.message ? error : new SdkError(error.code, text, { details: error.details }));
  };

  const dedupe = createDedupe(timing.dedupeCapacity);
  const timeline = createTimeline(timing.dedupeCapacity);
  const outbox = createOutbox({
    store: options.outbox ?? createMemoryStore(),
    namespace: self.uid,
    onError: emitError,
  });
  const typing = createTypingTracker({
    clock,
    ttlMs: timing.typingTtlMs,
    emit: (event) => emitter.emit('typing', event),
  });
  const isConnected = (): boolean => manager.state.status === 'connected';
  const restCall = (): { accessToken?: string } => {
    // Before the first connect the manager has no token yet: a static one works for REST already.
    const token = manager.currentToken() ?? ('accessToken' in options.auth ? options.auth.accessToken : undefined);
    return token ? { accessToken: token } : {};
  };

  const sender = createSender({
    clock,
    timing,
    maxPacketBytes,
    outbox,
    logger,
    publish: (topic, payload) => options.realtime.publish(topic, payload, 1),
    ...(rest
      ? {
          post: (wire: WireMessage) =>
            rest.sendMessage(wire, {
              ...restCall(),
              channel,
              ...(options.visitor ? { visitor: true } : {}),
            }),
        }
      : {}),
    isConnected,
    onChange: (message, previous) => {
      if (message.status === 'SUCCESS') dedupe.add(message.uid);
      // A receipt or a recall may have moved it further already: never back to SUCCESS, and a
      // recalled message stays recalled whatever its send still reports.
      const shown = timeline.get(message.uid);
      if (shown?.status === 'RECALL') return;
      if (shown && message.status === 'SUCCESS' && statusRank(shown.status) > statusRank('SUCCESS')) return;
      timeline.put(message);
      emitter.emit('status', { message, previous });
    },
  });

  let disposed = false;
  const subscriptions: Array<() => void> = [];
  /** Topics being caught up: realtime messages for them wait here so the thread stays in order. */
  const catching = new Map<string, Array<{ topic: string; payload: Uint8Array }>>();
  const catchUps = new Map<string, { readonly ticket: CatchUpTicket; readonly run: Promise<void> }>();
  /** Counts connections: a catch-up belongs to the connection it started on. */
  let connectionEpoch = 0;
  const catchUpGuards = new Map<string, TimerHandle>();
  /** Waits between catch-up attempts, each with what ends the wait (dispose ends them all). */
  const retryTimers = new Map<TimerHandle, () => void>();
  /** Topics caught up on this connection: everything on them since arrives live, in order. */
  const complete = new Set<string>();
  /** Per topic, uids a catch-up may stop at: known with nothing missing before them. */
  const stopPoints = new Map<string, Dedupe>();
  const lastTyping = new Map<string, number>();

  const ownTopics = (): Set<string> => new Set([...manager.topics(), `user/${self.uid}`, `system/${self.uid}`]);
  const receiveContext: ReceiveContext = {
    selfUid: self.uid,
    now: () => clock.now(),
    isSubscribed: (topic) => ownTopics().has(topic),
    dedupe,
    isAwaitingEcho: (uid) => sender.isPending(uid),
  };

  // ---- receive ------------------------------------------------------------------------------

  function handle(received: Received): void {
    switch (received.kind) {
      case 'error':
        logger.warn('received a message that could not be read', { code: received.error.code });
        emitError(received.error);
        return;
      case 'dropped':
        logger.debug('dropped a received message', { uid: received.uid, reason: received.reason });
        return;
      case 'echo':
        sender.echo(received.wire.uid, received.wire.createdAt);
        return;
      case 'receipt': {
        const { receipt } = received;
        // A receipt proves the server has the message: as good as its echo.
        if (sender.isPending(receipt.uid)) sender.echo(receipt.uid, '');
        emitter.emit('receipt', receipt);
        const target = timeline.get(receipt.uid);
        if (!target || target.status === 'RECALL' || target.user.uid === receipt.user.uid) return;
        if (statusRank(receipt.kind) <= statusRank(target.status)) return;
        changeStatus(target, withStatus(target, receipt.kind));
        return;
      }
      case 'typing':
        typing.signal(received.typing);
        return;
      case 'recall': {
        emitter.emit('recall', received.recall);
        const target = timeline.get(received.recall.uid);
        if (target && target.status !== 'RECALL') changeStatus(target, withStatus(target, 'RECALL'));
        return;
      }
      case 'kicked':
        logger.warn('kicked by the server', { reason: received.reason });
        manager.kicked(received.reason);
        emitter.emit('kicked', { reason: received.reason, raw: received.raw });
        return;
      case 'stored-status': {
        // Receipts and recalls are broadcast once and not kept as messages, but the server keeps
        // the status they set: history gives back what was missed while away.
        const target = timeline.get(received.uid);
        if (!target || target.status === 'RECALL' || target.status === 'FAILED') return;
        if (received.status !== 'RECALL' && statusRank(received.status) <= statusRank(target.status)) return;
        if (sender.isPending(received.uid)) return;
        changeStatus(target, withStatus(target, received.status));
        return;
      }
      case 'stream': {
        const target = timeline.get(received.chunk.uid);
        if (!target) {
          timeline.put(received.chunk);
          emitter.emit('message', received.chunk);
          return;
        }
        changeStatus(target, withStatus(target, target.status, { content: target.content + received.chunk.content }));
        return;
      }
      case 'message': {
        const { message } = received;
        const known = timeline.get(message.uid);
        if (known) {
          // One of ours that had failed for good, confirmed after all.
          if (known.mine && known.status === 'FAILED') {
            changeStatus(known, withStatus(known, 'SUCCESS', { createdAt: message.createdAt }));
          }
          return;
        }
        timeline.put(message);
        emitter.emit('message', message);
        if (autoDelivered && !message.mine && !isSignalMessageType(message.type) && isConnected()) {
          if (message.status !== 'DELIVERED' && message.status !== 'READ') {
            sendSignal(message.thread, 'DELIVERED', message.uid, 1);
          }
        }
        return;
      }
    }
  }

  function changeStatus(previous: LocalMessage, next: LocalMessage): void {
    timeline.put(next);
    emitter.emit('status', { message: next, previous: previous.status });
  }

  function onRealtimeMessage(topic: string, payload: Uint8Array): void {
    if (disposed) return;
    const buffer = catching.get(topic);
    // While a topic is caught up, its live messages wait so that the thread stays in order; the
    // echo of one of my own pending messages is no new message and must not wait.
    if (buffer && !isEchoOfPending(payload)) {
      buffer.push({ topic, payload });
      return;
    }
    receiveLive(topic, payload);
  }

  function isEchoOfPending(payload: Uint8Array): boolean {
    const decoded = decodeMessage(payload);
    return decoded.ok && sender.isPending(decoded.value.uid);
  }

  function receiveLive(topic: string, payload: Uint8Array): void {
    const received = receiveBytes(topic, payload, receiveContext);
    handle(received);
    // Live messages arrive in order: once a topic is complete, each is a safe place for the next catch-up to stop.
    if (
      complete.has(topic) &&
      (received.kind === 'message' || received.kind === 'echo' || received.kind === 'dropped')
    ) {
      const uid =
        received.kind === 'message'
          ? received.message.uid
          : received.kind === 'echo'
            ? received.wire.uid
            : received.uid;
      if (uid) stopPointsOf(topic).add(uid);
    }
  }

  // ---- catch-up -----------------------------------------------------------------------------

  function isCatchUpTopic(topic: string): boolean {
    const parsed = parseTopic(topic);
    return parsed.ok ? isThreadTopic(parsed.value) : !topic.startsWith('user/') && !topic.startsWith('system/');
  }

  function stopPointsOf(topic: string): Dedupe {
    let points = stopPoints.get(topic);
    if (!points) {
      points = createDedupe(timing.catchUpPageSize * timing.catchUpMaxPages + 1);
      stopPoints.set(topic, points);
    }
    return points;
  }

  function catchUp(topic: string): Promise<void> {
    // A catch-up that started on an earlier connection read history before the drop: it cannot
    // see what came while the client was away, so each connection runs its own.
    const running = catchUps.get(topic);
    if (running && running.ticket.epoch === connectionEpoch) return running.run;
    if (!rest || disposed) return Promise.resolve();
    const ticket: CatchUpTicket = { epoch: connectionEpoch, cancelled: false };
    if (!catching.has(topic)) {
      catching.set(topic, []);
      // If history is slow, stop holding realtime messages back after the send deadline: live
      // messages show, and what was missed follows when history answers (its createdAt tells where).
      catchUpGuards.set(
        topic,
        clock.setTimeout(() => {
          catchUpGuards.delete(topic);
          release(topic);
        }, timing.sendDeadlineMs),
      );
    }
    const settle = (outcome: CatchUpOutcome): void => {
      // An older run that ends late leaves the held messages to the current one.
      if (catchUps.get(topic)?.run !== run) return;
      catchUps.delete(topic);
      // Given up because the connection went: the gap is still open, so the live messages stay
      // held for the next connection's catch-up (the guard still bounds the wait).
      if (outcome === 'cut-short' && !disposed) return;
      const guard = catchUpGuards.get(topic);
      if (guard !== undefined) clock.clearTimeout(guard);
      catchUpGuards.delete(topic);
      release(topic);
    };
    const run: Promise<void> = fetchWithRetry(topic, rest, ticket).then(settle, () => settle('cut-short'));
    catchUps.set(topic, { ticket, run });
    return run;
  }

  /**
   * Pages back to a safe stop point (a message known while the topic was complete) and emits
   * what was missed. A failure is reported and tried again, backing off, for as long as this
   * connection lasts and the topic is subscribed: what was missed is never given up while the
   * client is up. A failure that trying again cannot mend (the server refused) ends it.
   */
  async function fetchWithRetry(
    topic: string,
    restTransport: RestTransport,
    ticket: CatchUpTicket,
  ): Promise<CatchUpOutcome> {
    const current = (): boolean => !disposed && !ticket.cancelled && ticket.epoch === connectionEpoch && isConnected();
    for (let attempt = 1; ; attempt++) {
      try {
        const missed = await fetchMissed({
          rest: restTransport,
          topic,
          pageSize: timing.catchUpPageSize,
          maxPages: timing.catchUpMaxPages,
          isKnown: (uid) => stopPointsOf(topic).has(uid),
          call: restCall(),
        });
        if (disposed || ticket.cancelled) return 'cut-short';
        logger.debug('caught up', { topic, missed: missed.messages.length, pages: missed.pages });
        for (const wire of missed.messages) {
          handle(receiveWire(wire, { topic, source: 'catch-up' }, receiveContext));
          stopPointsOf(topic).add(wire.uid);
        }
        if (missed.boundary) handle(receiveWire(missed.boundary, { topic, source: 'catch-up' }, receiveContext));
        // Only a catch-up of the current connection proves the topic has no gap.
        if (current()) complete.add(topic);
        return 'caught-up';
      } catch (reason) {
        if (disposed || ticket.cancelled) return 'cut-short';
        const error = SdkError.from(reason, 'network');
        logger.warn('catch-up failed', { topic, code: error.code, attempt });
        emitError(error);
        // Not allowed to read it, or no longer wanted: trying again would not help. A server error
        // on a read is most often passing, and giving up would show newer messages before the gap.
        if (endsCatchUp(error) || !manager.topics().includes(topic)) return 'given-up';
        if (!current()) return 'cut-short';
        const delay = retryDelay(attempt, timing);
        await new Promise<void>((resolve) => {
          const handle = clock.setTimeout(() => {
            retryTimers.delete(handle);
            ticket.wait = undefined;
            resolve();
          }, delay);
          retryTimers.set(handle, resolve);
          ticket.wait = handle;
        });
        if (!current()) return 'cut-short';
        if (!manager.topics().includes(topic)) return 'given-up';
      }
    }
  }

  /** Lets held realtime messages of a topic through, after what catch-up found. */
  function release(topic: string): void {
    const held = catching.get(topic);
    catching.delete(topic);
    if (disposed || !held) return;
    for (const item of held) receiveLive(item.topic, item.payload);
  }

  /** Ends a wait between catch-up attempts now (the run then sees why and stops). */
  function endWait(handle: TimerHandle): void {
    const resolve = retryTimers.get(handle);
    clock.clearTimeout(handle);
    retryTimers.delete(handle);
    resolve?.();
  }

  /** Forgets everything kept for a topic no longer subscribed; what it held is dropped, not shown. */
  function forgetTopic(topic: string): void {
    const running = catchUps.get(topic);
    if (running) {
      running.ticket.cancelled = true;
      if (running.ticket.wait !== undefined) endWait(running.ticket.wait);
    }
    catchUps.delete(topic);
    const guard = catchUpGuards.get(topic);
    if (guard !== undefined) clock.clearTimeout(guard);
    catchUpGuards.delete(topic);
    catching.delete(topic);
    complete.delete(topic);
    stopPoints.delete(topic);
    lastTyping.delete(topic);
    timeline.dropThread(topic);
  }

  function catchUpAll(): void {
    for (const topic of manager.topics()) if (isCatchUpTopic(topic)) void catchUp(topic);
  }

  // ---- signals ------------------------------------------------------------------------------

  /** Publishes a signal (typing, receipt, recall): only when connected, never kept in the outbox. */
  function sendSignal(thread: ChatThread, type: MessageType, content: string, qos: 0 | 1): boolean {
    if (!isConnected() || disposed) return false;
    const message = createOutgoingMessage({
      uid: createMessageUid(random),
      type,
      content,
      user: self,
      thread,
      channel,
      ...(options.orgUid ? { orgUid: options.orgUid } : {}),
      now: clock.now(),
    });
    const payload = encodeMessage(messageToWire(message));
    if (publishPacketSize(thread.topic, payload.length, qos) > maxPacketBytes) return false;
    // Our own signal comes back from the server: it is not news.
    dedupe.add(message.uid);
    options.realtime.publish(thread.topic, payload, qos).catch((reason: unknown) => {
      logger.debug('a signal was not sent', { type, code: SdkError.from(reason, 'network').code });
    });
    return true;
  }

  function explicitSignal(thread: ChatThread, type: MessageType, uid: string): boolean {
    if (sendSignal(thread, type, uid, 1)) return true;
    emitError(new SdkError('not_connected', `${type} for ${uid} was not sent: not connected`));
    return false;
  }

  // ---- send ---------------------------------------------------------------------------------

  function failedAtOnce(thread: ChatThread, error: SdkError, uid?: string): SentMessage {
    const message = withStatus(
      createOutgoingMessage({
        uid: uid ?? createMessageUid(random),
        type: 'TEXT',
        content: '',
        user: self,
        thread,
        channel,
        now: clock.now(),
      }),
      'FAILED',
      { error },
    );
    return { ...message, done: Promise.resolve(message) };
  }

  function send(thread: ChatThread, content: OutgoingContent): SentMessage {
    const topic = validateTopic(thread.topic);
    if (!topic.ok) return failedAtOnce(thread, topic.error);
    if (disposed) return failedAtOnce(thread, new SdkError('closed', 'the client was disposed'));
    const built = buildContent(content);
    if (!built.ok) return failedAtOnce(thread, built.error);
    const message = createOutgoingMessage({
      uid: createMessageUid(random),
      type: built.value.type,
      content: built.value.content,
      user: self,
      thread,
      channel,
      ...(options.orgUid ? { orgUid: options.orgUid } : {}),
      now: clock.now(),
    });
    // The server echoes only to subscribers of the thread, and the echo is the only real
    // confirmation: sending on a thread subscribes to it (the REST fallback covers the race).
    if (!manager.topics().includes(thread.topic)) {
      client.subscribe([thread.topic]).catch((error: unknown) => emitError(SdkError.from(error)));
    }
    const sent = sender.send(message);
    const { done: _done, ...local } = sent;
    timeline.put(local);
    return sent;
  }

  // ---- wiring -------------------------------------------------------------------------------

  subscriptions.push(
    manager.onState((state) => {
      // Whatever arrives after a drop may have a gap before it until the next catch-up.
      if (state.status !== 'connected') complete.clear();
      emitter.emit('connection', state);
    }),
    manager.onError((error) => emitError(error)),
    manager.onMessage(onRealtimeMessage),
    manager.onConnected(() => {
      if (disposed) return;
      connectionEpoch += 1;
      sender.connected();
      catchUpAll();
    }),
  );

  void outbox.ready.then((records) => {
    if (disposed || records.length === 0) return;
    const now = clock.now();
    const messages = records.map((r) => messageFromWire(r.message, { selfUid: self.uid, now }));
    for (const message of sender.restore(messages)) if (!timeline.get(message.uid)) timeline.put(message);
    logger.info('outbox restored', { count: messages.length });
  });

  const client: ChatClient = {
    get state() {
      return manager.state;
    },
    isConnected,
    connect: () => manager.start(),
    disconnect: () => manager.stop(),
    reconnect: () => manager.restart(),
    async subscribe(topics) {
      for (const topic of topics) {
        const valid = validateTopic(topic);
        if (!valid.ok) throw valid.error;
      }
      const fresh = topics.filter((t) => !manager.topics().includes(t));
      await manager.subscribe(topics);
      if (isConnected()) for (const topic of fresh) if (isCatchUpTopic(topic)) void catchUp(topic);
    },
    unsubscribe(topics) {
      const done = manager.unsubscribe(topics);
      // The manager drops the topics from its list at once (its own topics never): so do we.
      const own = new Set([`user/${self.uid}`, `system/${self.uid}`]);
      const still = new Set(manager.topics());
      for (const topic of new Set(topics)) if (!own.has(topic) && !still.has(topic)) forgetTopic(topic);
      return done;
    },
    send,
    resend(uid) {
      const message = timeline.get(uid) ?? sender.pending().find((m) => m.uid === uid);
      if (!message?.mine) {
        return failedAtOnce(
          { uid: '', topic: '', type: '' },
          new SdkError('not_found', `no message of mine ${uid}`),
          uid,
        );
      }
      return sender.resend(message);
    },
    sendTyping(thread) {
      const now = clock.now();
      const last = lastTyping.get(thread.topic);
      if (last !== undefined && now - last < timing.typingThrottleMs) return;
      if (sendSignal(thread, 'TYPING', '', 0)) lastTyping.set(thread.topic, now);
    },
    markDelivered: (thread, uid) => explicitSignal(thread, 'DELIVERED', uid),
    markRead: (thread, uid) => explicitSignal(thread, 'READ', uid),
    recall(thread, uid) {
      const shown = timeline.get(uid);
      if (sender.isPending(uid)) {
        // Still in the outbox here: it is sent no further and ends RECALL (a status event, `done`
        // resolves). The server may have it already (a publish in flight): tell it when connected.
        const mayHaveLeft = shown?.status !== 'QUEUED';
        sender.cancel(uid, 'RECALL');
        if (mayHaveLeft) explicitSignal(thread, 'RECALL', uid);
        else sendSignal(thread, 'RECALL', uid, 1);
        return;
      }
      if (!explicitSignal(thread, 'RECALL', uid)) return;
      // Our own RECALL's echo is dropped like every signal of ours: mark the message here.
      if (shown && shown.status !== 'RECALL') changeStatus(shown, withStatus(shown, 'RECALL'));
    },
    catchUp: (thread) => catchUp(typeof thread === 'string' ? thread : thread.topic),
    messages: (topic) => timeline.list(topic),
    pending: () => sender.pending(),
    on: (event, listener) => emitter.on(event, listener),
    async dispose() {
      if (disposed) return;
      disposed = true;
      sender.dispose();
      typing.dispose();
      for (const guard of catchUpGuards.values()) clock.clearTimeout(guard);
      // Each waiting catch-up ends now (and its `catchUp()` promise settles) instead of never.
      for (const timer of [...retryTimers.keys()]) endWait(timer);
      catchUpGuards.clear();
      catching.clear();
      for (const off of subscriptions.splice(0)) off();
      try {
        await manager.dispose();
      } finally {
        emitter.clear();
      }
    },
  };
  return client;
}

/**
 * A REST transport that answers a 401 (`unauthenticated`) by asking for a fresh token (shared
 * with every other caller through the connection manager) and trying the same call once more
 * with it. A second 401, or no fresh token, rejects with the 401 as before.
 */
function withTokenRefresh(
  inner: RestTransport,
  refresh: (rejected: string | undefined) => Promise<string | undefined>,
): RestTransport {
  const retrying = async <O extends RestCallOptions, T>(options: O, call: (options: O) => Promise<T>): Promise<T> => {
    try {
      return await call(options);
    } catch (reason) {
      if (!(reason instanceof SdkError) || reason.code !== 'unauthenticated' || options.signal?.aborted) throw reason;
      const fresh = await refresh(options.accessToken);
      if (fresh === undefined) throw reason;
      return call({ ...options, accessToken: fresh });
    }
  };
  return {
    sendMessage: (message, options) => retrying(options, (o) => inner.sendMessage(message, o)),
    queryTopic: (query, options = {}) => retrying(options, (o) => inner.queryTopic(query, o)),
  };
}

/** One catch-up run: the connection it belongs to, whether an unsubscribe ended it, its wait. */
interface CatchUpTicket {
  readonly epoch: number;
  cancelled: boolean;
  wait?: TimerHandle | undefined;
}

/**
 * How a catch-up ended: `caught-up`; `cut-short` by a drop, a dispose or an unsubscribe (the
 * gap stays open, live messages stay held for the next one); `given-up` on a failure that
 * trying again cannot mend (live messages show, the gap stays open).
 */
type CatchUpOutcome = 'caught-up' | 'cut-short' | 'given-up';

/** The events as a type alias, which the emitter's index-signature constraint accepts. */
type ClientEventMap = { [K in keyof ChatClientEvents]: ChatClientEvents[K] };

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps a logger so that no secret (the access token) can reach it, whatever the data. */
function redactingLogger(inner: Logger, secrets: () => readonly string[]): Logger {
  const scrub = (message: string, data?: Record<string, unknown>): [string, Record<string, unknown>?] => {
    const list = secrets();
    if (list.length === 0) return data === undefined ? [message] : [message, data];
    const text = redact(message, list);
    if (data === undefined) return [text];
    const clean: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data))
      clean[key] = typeof value === 'string' ? redact(value, list) : value;
    return [text, clean];
  };
  return {
    debug: (m, d) => inner.debug(...scrub(m, d)),
    info: (m, d) => inner.info(...scrub(m, d)),
    warn: (m, d) => inner.warn(...scrub(m, d)),
    error: (m, d) => inner.error(...scrub(m, d)),
  };
}
