/**
 * The public face of the SDK (DESIGN.md "The public face"). `createChatClient` implements
 * {@link ChatClient}; the playground, the end-to-end tests and the docs use these names.
 */
import type {
  Channel,
  MessageType,
  SdkError,
  ThreadState,
  ThreadType,
  TransferStatus,
  UserType,
} from '@weiyu/protocol';
import type {
  AbortSignalLike,
  Clock,
  Environment,
  KeyValueStore,
  Logger,
  RandomSource,
  RealtimeTransport,
  RestTransport,
  UploadFile,
  UploadProgress,
} from './interfaces.js';

/** A participant. */
export interface ChatUser {
  /** The user's uid (from the login). */
  readonly uid: string;
  /** Display name. */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /** Their role: AGENT, VISITOR, ROBOT, … */
  readonly type?: UserType;
}

/** A conversation: where messages are sent. `topic` is the thread's MQTT topic. */
export interface ChatThread {
  /** The thread's uid. */
  readonly uid: string;
  /** Its MQTT topic, e.g. `org/agent/{agentUid}/{visitorUid}` (see `topics`). */
  readonly topic: string;
  /** AGENT, WORKGROUP, ROBOT, GROUP, … */
  readonly type: ThreadType;
  /** Where the conversation stands (NEW, CHATTING, CLOSED, …), when known. */
  readonly state?: ThreadState;
  /** The other side, as the guide sets it on outgoing messages. */
  readonly user?: ChatUser;
}

/**
 * Where a local message stands. The server's statuses (SUCCESS, DELIVERED, READ, …) plus the
 * client's own: QUEUED (in the outbox, not yet tried), SENDING (an attempt under way), RETRYING
 * (an attempt did not get through; kept in the outbox, tried again by itself at `retryAt`) and
 * FAILED (no more automatic attempts: refused, too big, or the client was disposed).
 */
export type LocalStatus =
  | 'QUEUED'
  | 'SENDING'
  | 'RETRYING'
  | 'SUCCESS'
  | 'DELIVERED'
  | 'READ'
  | 'FAILED'
  | 'RECALL'
  | (string & Record<never, never>);

/** Parsed content of a message (see the content builders and parser). */
export type ParsedContent =
  | {
      /** Text, and every text-like type (WELCOME, NOTICE, …). */
      readonly kind: 'text';
      /** The text. */
      readonly text: string;
    }
  | {
      /** An image. */
      readonly kind: 'image';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Width in pixels. */
      readonly width?: number;
      /** Height in pixels. */
      readonly height?: number;
      /** A short label shown with it. */
      readonly label?: string;
    }
  | {
      /** A file. */
      readonly kind: 'file';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** The file name. */
      readonly name: string;
      /** Size in bytes. */
      readonly size: number;
      /** Its MIME type, e.g. `video/mp4` or `application/pdf`. */
      readonly mimeType?: string;
      /** A short label shown with it. */
      readonly label?: string;
      /** A hash of the file, as the uploader computed it. */
      readonly hash?: string;
    }
  | {
      /** A video. */
      readonly kind: 'video';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** A still image to show before it plays. */
      readonly coverUrl?: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Width in pixels. */
      readonly width?: number;
      /** Height in pixels. */
      readonly height?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
      /** Its MIME type, e.g. `video/mp4` or `application/pdf`. */
      readonly mimeType?: string;
      /** Size in bytes. */
      readonly size?: number;
      /** A caption shown with it. */
      readonly caption?: string;
    }
  | {
      /** A voice message. */
      readonly kind: 'voice';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
      /** A caption shown with it. */
      readonly caption?: string;
    }
  | {
      /** An audio clip. */
      readonly kind: 'audio';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
    }
  | {
      /** A place on a map. */
      readonly kind: 'location';
      /** Latitude in degrees (−90 to 90). */
      readonly latitude: number;
      /** Longitude in degrees (−180 to 180). */
      readonly longitude: number;
      /** The address, as text. */
      readonly address: string;
      /** A short label shown with it. */
      readonly label?: string;
    }
  | {
      /** What the other side is typing (PREVIEW). */
      readonly kind: 'preview';
      /** The text typed so far. */
      readonly text: string;
      /** Whether the preview is to be cleared (the other side deleted its text or sent it). */
      readonly clear: boolean;
      /** When the preview was taken (epoch ms), when the sender says. */
      readonly ts?: number;
    }
  | {
      /** A signal about another message (DELIVERED, READ, RECALL). */
      readonly kind: 'reference';
      /** The uid of the message it refers to. */
      readonly uid: string;
    }
  | {
      /** Content of a type this SDK does not parse. */
      readonly kind: 'raw';
      /** The content exactly as it came. */
      readonly raw: string;
    }
  | {
      /** Content that failed to parse for its type. */
      readonly kind: 'invalid';
      /** The content exactly as it came. */
      readonly raw: string;
      /** Why it could not be parsed. */
      readonly error: SdkError;
    };

