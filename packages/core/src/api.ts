/**
 * The public face of the SDK (DESIGN.md "The public face"). `createChatClient` implements
 * {@link ChatClient}; the playground, the end-to-end tests and the docs use these names.
 */
import type { Channel, MessageType, SdkError, ThreadState, ThreadType, UserType } from '@weiyu/protocol';
import type {
  Clock,
  Environment,
  KeyValueStore,
  Logger,
  RandomSource,
  RealtimeTransport,
  RestTransport,
} from './interfaces.js';

/** A participant. */
export interface ChatUser {
  readonly uid: string;
  readonly nickname?: string;
  readonly avatar?: string;
  readonly type?: UserType;
}

/** A conversation: where messages are sent. `topic` is the thread's MQTT topic. */
export interface ChatThread {
  readonly uid: string;
  readonly topic: string;
  readonly type: ThreadType;
  readonly state?: ThreadState;
  /** The other side, as the guide sets it on outgoing messages. */
  readonly user?: ChatUser;
}

/**
 * Where a local message stands. The server's statuses (SUCCESS, DELIVERED, READ, …) plus the
 * client's own: QUEUED (in the outbox, not yet tried), SENDING, FAILED.
 */
export type LocalStatus =
  | 'QUEUED'
  | 'SENDING'
  | 'SUCCESS'
  | 'DELIVERED'
  | 'READ'
  | 'FAILED'
  | 'RECALL'
  | (string & Record<never, never>);

/** Parsed content of a message (see the content builders and parser). */
export type ParsedContent =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'image';
      readonly url: string;
      readonly width?: number;
      readonly height?: number;
      readonly label?: string;
    }
  | {
      readonly kind: 'file';
      readonly url: string;
      readonly name: string;
      readonly size: number;
      readonly mimeType?: string;
      readonly label?: string;
      readonly hash?: string;
    }
  | {
      readonly kind: 'video';
      readonly url: string;
      readonly coverUrl?: string;
      readonly duration?: number;
      readonly width?: number;
      readonly height?: number;
      readonly format?: string;
      readonly mimeType?: string;
      readonly size?: number;
      readonly caption?: string;
    }
  | {
      readonly kind: 'voice';
      readonly url: string;
      readonly duration?: number;
      readonly format?: string;
      readonly caption?: string;
    }
  | { readonly kind: 'audio'; readonly url: string; readonly duration?: number; readonly format?: string }
  | {
      readonly kind: 'location';
      readonly latitude: number;
      readonly longitude: number;
      readonly address: string;
      readonly label?: string;
    }
  | { readonly kind: 'preview'; readonly text: string; readonly clear: boolean; readonly ts?: number }
  /** DELIVERED, READ, RECALL: the uid of the message they refer to. */
  | { readonly kind: 'reference'; readonly uid: string }
  /** Content of a type this SDK does not parse: kept raw. */
  | { readonly kind: 'raw'; readonly raw: string }
  /** Content that failed to parse for its type: kept raw, with the reason. */
  | { readonly kind: 'invalid'; readonly raw: string; readonly error: SdkError };

/** What `send` takes: the type and the content to build for it. */
export type OutgoingContent =
  | { readonly type: 'TEXT'; readonly text: string }
  | {
      readonly type: 'IMAGE';
      readonly url: string;
      readonly width?: number;
      readonly height?: number;
      readonly label?: string;
    }
  | {
      readonly type: 'FILE';
      readonly url: string;
      readonly name: string;
      readonly size: number;
      readonly mimeType?: string;
      readonly label?: string;
      readonly hash?: string;
    }
  | {
      readonly type: 'VIDEO';
      readonly url: string;
      readonly coverUrl?: string;
      readonly duration?: number;
      readonly width?: number;
      readonly height?: number;
      readonly format?: string;
      readonly mimeType?: string;
      readonly size?: number;
      readonly caption?: string;
    }
  | {
      readonly type: 'VOICE';
      readonly url: string;
      readonly duration?: number;
      readonly format?: string;
      readonly caption?: string;
    }
  | { readonly type: 'AUDIO'; readonly url: string; readonly duration?: number; readonly format?: string }
  | {
      readonly type: 'LOCATION';
      readonly latitude: number;
      readonly longitude: number;
      readonly address: string;
      readonly label?: string;
    }
  /** Any other text-like type (WELCOME, NOTICE, …): the text travels as is. */
  | { readonly type: MessageType; readonly text: string };

