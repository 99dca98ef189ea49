import { SdkError } from '@weiyu/protocol';
import { systemClock } from '../clock.js';
import type {
  AbortSignalLike,
  Clock,
  Logger,
  RealtimeConnectOptions,
  RealtimeConnectResult,
  RealtimeEvent,
  RealtimeTransport,
} from '../interfaces.js';
import { processDeviceUids } from './device-uid.js';

/**
 * Where a realtime transport's link (one socket: one connection attempt and, if the broker
 * accepts it, one connection) is in its life. It only moves forward — connecting → connected →
 * closing → closed — and may skip a step: an attempt given up goes from connecting to closing, a
 * connection the broker cut from connected to closed.
 */
export type LinkState =
  | {
      /** The socket opens and CONNECT goes out; no CONNACK yet. */
      readonly status: 'connecting';
    }
  | {
      /** CONNACK received, the socket not closed since. */
      readonly status: 'connected';
      /** What its `disconnected` reports (the broker broke the protocol, an error on the socket). */
      readonly lastError: SdkError | undefined;
    }
  | {
      /** Let go, its events ignored, waiting for its socket to close. */
      readonly status: 'closing';
      /** close() or a newer connect() ended it, so what still waits on it rejects with `closed`. */
      readonly requested: boolean;
      /** Its connect() resolved, so its `disconnected` is still to come. */
      readonly announced: boolean;
    }
  | {
      /** The socket closed (or the backstop gave up waiting for it). */
      readonly status: 'closed';
    };

/** What a link needs from the {@link LinkDriver} that owns it. */
export interface LinkOwner<L> {
  /** Whether this link is the driver's link now; events of any other link are ignored. */
  isCurrent(link: L): boolean;
  /** The link's socket closed: the driver lets go of it. */
  forget(link: L): void;
  /** Tells the transport's listeners; a listener that throws is logged, the others still hear it. */
  emit(event: RealtimeEvent): void;
}

/** What a {@link LinkDriver} needs of a link: its state and the two ways to end it. */
export interface DrivenLink {
  /** Where the link is in its life; the driver sets `closing` when it gives an attempt up. */
  state: LinkState;
  /** Fails the connect attempt while its promise is open (the driver sets and clears it). */
  failConnect: ((error: SdkError) => void) | undefined;
  /** Resolves once the socket closed: only then is the link really gone. */
  readonly closed: Promise<void>;
  /** Gives a connect attempt up: drops the socket at once. False when it had closed already. */
  abandon(): boolean;
  /** Ends an announced connection politely. False when it was not connected. */
  sayGoodbye(): boolean;
}

/** The settings of a transport that its {@link LinkDriver} reads. */
export interface LinkDriverSettings {
  /** The broker's URL as logs and error messages show it (no credentials). */
  readonly logUrl: string;
  /** How long a connect attempt may take before it fails with `timeout`. */
  readonly connectTimeoutMs: number;
  /** The app's own deviceUid, or undefined for one of {@link processDeviceUids}. */
  readonly deviceUid: string | undefined;
  /** Where the driver logs; undefined: nowhere. */
  readonly logger: Logger | undefined;
}