/** What `send` takes: the type and the content to build for it. */
export type OutgoingContent =
  | {
      /** A text message. */
      readonly type: 'TEXT';
      /** The text. */
      readonly text: string;
    }
  | {
      /** An image. */
      readonly type: 'IMAGE';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Width in pixels. */
      readonly width?: number;
      /** Height in pixels. */
      readonly height?: number;
      /** A short label shown with it. */
      readonly label?: string;
    }
  | {
      /** A file. */
      readonly type: 'FILE';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** The file name. */
      readonly name: string;
      /** Size in bytes. */
      readonly size: number;
      /** Its MIME type, e.g. `video/mp4` or `application/pdf`. */
      readonly mimeType?: string;
      /** A short label shown with it. */
      readonly label?: string;
      /** A hash of the file, as the uploader computed it. */
      readonly hash?: string;
    }
  | {
      /** A video. */
      readonly type: 'VIDEO';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** A still image to show before it plays. */
      readonly coverUrl?: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Width in pixels. */
      readonly width?: number;
      /** Height in pixels. */
      readonly height?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
      /** Its MIME type, e.g. `video/mp4` or `application/pdf`. */
      readonly mimeType?: string;
      /** Size in bytes. */
      readonly size?: number;
      /** A caption shown with it. */
      readonly caption?: string;
    }
  | {
      /** A voice message. */
      readonly type: 'VOICE';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
      /** A caption shown with it. */
      readonly caption?: string;
    }
  | {
      /** An audio clip. */
      readonly type: 'AUDIO';
      /** Where the media is: an http(s) URL. */
      readonly url: string;
      /** Length in seconds. */
      readonly duration?: number;
      /** Its format, e.g. `mp4` or `mp3`. */
      readonly format?: string;
    }
  | {
      /** A place on a map. */
      readonly type: 'LOCATION';
      /** Latitude in degrees (−90 to 90). */
      readonly latitude: number;
      /** Longitude in degrees (−180 to 180). */
      readonly longitude: number;
      /** The address, as text. */
      readonly address: string;
      /** A short label shown with it. */
      readonly label?: string;
    }
  | {
      /** Any other text-like type (WELCOME, NOTICE, …): the text travels as is. */
      readonly type: MessageType;
      /** The text. */
      readonly text: string;
    };

/** A message as the app sees it. */
export interface LocalMessage {
  /**
   * 32 lowercase hex characters; the same on every path and every resend. Those this SDK makes
   * are time-ordered (a version 7 UUID without dashes): a sender's uids sort in send order.
   */
  readonly uid: string;
  /** TEXT, IMAGE, FILE, … (any type the server sends, known to this SDK or not). */
  readonly type: MessageType;
  /** The content as it travels (text, or a JSON string). */
  readonly content: string;
  /** The content read for its type: what to render. */
  readonly parsed: ParsedContent;
  /** Where it stands: QUEUED, SENDING, RETRYING, SUCCESS, DELIVERED, READ, FAILED, RECALL. */
  readonly status: LocalStatus;
  /** Epoch ms: the server's time once it confirmed, the local time before. */
  readonly createdAt: number;
  /** The client it was sent from (WEB, IOS, WECHAT, …). */
  readonly channel: Channel;
  /** The sender. */
  readonly user: ChatUser;
  /** The conversation it belongs to. */
  readonly thread: ChatThread;
  /** Parsed `extra` (e.g. `{orgUid}`); `{}` when absent or not JSON. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Sent by this user (from any device). */
  readonly mine: boolean;
  /** The type is not one this SDK version knows; delivered anyway. */
  readonly unknownType: boolean;
  /** Why it FAILED, or why the last attempt of a RETRYING message did not get through. */
  readonly error?: SdkError;
  /**
   * While RETRYING, and only then: when its next automatic attempt starts (epoch ms, the
   * client's clock), after the ones before it on its thread; `Infinity` while it waits for the
   * connection (offline, no REST). It may go sooner: on a reconnect, or `resend(uid)`.
   */
  readonly retryAt?: number;
  /**
   * A robot's streamed answer (ROBOT_STREAM_START, ROBOT_STREAM…, ROBOT_STREAM_END or _ERROR):
   * one message, whatever piece it was first shown with, whose `stream.answer` (and `parsed`
   * text) grows with each piece, each growth a `status` event. Absent on other messages.
   */
  readonly stream?: RobotStream;
}