/** A message as the app sees it. */
export interface LocalMessage {
  /** 32 lowercase hex characters; the same on every path and every resend. */
  readonly uid: string;
  readonly type: MessageType;
  /** The content as it travels (text, or a JSON string). */
  readonly content: string;
  readonly parsed: ParsedContent;
  readonly status: LocalStatus;
  /** Epoch ms: the server's time once it confirmed, the local time before. */
  readonly createdAt: number;
  readonly channel: Channel;
  readonly user: ChatUser;
  readonly thread: ChatThread;
  /** Parsed `extra` (e.g. `{orgUid}`); `{}` when absent or not JSON. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Sent by this user (from any device). */
  readonly mine: boolean;
  /** The type is not one this SDK version knows; delivered anyway. */
  readonly unknownType: boolean;
  /** Why it FAILED, when it did. */
  readonly error?: SdkError;
}

/** Connection states (see core's README for the transition table). */
export type ConnectionState =
  | { readonly status: 'idle'; readonly reason?: 'anonymous' | 'not-started' }
  | { readonly status: 'connecting'; readonly attempt: number }
  | { readonly status: 'connected'; readonly since: number }
  | { readonly status: 'reconnecting'; readonly attempt: number; readonly retryAt: number; readonly error?: SdkError }
  | { readonly status: 'auth-failed'; readonly error: SdkError }
  /**
   * Stopped on a failure that no retry can mend (an untrusted certificate: code `tls`); the
   * client does not reconnect by itself until `connect()` or `reconnect()`.
   */
  | { readonly status: 'failed'; readonly error: SdkError }
  | { readonly status: 'kicked'; readonly reason: string }
  | { readonly status: 'closed' };

/** A typing (or preview) indicator from someone on a thread; it expires by itself. */
export interface TypingEvent {
  readonly thread: ChatThread;
  readonly user: ChatUser;
  /** Whether they are typing now; `false` when the indicator expired or was cleared. */
  readonly active: boolean;
  /** PREVIEW text, when the other side shares what it types. */
  readonly preview?: string;
}

/** A DELIVERED or READ receipt for a message. */
export interface ReceiptEvent {
  readonly thread: ChatThread;
  /** The uid of the message acknowledged. */
  readonly uid: string;
  readonly kind: 'DELIVERED' | 'READ';
  readonly user: ChatUser;
}

/** The events a client emits, by name. */
export interface ChatClientEvents {
  /** A new message for the app (content or an unknown type), each uid once. */
  message: LocalMessage;
  /** The status of a known message changed (mine: sending → success; receipts; failures). */
  status: { readonly message: LocalMessage; readonly previous: LocalStatus };
  /** The connection state changed. */
  connection: ConnectionState;
  typing: TypingEvent;
  receipt: ReceiptEvent;
  /** A message was recalled. */
  recall: { readonly thread: ChatThread; readonly uid: string; readonly user: ChatUser };
  /**
   * The server logged this user out (KICKOFF), or another connection took this clientId over
   * (`reason` `same-client-id`, `raw` ''): the client stopped reconnecting.
   */
  kicked: { readonly reason: string; readonly raw: string };
  /** Something went wrong that the app may want to show or log; the client keeps working. */
  error: SdkError;
}

/** How the client authenticates. */
export type ChatAuth =
  | { readonly username: string; readonly accessToken: string }
  | {
      readonly username: string;
      /**
       * Returns the access token; asked before the first connect and once more after an
       * authentication failure (`refresh` is true then). An empty token means anonymous.
       * When it rejects with `bad_credentials`, `not_authorized` or `unauthenticated` (a login
       * with a wrong password), the client stops at `auth-failed` and does not ask it again (no
       * reconnect, no REST 401 refresh) until the app calls `connect()` or `reconnect()`: the
       * server locks an account after 3 wrong passwords. After other failures (the network)
       * it is asked again with the reconnect backoff.
       */
      readonly getToken: (context: { readonly refresh: boolean }) => Promise<string> | string;
    };

/** Options of {@link createChatClient}. */
export interface ChatClientOptions {
  /** Who this client is. */
  readonly user: ChatUser;
  readonly orgUid?: string;
  /** The channel sent on messages and in the clientId (default `WEB`). */
  readonly channel?: Channel;
  readonly realtime: RealtimeTransport;
  /** The REST fallback and catch-up. Without it there is neither. */
  readonly rest?: RestTransport;
  readonly auth: ChatAuth;
  /** Where the outbox is kept (default: memory). */
  readonly outbox?: KeyValueStore;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly environment?: Environment;
  readonly logger?: Logger;
  /** Use the visitor REST endpoint for sending. */
  readonly visitor?: boolean;
  /** Send DELIVERED for incoming messages from others (default true). */
  readonly autoDelivered?: boolean;
  /** Packet limit in bytes (default 10,240, as on the real server). */
  readonly maxPacketBytes?: number;
  /** Deadlines and limits; every one has a sensible default. */
  readonly timing?: Partial<ChatTiming>;
}