/** How {@link createLinkDriver} makes and reports the links of one kind of transport. */
export interface LinkDriverOptions<L extends DrivenLink> {
  /** The transport's settings. */
  readonly settings: LinkDriverSettings;
  /** What every log message starts with, before `: ` (`'ws'`, `'mqtt'`). */
  readonly logPrefix: string;
  /** Opens one link; `onConnack` gets the CONNACK's sessionPresent. May throw: see `openFailed`. */
  open(options: RealtimeConnectOptions, owner: LinkOwner<L>, onConnack: (sessionPresent: boolean) => void): L;
  /** The error connect() rejects with when `open` threw `error`. */
  openFailed(error: unknown): SdkError;
  /** The timers of the connect deadline; default {@link systemClock}. */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * The lifecycle of a realtime transport's links, for writing a {@link RealtimeTransport}:
 * `@weiyu/transport-mqtt` and `@weiyu/transport-ws` both run on it and only open sockets and
 * move bytes. One link at a time: a connect() ends the link there was and opens its own once
 * every old socket closed (the last connect() wins); an attempt fails with `timeout` at
 * `connectTimeoutMs` and with `closed` when aborted; close() ends the link and gives the
 * process's deviceUid back. It never reconnects by itself: the chat client owns the backoff.
 */
export interface LinkDriver<L extends DrivenLink>
  extends Pick<RealtimeTransport, 'deviceUid' | 'isConnected' | 'connect' | 'close' | 'on'> {
  /** The link when it is connected, else a `not_connected` error saying it cannot `what`. */
  connected(what: string): L | SdkError;
}

/**
 * Creates the {@link LinkDriver} of one transport instance: it leases a deviceUid of
 * {@link processDeviceUids} now unless the settings have one.
 *
 * @example
 * const driver = createLinkDriver({
 *   settings,
 *   logPrefix: 'ws',
 *   open: (options, owner, onConnack) => new Link(settings, options, owner, onConnack),
 *   openFailed: (error) => new SdkError('connection_refused', 'Could not open a WebSocket', { cause: error }),
 * });
 */
export function createLinkDriver<L extends DrivenLink>(options: LinkDriverOptions<L>): LinkDriver<L> {
  return new Driver(options);
}

type Listener = (event: RealtimeEvent) => void;

class Driver<L extends DrivenLink> implements LinkDriver<L> {
  readonly deviceUid: string;
  readonly #options: LinkDriverOptions<L>;
  readonly #settings: LinkDriverSettings;
  readonly #clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Replaced, never changed, when a listener comes or goes: an emit (one per message) copies nothing. */
  #listeners: readonly Listener[] = [];
  /** The link of the transport: connecting or up. Events of any other link are ignored. */
  #link: L | undefined;
  /** Links that were let go and whose socket has not closed yet: connect() and close() wait for them. */
  readonly #ending = new Set<L>();
  /** Bumped by close(): a connect() that was waiting for an old link when it happened gives up. */
  #closeGeneration = 0;
  /** Whether the deviceUid is the process's and this transport holds it now (from creation or connect() to close()). */
  #holdsProcessUid: boolean;
  readonly #owner: LinkOwner<L> = {
    isCurrent: (link) => this.#link === link,
    forget: (link) => {
      this.#ending.delete(link);
      if (this.#link === link) this.#link = undefined;
    },
    emit: (event) => this.#emit(event),
  };

  constructor(options: LinkDriverOptions<L>) {
    this.#options = options;
    this.#settings = options.settings;
    this.#clock = options.clock ?? systemClock;
    this.deviceUid = this.#settings.deviceUid ?? processDeviceUids.lease();
    this.#holdsProcessUid = this.#settings.deviceUid === undefined;
  }

  isConnected(): boolean {
    return this.#link?.state.status === 'connected';
  }

  connected(what: string): L | SdkError {
    const link = this.#link;
    if (link?.state.status === 'connected') return link;
    return new SdkError('not_connected', `Cannot ${what}: not connected`);
  }

  async connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
    if (options.clientId.length === 0) throw new SdkError('invalid_argument', 'clientId must not be empty');
    this.#holdProcessUid();
    const stillWanted = this.#stillWanted(signal);
    stillWanted();
    // One connection at a time: a new attempt replaces whatever was there (an attempt still
    // connecting rejects with `closed`) and opens its socket only once the old one closed. A loop:
    // a concurrent connect() may have opened a link while this one waited; the last one wins.
    while (this.#link || this.#ending.size > 0) {
      await this.#endAll();
      stillWanted();
    }
    return this.#attempt(options, signal);
  }