/** Where a robot's streamed answer stands (see {@link LocalMessage.stream}). */
export interface RobotStream {
  /** `streaming` until its end comes: `done` (END, CANCEL, UNANSWERED) or `error` (ERROR). */
  readonly state: 'streaming' | 'done' | 'error';
  /** The answer so far. */
  readonly answer: string;
  /** The robot's reasoning so far (`reasonContent`), `''` when it gives none. */
  readonly reasoning: string;
  /**
   * What the server said went wrong, when the state is `error`; or why the client ended it:
   * `answer cut off: …` when it grew past its limits (the content's length, its pieces).
   */
  readonly error?: string;
}

/** Connection states (see core's README for the transition table). */
export type ConnectionState =
  | {
      /** Not started, or anonymous (no token: an anonymous visitor never connects). */
      readonly status: 'idle';
      /** Why it is idle. */
      readonly reason?: 'anonymous' | 'not-started';
    }
  | {
      /** An attempt is under way: token, CONNECT, subscriptions. */
      readonly status: 'connecting';
      /** Which attempt, from 1. */
      readonly attempt: number;
    }
  | {
      /** Up, subscriptions in place. */
      readonly status: 'connected';
      /** Since when (epoch ms). */
      readonly since: number;
    }
  | {
      /** Waiting to try again (backoff with jitter). */
      readonly status: 'reconnecting';
      /** The attempt it will make next. */
      readonly attempt: number;
      /** When (epoch ms); `Infinity` while it waits for the network to come back. */
      readonly retryAt: number;
      /** Why the last connection or attempt failed. */
      readonly error?: SdkError;
    }
  | {
      /** The server refused the credentials: no more attempts until `reconnect()`. */
      readonly status: 'auth-failed';
      /** The refusal. */
      readonly error: SdkError;
    }
  | {
      /**
       * Stopped on a failure that no retry can mend (an untrusted certificate: code `tls`); the
       * client does not reconnect by itself until `connect()` or `reconnect()`.
       */
      readonly status: 'failed';
      /** The failure. */
      readonly error: SdkError;
    }
  | {
      /** Logged out by the server or by another connection with the same clientId: no more attempts until `reconnect()`. */
      readonly status: 'kicked';
      /** Why: the server's reason, or `same-client-id` for a takeover. */
      readonly reason: string;
    }
  | {
      /** `disconnect()` was called. */
      readonly status: 'closed';
    };

/** A typing (or preview) indicator from someone on a thread; it expires by itself. */
export interface TypingEvent {
  /** Where. */
  readonly thread: ChatThread;
  /** Who is typing. */
  readonly user: ChatUser;
  /** Whether they are typing now; `false` when the indicator expired or was cleared. */
  readonly active: boolean;
  /** PREVIEW text, when the other side shares what it types. */
  readonly preview?: string;
}

/** A DELIVERED or READ receipt for a message. */
export interface ReceiptEvent {
  /** Where. */
  readonly thread: ChatThread;
  /** The uid of the message acknowledged. */
  readonly uid: string;
  /** Delivered to their device, or read. */
  readonly kind: 'DELIVERED' | 'READ';
  /** Who acknowledged it. */
  readonly user: ChatUser;
}