/** Deadlines and limits of the client. */
export interface ChatTiming {
  /** How long to wait for the server's echo before trying REST (ms). */
  readonly echoTimeoutMs: number;
  /** How long one send may take, all paths included, before it ends FAILED (ms). */
  readonly sendDeadlineMs: number;
  /** First reconnect delay (the guide's 5 s) and the cap of the reconnect backoff (ms). */
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /**
   * First wait and cap of the automatic retries of a failed send and of a failed catch-up (ms);
   * they double per attempt. Default: the same as the reconnect backoff.
   */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** A connection up this long resets the backoff (ms). */
  readonly stableAfterMs: number;
  /** How long one connect attempt may take (ms). */
  readonly connectTimeoutMs: number;
  /** How long a typing indicator lasts without a new signal (ms). */
  readonly typingTtlMs: number;
  /** Minimum gap between two TYPING signals sent (ms). */
  readonly typingThrottleMs: number;
  /** Max messages in the outbox. */
  readonly outboxLimit: number;
  /**
   * How long one call to the outbox store may take (ms, default 3,000). A message waits for its
   * write before its first attempt at most this long; past it, the message is sent anyway (not
   * kept across a restart until the store answers) and an `error` event (`storage`) says so.
   * Keep it well under `sendDeadlineMs`.
   */
  readonly storeTimeoutMs: number;
  /** How many uids the duplicate filter remembers. */
  readonly dedupeCapacity: number;
  /** Catch-up page size and max pages per thread. */
  readonly catchUpPageSize: number;
  readonly catchUpMaxPages: number;
  /**
   * Wake detection: while a connection is wanted, a coarse timer ticks every `wakeCheckMs`
   * (default 5,000; 0 turns wake detection off). When a tick comes more than `wakeToleranceMs`
   * (default 10,000) late, the machine slept (or the process was frozen): the socket is
   * suspect, so the client reconnects at once (and catches up) instead of waiting for the
   * keepalive to fail.
   */
  readonly wakeCheckMs?: number;
  /** How late a wake-detection tick may be before it counts as a sleep (ms; see `wakeCheckMs`). */
  readonly wakeToleranceMs?: number;
  /**
   * Takeover detection: the server closes the older connection of a clientId with no packet
   * when another connection uses it, so two clients sharing a clientId would kick each other off
   * forever. A connection the server closes within `takeoverWithinMs` of being up (default:
   * `stableAfterMs`) counts; after `takeoverLimit` of them in a row (default 3; 0 turns this
   * off) the client stops with state `kicked` (reason `same-client-id`) and a `kicked` event.
   */
  readonly takeoverWithinMs?: number;
  /** How many connections closed soon after connecting, in a row, stop the client (see `takeoverWithinMs`). */
  readonly takeoverLimit?: number;
}

/** A local message with a promise for its final status. */
export interface SentMessage extends LocalMessage {
  /**
   * Settles when the message is SUCCESS (resolves) or FAILED (resolves, status FAILED). Never rejects.
   * A message still pending at `dispose()` settles FAILED with `closed`; it stays in the outbox,
   * so the next client on the same store sends it.
   */
  readonly done: Promise<LocalMessage>;
}

/** A chat client: one user, one realtime connection, any number of threads. */
export interface ChatClient {
  readonly state: ConnectionState;
  isConnected(): boolean;
  /** Starts connecting (no-op with an empty token: the state stays idle, reason anonymous). */
  connect(): Promise<void>;
  /** Closes the connection and stops reconnecting; the outbox is kept. */
  disconnect(): Promise<void>;
  /** Drops the connection and connects again now (also from auth-failed, failed or kicked). */
  reconnect(): Promise<void>;
  /** Subscribes to threads or other exact topics; kept across reconnects, caught up on each. */
  subscribe(topics: readonly string[]): Promise<void>;
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** Sends content on a thread; returns the local message at once (status SENDING or QUEUED). */
  send(thread: ChatThread, content: OutgoingContent): SentMessage;
  /** Sends a FAILED message again with the same uid. */
  resend(uid: string): SentMessage;
  sendTyping(thread: ChatThread): void;
  markDelivered(thread: ChatThread, uid: string): void;
  markRead(thread: ChatThread, uid: string): void;
  recall(thread: ChatThread, uid: string): void;
  /** Fetches what a thread missed from REST history and emits it, oldest first, each uid once. */
  catchUp(thread: ChatThread | string): Promise<void>;
  /** Messages known on a thread, oldest first. */
  messages(threadTopic: string): readonly LocalMessage[];
  /** Messages waiting in the outbox. */
  pending(): readonly LocalMessage[];
  on<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): () => void;
  /**
   * Disconnects and releases every timer and listener, and aborts the REST calls in flight.
   * Pending messages end FAILED (`closed`) and stay in the outbox for the next client.
   */
  dispose(): Promise<void>;
}
