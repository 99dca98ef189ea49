/**
 * Connect attempts: token, CONNECT and subscriptions, all within one deadline
 * (`connectTimeoutMs`), abortable; and the close that gives an attempt up. Only the newest
 * attempt counts: results of older ones are ignored, and a connection an abandoned attempt
 * opened late is closed.
 */
import { SdkError } from '@weiyu/protocol';
import type { ConnectionState } from '../api.js';
import type { Clock, Logger, RealtimeTransport, TimerHandle } from '../interfaces.js';
import { type AbortControllerLike, createAbortController } from './abort.js';
import { describeError } from './log.js';
import type { Subscriptions } from './subscriptions.js';
import type { TokenSource } from './token.js';

/** How an attempt ended (an abandoned attempt reports nothing). */
export type AttemptOutcome =
  /** The token is empty: an anonymous visitor does not connect. */
  | { readonly type: 'anonymous' }
  /** Connected, and every wanted topic is subscribed. */
  | { readonly type: 'connected' }
  /** `byTokenProvider`: the token provider itself failed (a refusal from it is final). */
  | { readonly type: 'failed'; readonly error: SdkError; readonly byTokenProvider: boolean };

/** Options of {@link createConnectAttempts}. */
export interface ConnectAttemptsOptions {
  readonly realtime: RealtimeTransport;
  readonly clientId: string;
  readonly username: string;
  readonly clock: Clock;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  readonly token: TokenSource;
  readonly subscriptions: Subscriptions;
  /** Turns a failure into a redacted SdkError. */
  readonly clean: (reason: unknown) => SdkError;
  /** The manager's status now: a late connection is kept only while connecting or connected. */
  readonly status: () => ConnectionState['status'];
  /** Topics the broker refused while the attempt subscribed. */
  readonly onRefused: (error: SdkError) => void;
  readonly report: (outcome: AttemptOutcome) => void;
}

/** The attempts of one connection manager. */
export interface ConnectAttempts {
  /** Starts an attempt (with a fresh token when `refresh`), giving up the one in flight. */
  start(refresh: boolean): void;
  /** Gives up the attempt in flight and closes the connection. */
  close(): void;
  /** Settles when the last close is done. */
  closed(): Promise<void>;
}

/** Creates the {@link ConnectAttempts} of a connection manager. */
export function createConnectAttempts(options: ConnectAttemptsOptions): ConnectAttempts {
  const { realtime, clock, logger, token, subscriptions, clean, status, report } = options;
  /** Bumped for every attempt and every close: results of older attempts are ignored. */
  let attemptId = 0;
  let abortController: AbortControllerLike | undefined;
  let closing: Promise<void> = Promise.resolve();

  const closeQuietly = (): void => {
    closing = realtime.close().catch(() => {});
  };

  /** A transport that connects after its attempt was given up (it should have honoured the abort). */
  const closeIfAbandoned = (connecting: Promise<unknown>, id: number): void => {
    connecting.then(
      () => {
        // Unless a newer attempt owns the transport now.
        const now = status();
        if (id === attemptId && now !== 'connecting' && now !== 'connected') closeQuietly();
      },
      () => {},
    );
  };

  const run = async (refresh: boolean): Promise<void> => {
    const id = ++attemptId;
    const current = (): boolean => id === attemptId;
    abortController?.abort(new SdkError('closed', 'superseded by a new attempt'));
    const controller = createAbortController();
    abortController = controller;
    const deadline = startDeadline(clock, options.connectTimeoutMs, controller);
    let byTokenProvider = true;
    try {
      const password = await deadline.within(Promise.resolve().then(() => token.forConnect(refresh)));
      byTokenProvider = false;
      if (!current()) return;
      if (!password) {
        report({ type: 'anonymous' });
        return;
      }
      token.use(password);
      const connecting = realtime.connect(
        { clientId: options.clientId, username: options.username, password },
        controller.signal,
      );
      closeIfAbandoned(connecting, id);
      await deadline.within(connecting);
      if (!current()) {
        // A late success of an abandoned attempt: do not leave that connection open.
        if (status() !== 'connecting') closeQuietly();
        return;
      }
      subscriptions.connectionLost();
      await deadline.within(subscriptions.subscribeWanted(current, options.onRefused));
      if (!current()) return;
      if (!realtime.isConnected()) throw new SdkError('network', 'the connection closed while subscribing');
      deadline.clear();
      report({ type: 'connected' });
    } catch (reason) {
      if (!current()) return;
      const error = clean(reason);
      logger.warn('connect attempt failed', { code: error.code, message: error.message });
      // Leave no half-open connection behind (deadline while subscribing, refused SUBSCRIBE…).
      if (realtime.isConnected()) {
        closeQuietly();
        await closing;
        if (!current()) return;
      }
      report({ type: 'failed', error, byTokenProvider });
    } finally {
      deadline.clear();
      if (abortController === controller) abortController = undefined;
    }
  };

  return {
    start(refresh) {
      void run(refresh);
    },
    close() {
      attemptId++;
      abortController?.abort(new SdkError('closed', 'the connection was closed'));
      abortController = undefined;
      subscriptions.connectionLost();
      closing = realtime.close().catch((reason: unknown) => {
        logger.warn('closing the transport failed', { error: describeError(clean(reason)) });
      });
    },
    closed: () => closing,
  };
}

/** The deadline of one attempt: at `ms` it rejects what runs within it and aborts the attempt. */
function startDeadline(clock: Clock, ms: number, controller: AbortControllerLike) {
  let handle: TimerHandle | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    handle = clock.setTimeout(() => {
      const error = new SdkError('timeout', `no connection within ${ms} ms`);
      // Reject first: the race must see the timeout, not the transport's reaction to the abort.
      reject(error);
      controller.abort(error);
    }, ms);
  });
  // The deadline may fire while nothing races it (or after); it must never be an unhandled rejection.
  timedOut.catch(() => {});
  return {
    within: <T>(work: Promise<T>): Promise<T> => Promise.race([work, timedOut]),
    clear: (): void => clock.clearTimeout(handle),
  };
}