/** A RECALL from someone on a thread: the uid of the message they recall. */
export interface RecallEvent {
  /** Where. */
  readonly thread: ChatThread;
  /** The uid of the recalled message. */
  readonly uid: string;
  /** Who recalled it (as the RECALL says: the server checks nothing). */
  readonly user: ChatUser;
}

/** Why the client refused a received message (see {@link RefusedEvent}). */
export type RefusalReason =
  /** A RECALL of a message someone else sent, which `mayRecall` did not allow. */
  | 'recall-not-sender'
  /** A ROBOT_STREAM chunk for a message someone else sent. */
  | 'stream-not-sender'
  /**
   * A message with the uid of one shown but another content or sender, or a stream chunk for
   * a message that is not a stream: nothing shown is ever rewritten.
   */
  | 'rewrite';

/**
 * A received message the client did not apply, because the server checks nothing (anyone may
 * post anything into a thread): a forged recall, a forged stream chunk, a rewrite.
 */
export interface RefusedEvent {
  /** Why it was refused. */
  readonly reason: RefusalReason;
  /** The message it would have changed, as shown (it stays so). */
  readonly target: LocalMessage;
  /** The refused message's type (RECALL, ROBOT_STREAM, or the rewrite's). */
  readonly type: MessageType;
  /** Who the refused message says sent it. */
  readonly user: ChatUser;
}

/** The events a client emits, by name. */
export interface ChatClientEvents {
  /** A new message for the app (content or an unknown type), each uid once. */
  message: LocalMessage;
  /** The status of a known message changed (mine: sending → success; receipts; failures). */
  status: {
    /** The message, with its new status. */
    readonly message: LocalMessage;
    /** The status it had before. */
    readonly previous: LocalStatus;
  };
  /** The connection state changed. */
  connection: ConnectionState;
  /** Someone started or stopped typing on a thread. */
  typing: TypingEvent;
  /** A message was delivered to or read by someone. */
  receipt: ReceiptEvent;
  /**
   * A message was recalled. When the client shows the message, only by its sender (or as
   * `mayRecall` allows); a recall of a message it does not show is passed on unchecked.
   */
  recall: RecallEvent;
  /**
   * A received message was not applied (a forged recall or stream chunk, a rewrite of a
   * message shown): the app may log it or warn about the sender. Nothing changed.
   */
  refused: RefusedEvent;
  /**
   * The server logged this user out (KICKOFF), or another connection took this clientId over
   * (`reason` `same-client-id`, `raw` ''): the client stopped reconnecting.
   */
  kicked: {
    /** Why: the server's reason (e.g. logged in elsewhere), or `same-client-id`. */
    readonly reason: string;
    /** The KICKOFF content as it came; `''` for a takeover. */
    readonly raw: string;
  };
  /** Something went wrong that the app may want to show or log; the client keeps working. */
  error: SdkError;
  /**
   * Catch-up could not read everything a thread missed within its budget (`catchUpPageSize` ×
   * `catchUpMaxPages` messages per pass): the messages between `from` and `to` may be missing.
   * Everything newer arrived. Read that range from REST history if the app needs it.
   */
  gap: GapEvent;
}

/** What catch-up could not read of a thread (see {@link ChatClientEvents.gap}). */
export interface GapEvent {
  /** The thread's topic. */
  readonly topic: string;
  /**
   * Server time (epoch ms) from which messages may be missing: the newest one known before the
   * client was away, less a margin.
   */
  readonly from: number;
  /** Server time (epoch ms) up to which they may be missing: the oldest message read; all newer ones arrived. */
  readonly to: number;
  /**
   * At most this many are missing: the history items past the budget (`totalElements` less
   * those read; older messages this client knows are among them).
   */
  readonly atMost: number;
}