  /** A check that throws `closed` once the connect() is aborted or a close() came after it began. */
  #stillWanted(signal: AbortSignalLike | undefined): () => void {
    const generation = this.#closeGeneration;
    return () => {
      if (signal?.aborted) throw new SdkError('closed', 'Connect was aborted');
      if (generation !== this.#closeGeneration) {
        throw new SdkError('closed', 'The connection was closed while connecting');
      }
    };
  }

  /** One connect attempt; sets `#link` synchronously, so no other attempt can slip in. */
  #attempt(options: RealtimeConnectOptions, signal: AbortSignalLike | undefined): Promise<RealtimeConnectResult> {
    const url = this.#settings.logUrl;
    this.#log('debug', 'connecting', { url, clientId: options.clientId });
    return new Promise<RealtimeConnectResult>((resolve, reject) => {
      let link: L | undefined;
      let disarm: (() => void) | undefined;
      /** Ends the attempt's wait; false when it had ended already. */
      const settle = (): boolean => {
        if (!disarm) return false;
        disarm();
        disarm = undefined;
        if (link) link.failConnect = undefined;
        return true;
      };
      const fail = (error: SdkError) => {
        if (!settle()) return;
        if (link) this.#drop(link);
        this.#log('debug', 'connect failed', { url, code: error.code, message: error.message });
        reject(error);
      };
      disarm = this.#arm(signal, fail);
      try {
        link = this.#options.open(options, this.#owner, (sessionPresent) => {
          if (!settle()) return;
          this.#log('info', 'connected', { url, sessionPresent });
          resolve({ sessionPresent });
        });
      } catch (error) {
        fail(this.#options.openFailed(error));
        return;
      }
      link.failConnect = fail;
      this.#link = link;
    });
  }

  /** Fails an attempt at its deadline or when `signal` aborts; returns what stops both. */
  #arm(signal: AbortSignalLike | undefined, fail: (error: SdkError) => void): () => void {
    const { logUrl, connectTimeoutMs } = this.#settings;
    const onAbort = () => fail(new SdkError('closed', 'Connect was aborted'));
    const deadline = this.#clock.setTimeout(
      () => fail(new SdkError('timeout', `${logUrl} did not accept the connection within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    signal?.addEventListener('abort', onAbort);
    return () => {
      this.#clock.clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  /** Gives a connect attempt up: drops its socket at once. `closed` resolves when the socket closed. */
  #drop(link: L): void {
    if (this.#link === link) this.#link = undefined;
    if (link.abandon()) this.#ending.add(link);
  }

  /** Ends a link for close() or a newer connect(): an attempt is given up, a connection says goodbye. */
  #shut(link: L): void {
    if (link.failConnect) {
      // Given up on request: connect() rejects with `closed`, and that failure abandons the link.
      link.state = { status: 'closing', requested: true, announced: false };
      link.failConnect(new SdkError('closed', 'The connection was closed while connecting'));
      return;
    }
    // Let go at once: no publish may start on it, no event comes from it but its `disconnected`.
    if (this.#link === link) this.#link = undefined;
    if (link.sayGoodbye()) this.#ending.add(link);
  }

  /** Ends the current link and waits until every socket this transport opened is closed. */
  async #endAll(): Promise<void> {
    const link = this.#link;
    if (link) this.#shut(link);
    await Promise.all([...this.#ending].map((ending) => ending.closed));
  }

  async close(): Promise<void> {
    // A connect() waiting for an old link to close must not carry on once close() was called.
    this.#closeGeneration += 1;
    if (this.#holdsProcessUid) {
      // A transport made from now on may be this device again.
      processDeviceUids.release(this.deviceUid);
      this.#holdsProcessUid = false;
    }
    await this.#endAll();
  }

  /** Takes the process's deviceUid back after a close(); says so when another transport has it now. */
  #holdProcessUid(): void {
    if (this.#holdsProcessUid || this.#settings.deviceUid !== undefined) return;
    this.#holdsProcessUid = processDeviceUids.take(this.deviceUid);
    if (!this.#holdsProcessUid) {
      this.#log('warn', 'another transport of this process connects with the same deviceUid', {
        deviceUid: this.deviceUid,
        hint: 'the two kick each other if they are one user: give each its own deviceUid',
      });
    }
  }

  on(listener: Listener): () => void {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  #emit(event: RealtimeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not break the connection or starve the other listeners.
        this.#log('error', 'event listener threw', { type: event.type, error: String(error) });
      }
    }
  }

  #log(level: keyof Logger, message: string, data: Record<string, unknown>): void {
    this.#settings.logger?.[level](`${this.#options.logPrefix}: ${message}`, data);
  }
}