/** How the client authenticates. */
export type ChatAuth =
  | {
      /** The login name: the MQTT username. */
      readonly username: string;
      /** A token from the login (`HttpTransport.login`); `''` for an anonymous visitor. */
      readonly accessToken: string;
    }
  | {
      /** The login name: the MQTT username. */
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
  /** The organisation: sent in each message's `extra`. */
  readonly orgUid?: string;
  /** The channel sent on messages and in the clientId (default `WEB`). */
  readonly channel?: Channel;
  /** The realtime link: `createMqttTransport` (`@weiyu/transport-mqtt`). */
  readonly realtime: RealtimeTransport;
  /** The REST fallback and catch-up. Without it there is neither. */
  readonly rest?: RestTransport;
  /** How to authenticate: a token, or a function that gets one. */
  readonly auth: ChatAuth;
  /** Where the outbox is kept (default: memory). */
  readonly outbox?: KeyValueStore;
  /** Time and timers (default: the system clock; tests pass a fake one). */
  readonly clock?: Clock;
  /** Randomness for uids and jitter (default: `crypto.getRandomValues`; tests pass a seeded one). */
  readonly random?: RandomSource;
  /** Online/offline and page visibility (default: always online and visible; in a browser pass `createBrowserEnvironment()`). */
  readonly environment?: Environment;
  /** Where the client writes what it does (default: nowhere). Tokens never reach it. */
  readonly logger?: Logger;
  /** Use the visitor REST endpoint for sending. */
  readonly visitor?: boolean;
  /**
   * Whether a RECALL from someone other than the message's sender is applied (e.g. an agent of
   * the thread recalling a visitor's message). Default: never; a refused recall is a `refused`
   * event. The sender's own recall is always applied. A throw counts as false.
   */
  readonly mayRecall?: (recall: RecallEvent, target: LocalMessage) => boolean;
  /**
   * Send DELIVERED for new messages from others (default true): once per uid, for what a person
   * sends (TEXT, IMAGE, FILE, AUDIO, VIDEO, VOICE, LOCATION), not in group threads, and not for a
   * message whose status (the server's record, for one from history) says DELIVERED or READ
   * already. READ for the thread open on screen ({@link ChatClient.setActiveThread}) goes either way.
   */
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
  /**
   * How long one attempt of a send may take, all paths included (MQTT, its echo, REST), before
   * the message is RETRYING (ms): no message stays SENDING longer.
   */
  readonly sendDeadlineMs: number;
  /** First reconnect delay (the guide's 5 s) and the cap of the reconnect backoff (ms). */
  readonly reconnectBaseMs: number;
  /** The cap of the reconnect backoff (ms). */
  readonly reconnectMaxMs: number;
  /**
   * First wait and cap of the automatic retries of a failed send and of a failed catch-up (ms);
   * they double per attempt. Default: the same as the reconnect backoff.
   */
  readonly retryBaseMs: number;
  /** The cap of those retries (ms). */
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
  /**
   * The most messages of one thread that may be on their way at once, waiting for the server's
   * echo (default 2,048). The window starts at 32 (or this, if smaller), widens by three per echo
   * that comes back in time (fourfold per round trip) up to this, stops widening so fast while
   * echoes come late, halves when an MQTT attempt goes wrong or an echo takes over half
   * `echoTimeoutMs`, and starts again after a reconnect. They are published in send order on the
   * one connection; each is confirmed by its own echo. 1 waits for each echo before publishing
   * the next: slower on a real network (one round trip per message) but in order whatever the
   * server does (see the README's "Order").
   */
  readonly sendWindow?: number;
  /**
   * How many uids the duplicate filter remembers (default 5,000), and how many messages the
   * timeline keeps per thread. The filter never remembers fewer than three catch-up budgets
   * (`catchUpPageSize × catchUpMaxPages`, 18,000 by default): a catch-up and the read again
   * after the history lag may bring a budget twice, with a receipt of ours for each.
   */
  readonly dedupeCapacity: number;
  /**
   * Catch-up's budget per pass of a thread: pages of `catchUpPageSize` messages (default 100; the
   * server has no cap), at most `catchUpMaxPages` (default 60), so 6,000 messages missed while
   * away. Beyond it, a `gap` event names what may be missing — never a silent loss.
   */
  readonly catchUpPageSize: number;
  /** Max pages one pass of catch-up reads per thread (see `catchUpPageSize`). */
  readonly catchUpMaxPages: number;
  /**
   * How many history requests catch-up makes at once, all threads together (default 4). After a
   * reconnect every subscribed thread is read: the others wait their turn, first come first
   * served, a request at a time (a long pass does not keep the threads behind it waiting to its
   * end). Each pass keeps its page budget, and each request its REST deadline from when it goes.
   */
  readonly catchUpConcurrency?: number;
  /**
   * How long one `loadOlder` may take, every page it reads included (ms, default 30,000): past
   * it, the read under way is aborted and the call rejects with `timeout`.
   */
  readonly loadOlderTimeoutMs?: number;
  /**
   * How far REST history lags behind the realtime link (ms; default 5,000: the real server writes
   * messages to its database in batches about every 5 s). After a connect, a thread is read again
   * once this has passed, and its live messages wait until then so that it stays in order. 0: a
   * server whose history is current (one read per connect).
   */
  readonly historyLagMs: number;
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

/**
 * A value that changes, for a UI to bind to. `get()` returns the same object until something in
 * it changes (React's `getSnapshot`); `subscribe(listener)` calls `listener` with the value at
 * once and after each change, and returns a function that stops (the Svelte store contract; React's
 * `useSyncExternalStore(readable.subscribe, readable.get)` ignores the argument; a Vue `shallowRef`
 * is set from it). Both are plain functions: they may be passed on without their object.
 */
export interface Readable<T> {
  /** The value now: the same object until it changes. */
  get(): T;
  /** Calls `listener` with the value now and after each change; returns a function that stops (safe to call twice). */
  subscribe(listener: (value: T) => void): () => void;
}

/** What a UI shows of one thread (see {@link ChatClient.timeline}). A new object when anything in it changes. */
export interface TimelineSnapshot {
  /** The thread's topic. */
  readonly topic: string;
  /** Its messages, oldest first by server time: the same array as {@link ChatClient.messages}. */
  readonly messages: readonly LocalMessage[];
  /**
   * Whether older messages may be in history: true until a `loadOlder` reached the oldest
   * (or catch-up read the whole history).
   */
  readonly hasMore: boolean;
  /** Whether a `loadOlder` of this thread is under way. */
  readonly loading: boolean;
}

/** Options of {@link ChatClient.loadOlder}. */
export interface LoadOlderOptions {
  /** At most this many messages (default 20; a whole number from 1). */
  readonly limit?: number;
}

/** What one {@link ChatClient.loadOlder} brought. */
export interface OlderMessages {
  /** The messages it added to the thread, oldest first; none that the thread already showed. */
  readonly messages: readonly LocalMessage[];
  /** Whether older messages may be left in history (false once the oldest was read). */
  readonly hasMore: boolean;
}

/**
 * One conversation of the thread list ({@link ChatClient.threads}): a {@link ChatThread}, so it
 * can be passed to `send`, `markRead` and the rest as it is. A new object when anything in it
 * changes; the same one otherwise.
 */
export interface ThreadSummary extends ChatThread {
  /**
   * What to show under its name: the last message's text (a file's name, `[IMAGE]` for media),
   * from the server's list until a newer message arrives here; `''` when there is none.
   */
  readonly preview: string;
  /** The newest message of it this client has (live, caught up or sent here), when it has one. */
  readonly lastMessage?: LocalMessage;
  /**
   * Messages from others not read yet: each content message from someone else counts (live or
   * caught up) unless it is READ already or older than one that is; the server's own count is a
   * floor until something is read. Own messages, signals and the thread's changes (closed,
   * transferred) never count. `markRead(thread)` clears it.
   */
  readonly unreadCount: number;
  /** When it last changed (epoch ms, server time): the list is sorted by it, newest first. */
  readonly updatedAt: number;
  /** Where a transfer of it stands (`TRANSFER_PENDING`, `TRANSFER_ACCEPTED`, …; `NONE`), when known. */
  readonly transferStatus?: TransferStatus;
  /** Pinned by its owner (the server's `top`). */
  readonly top: boolean;
  /** Muted by its owner (the server's `mute`). */
  readonly mute: boolean;
}

/** Options of {@link ChatClient.loadThreads}. */
export interface LoadThreadsOptions {
  /** Which page of the server's list, from 0 (default 0: the threads that changed last). */
  readonly pageNumber?: number;
  /** Threads per page (default 50; a whole number from 1 to 200). */
  readonly pageSize?: number;
  /**
   * Subscribe to the threads loaded, so that they stay current (default true), and from then on
   * take in a new thread the server delivers that names this user (`org/agent/{me}/…`,
   * `org/member/{me}/…`): the real server delivers a new visitor's thread to its agent unasked.
   */
  readonly subscribe?: boolean;
}

/** What one {@link ChatClient.loadThreads} brought. */
export interface LoadedThreads {
  /** The threads of the page, as the list now shows them (server order: the one changed last first). */
  readonly threads: readonly ThreadSummary[];
  /** Whether the server has more pages after this one. */
  readonly hasMore: boolean;
  /** How many threads the server's list has. */
  readonly totalElements: number;
}

/** A local message with a promise for its final status. */
export interface SentMessage extends LocalMessage {
  /**
   * Resolves (never rejects) once, with the message's final outcome on this client: SUCCESS
   * (the server has it), FAILED (no more automatic attempts: `error` says why) or RECALL
   * (recalled before it went). Not while it is RETRYING: a message that waits for a retry and is
   * delivered later resolves SUCCESS. A message still pending at `dispose()` resolves FAILED with
   * `closed`; it stays in the outbox, so the next client on the same store sends it. For what to
   * show meanwhile, follow `status` events (the README's "When `done` settles").
   */
  readonly done: Promise<LocalMessage>;
}

/** Options of {@link ChatClient.sendFile} and {@link ChatClient.sendImage}. */
export interface SendFileOptions {
  /** How far the upload is, as the platform tells (see `RestTransport.upload`). */
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload (the promise rejects with `closed`); once uploaded, the message is sent. */
  readonly signal?: AbortSignalLike;
}

/** A chat client: one user, one realtime connection, any number of threads. */
export interface ChatClient {
  /** The connection state now (each change is also a `connection` event). */
  readonly state: ConnectionState;
  /** Whether the state is `connected`. */
  isConnected(): boolean;
  /** Starts connecting (no-op with an empty token: the state stays idle, reason anonymous). */
  connect(): Promise<void>;
  /** Closes the connection and stops reconnecting; the outbox is kept. */
  disconnect(): Promise<void>;
  /** Drops the connection and connects again now (also from auth-failed, failed or kicked). */
  reconnect(): Promise<void>;
  /** Subscribes to threads or other exact topics; kept across reconnects, caught up on each. */
  subscribe(topics: readonly string[]): Promise<void>;
  /** Stops receiving topics and forgets them (no more catch-up for them). */
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** Sends content on a thread; returns the local message at once (status SENDING, or QUEUED, or FAILED when it cannot go). */
  send(thread: ChatThread, content: OutgoingContent): SentMessage;
  /**
   * Uploads a file over REST, then sends it as a FILE message (its URL, name, size and type),
   * like `send`. Rejects with an SdkError when nothing was sent: an invalid thread, no REST
   * transport that uploads (`invalid_argument`), an empty file, a failed upload (its code:
   * `network`, `timeout`, `server_error` with the server's message, …), a cancel or dispose
   * (`closed`). The app still has the file then; `error.retryable` says whether trying again may
   * help. Once uploaded it resolves with the sent message, which is the outbox's from then on.
   */
  sendFile(thread: ChatThread, file: UploadFile, options?: SendFileOptions): Promise<SentMessage>;
  /** As {@link ChatClient.sendFile}, sent as an IMAGE message. */
  sendImage(thread: ChatThread, file: UploadFile, options?: SendFileOptions): Promise<SentMessage>;
  /** Sends a FAILED message again with the same uid; a RETRYING one is tried now. */
  resend(uid: string): SentMessage;
  /** Tells the thread this user is typing (QoS 0, throttled; only when connected). */
  sendTyping(thread: ChatThread): void;
  /**
   * Sends a DELIVERED receipt for a message (sent for you when `autoDelivered` is on). Offline it
   * goes once connected (each uid once, at most 200 kept; no `error` event).
   */
  markDelivered(thread: ChatThread, uid: string): void;
  /**
   * Marks a thread read. With `uid`: sends a READ receipt for that message, and it (with what is
   * older) no longer counts as unread. Without: the whole thread — its unread count goes to 0 and
   * one READ for the newest message from others it shows that is not read yet
   * tells the server (a READ covers what is older; no storm of receipts), and every message from
   * others before it moves to READ here, as {@link ChatClient.setActiveThread} reads a thread.
   * Offline, the READ goes once connected (one a thread: the later message's, for what the thread
   * showed when called; no `error` event).
   */
  markRead(thread: ChatThread, uid?: string): void;
  /**
   * Tells the client which thread is open on screen (`null`: none). Its messages from others get
   * READ instead of DELIVERED: one READ, for the newest one not read yet — when it opens, for
   * what arrives while it stays open (what arrives together, such as a catch-up, one READ), and
   * again after a reconnect for what could not be sent — and every message from others before it
   * moves to READ here (a `status` event each). Not in group threads; never for a message whose
   * status says READ already. Call it with `null` when the thread is closed or the page hidden.
   */
  setActiveThread(thread: ChatThread | string | null): void;
  /**
   * Recalls a message: takes it out of the outbox if still there, and sends RECALL when connected.
   * Offline it is not kept for later: an `error` event `not_connected` says it did not happen
   * (unless the message was still QUEUED, never sent), so the user can try again.
   */
  recall(thread: ChatThread, uid: string): void;
  /** Fetches what a thread missed from REST history and emits it, oldest first, each uid once. */
  catchUp(thread: ChatThread | string): Promise<void>;
  /**
   * Messages known on a thread, oldest first by server time (`createdAt`). The same array until
   * something in the thread changes (a message, a status): a snapshot a UI may keep and compare
   * by identity. Frozen.
   */
  messages(threadTopic: string): readonly LocalMessage[];
  /**
   * Loads older messages of a thread from REST history, before the oldest it shows, and merges
   * them into its timeline by uid, in server-time order: the same {@link LocalMessage}s as
   * arrive live, each once, with no `message` event and no receipts (the app asked for them;
   * they come back here). Calls for one thread run one at a time: a call while one is under way
   * gets that one's result. Rejects with an `SdkError` (no REST: `invalid_argument`; a failed
   * read: the transport's code; past `timing.loadOlderTimeoutMs`: `timeout`; `dispose()` or an
   * unsubscribe meanwhile: `closed`) and then changes nothing: the next call reads the same again.
   */
  loadOlder(thread: ChatThread | string, options?: LoadOlderOptions): Promise<OlderMessages>;
  /**
   * One thread as a UI shows it: its messages, whether there are older ones, whether they are
   * being loaded. The same {@link Readable} for a topic each time; its listeners hear only of
   * changes to that thread.
   */
  timeline(threadTopic: string): Readable<TimelineSnapshot>;
  /**
   * Loads a page of this user's thread list from the server (`GET /api/v1/thread/query`, an
   * agent's conversations) into {@link threads}, and by default subscribes to them (see
   * {@link LoadThreadsOptions.subscribe}). Call it again to refresh or for the next page. From
   * then on the list is kept current by what arrives: a new thread, a last message, a state change
   * (AUTO_CLOSED, AGENT_CLOSED, VISITOR_CLOSED → CLOSED; TRANSFER and its answers → its transfer
   * status), unread counts. Rejects with an `SdkError` (no REST or a REST without a thread list:
   * `invalid_argument`; otherwise the transport's code: `protocol` for a body that is no page,
   * `response_too_large`, `timeout`, …) and then changes nothing.
   */
  loadThreads(options?: LoadThreadsOptions): Promise<LoadedThreads>;
  /**
   * The thread list: the threads loaded and those messages brought, the one changed last first
   * (at most 1,000). The same array until something in it changes: a snapshot to compare by
   * identity (React's `getSnapshot`). Empty until `loadThreads` or a message on a thread.
   */
  threads(): readonly ThreadSummary[];
  /**
   * Calls `listener` after each change of {@link threads}; returns a function that stops (safe to
   * call twice). `useSyncExternalStore(client.subscribeThreads, client.threads)` in React.
   */
  subscribeThreads(listener: () => void): () => void;
  /** Messages waiting in the outbox. */
  pending(): readonly LocalMessage[];
  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): () => void;
  /** Listens to the next `event` only; returns a function that stops listening before it came. */
  once<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): () => void;
  /**
   * Disconnects and releases every timer and listener, and aborts the REST calls in flight.
   * Pending messages end FAILED (`closed`) and stay in the outbox for the next client.
   */
  dispose(): Promise<void>;
}
