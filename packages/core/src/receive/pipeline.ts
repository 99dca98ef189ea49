/**
 * The receive pipeline: bytes (or a message from REST history) in, one decision out.
 * decode → ids within their limits → keep our own topics → drop duplicates by uid → match echoes
 * of our own messages → receipts, typing, recall, kickoff → everything else is a message. Never throws.
 *
 * Whatever it lets through is on a topic of ours: the thread of every result (a message's, a
 * receipt's, …) has the topic it arrived on and was subscribed to, or the topic catch-up read.
 * Receipts go back there, never to a topic a payload names.
 */
import { checkFields, checkIds, decodeMessage, isRobotStreamType, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatThread, ChatUser, LocalMessage, ReceiptEvent, TypingEvent } from '../api.js';
import { parseObject } from '../json-object.js';
import { describeThrown } from '../logger.js';
import { messageFromWire, threadAt, userFromWire } from '../message.js';
import type { Dedupe } from './dedupe.js';
import { shownFromHistory } from './robot-stream.js';

/** Where a message came from: the realtime link, or REST history during catch-up. */
export type ReceiveSource = 'mqtt' | 'catch-up';

/** Why a message was dropped without an event. */
export type DropReason =
  /** It has no uid: it cannot be told apart from others. */
  | 'no-uid'
  /** The topic it came on is not one this client subscribed to. */
  | 'not-subscribed'
  /**
   * It came on a topic of ours but its `thread.topic` is not one of ours (the server matches
   * topics as substrings, and anyone may post with any thread).
   */
  | 'foreign-thread'
  /** Its uid was seen already. */
  | 'duplicate'
  /** A typing indicator or receipt sent by this user (from any device). */
  | 'own-signal'
  /** A typing indicator found in history: long over. */
  | 'stale-signal'
  /** A KICKOFF that did not come on this user's own system topic. */
  | 'foreign-kickoff';

/** What the pipeline made of one message. */
export type Received =
  | { readonly kind: 'error'; readonly error: SdkError }
  | {
      readonly kind: 'dropped';
      readonly reason: DropReason;
      readonly uid: string;
      /** A duplicate's copy as it came, to tell a copy from a rewrite of what is shown. */
      readonly copy?: WireMessage;
    }
  /** The server's copy of a message this client is sending. */
  | { readonly kind: 'echo'; readonly wire: WireMessage }
  | { readonly kind: 'receipt'; readonly receipt: ReceiptEvent }
  | { readonly kind: 'typing'; readonly typing: TypingEvent }
  | {
      readonly kind: 'recall';
      readonly recall: { readonly thread: ChatThread; readonly uid: string; readonly user: ChatUser };
    }
  | { readonly kind: 'kicked'; readonly reason: string; readonly raw: string }
  /**
   * A new message for the app, and the wire it came as (its `createdAt` is the server's, where
   * the message's falls back to the local time), so nothing downstream decodes it again.
   */
  | { readonly kind: 'message'; readonly message: LocalMessage; readonly wire?: WireMessage }
  /** A further piece of a robot's streamed answer already shown (a chunk, its end or its error). */
  | { readonly kind: 'stream'; readonly chunk: LocalMessage }
  /**
   * History has a message this client knows with a status that may be further on (DELIVERED,
   * READ, RECALL): receipts and recalls this client missed while it was away.
   */
  | { readonly kind: 'stored-status'; readonly uid: string; readonly status: 'DELIVERED' | 'READ' | 'RECALL' };

/** What the pipeline needs to know about the client. */
export interface ReceiveContext {
  /** This client's user uid. */
  readonly selfUid: string;
  readonly now: () => number;
  /** Whether a topic is subscribed (thread topics and this user's own topics). */
  readonly isSubscribed: (topic: string) => boolean;
  /** The duplicate filter: live and history messages alike, and told of my own signals and confirmed sends. */
  readonly dedupe: Dedupe;
  /** Whether a uid is one of this client's messages still waiting for confirmation. */
  readonly isAwaitingEcho: (uid: string) => boolean;
}

/** Decodes bytes from the realtime link and runs them through the pipeline. Never throws. */
export function receiveBytes(topic: string, payload: Uint8Array, context: ReceiveContext): Received {
  const decoded = decodeMessage(payload);
  if (!decoded.ok) return { kind: 'error', error: decoded.error };
  return receiveWire(decoded.value, { topic, source: 'mqtt' }, context);
}

/** Runs a decoded message through the pipeline. Never throws. */
export function receiveWire(
  wire: WireMessage,
  origin: { readonly topic: string; readonly source: ReceiveSource },
  context: ReceiveContext,
): Received {
  try {
    return classify(wire, origin, context);
  } catch (cause) {
    return {
      kind: 'error',
      error: new SdkError('unknown', `could not handle a received message: ${describeThrown(cause)}`, { cause }),
    };
  }
}

function classify(
  wire: WireMessage,
  origin: { readonly topic: string; readonly source: ReceiveSource },
  context: ReceiveContext,
): Received {
  const uid = wire.uid;
  if (uid.length === 0) return { kind: 'dropped', reason: 'no-uid', uid };
  // Anyone may post a uid of 10 KB, and uids are kept long (the duplicate filter, the timeline).
  const ids = checkIds(wire);
  if (!ids.ok) return { kind: 'error', error: ids.error };
  // And nicknames, avatars, extra, names: kept with every message shown (its content is the timeline's to weigh).
  const fields = checkFields(wire);
  if (!fields.ok) return { kind: 'error', error: fields.error };

  const home = homeTopic(wire, origin, context);
  if (typeof home !== 'string') return { kind: 'dropped', reason: home.drop, uid };
  const about: About = { wire, origin, context, home };

  // The pieces of a robot's streamed answer share one uid: later ones grow it instead of being duplicates.
  if (isRobotStreamType(wire.type) && context.dedupe.has(uid) && !context.isAwaitingEcho(uid)) {
    if (origin.source === 'catch-up') return { kind: 'dropped', reason: 'duplicate', uid, copy: wire };
    return { kind: 'stream', chunk: localOf(about, threadOf(about), userFromWire(wire.user)) };
  }

  if (origin.source === 'catch-up' && context.dedupe.has(uid)) {
    const status = STORED_PROGRESS.find((s) => s === wire.status);
    if (status !== undefined) {
      // Seen again: remembered as recent (as `add` below does), so the next read of these rows still knows it.
      context.dedupe.add(uid);
      return { kind: 'stored-status', uid, status };
    }
  }

  if (!context.dedupe.add(uid)) return { kind: 'dropped', reason: 'duplicate', uid, copy: wire };
  // An echo needs no thread or message of its own: the sender has them (one per message sent).
  if (context.isAwaitingEcho(uid)) return { kind: 'echo', wire };
  return classifyNew(about);
}

/** A received message and where it belongs: what {@link classifyNew} reads. */
interface About {
  readonly wire: WireMessage;
  readonly origin: { readonly topic: string; readonly source: ReceiveSource };
  readonly context: ReceiveContext;
  /** The topic of ours it belongs to (homeTopic). */
  readonly home: string;
}

function threadOf({ wire, home }: About): ChatThread {
  return threadAt(wire.thread, home);
}

/** The message for the app, on `thread` (from {@link threadOf}), from `user` (its sender, from the wire). */
function localOf({ wire, context, home }: About, thread: ChatThread, user: ChatUser): LocalMessage {
  return messageFromWire(wire, { selfUid: context.selfUid, now: context.now(), topic: home, thread, user });
}

/** A message seen for the first time, not an echo of ours: what it is to the app, by its type. */
function classifyNew(about: About): Received {
  const { wire, origin, context, home } = about;
  const uid = wire.uid;
  const thread = threadOf(about);
  const user = userFromWire(wire.user);
  const fromSelf = user.uid.length > 0 && user.uid === context.selfUid;

  switch (wire.type) {
    case 'DELIVERED':
    case 'READ':
      if (fromSelf) return { kind: 'dropped', reason: 'own-signal', uid };
      return {
        kind: 'receipt',
        receipt: { thread, uid: wire.content.trim(), kind: wire.type === 'READ' ? 'READ' : 'DELIVERED', user },
      };
    case 'TYPING':
    case 'PREVIEW':
      if (fromSelf) return { kind: 'dropped', reason: 'own-signal', uid };
      if (origin.source === 'catch-up') return { kind: 'dropped', reason: 'stale-signal', uid };
      return { kind: 'typing', typing: typingOf(wire, thread, user) };
    case 'RECALL':
      return { kind: 'recall', recall: { thread, uid: wire.content.trim(), user } };
    case 'KICKOFF':
      if (origin.topic !== `system/${context.selfUid}` || home !== origin.topic) {
        return { kind: 'dropped', reason: 'foreign-kickoff', uid };
      }
      return { kind: 'kicked', reason: readKickReason(wire.content), raw: wire.content };
    default: {
      // An answer still streaming, read from history, joins the live pieces that follow it.
      const message = localOf(about, thread, user);
      return { kind: 'message', message: origin.source === 'catch-up' ? shownFromHistory(message) : message, wire };
    }
  }
}

/** A TYPING or PREVIEW signal as the app sees it. */
function typingOf(wire: WireMessage, thread: ChatThread, user: ChatUser): TypingEvent {
  if (wire.type === 'TYPING') return { thread, user, active: true };
  const preview = readPreview(wire.content);
  return preview.clear || preview.text === undefined
    ? { thread, user, active: !preview.clear }
    : { thread, user, active: true, preview: preview.text };
}

/**
 * The topic of ours a message belongs to. Live: the topic it came on and its `thread.topic`
 * (when it has one) must both be subscribed, exactly; the thread's topic wins (the server may
 * deliver a thread's message on a longer topic that contains it). From history: the topic read.
 */
function homeTopic(
  wire: WireMessage,
  origin: { readonly topic: string; readonly source: ReceiveSource },
  context: ReceiveContext,
): string | { readonly drop: DropReason } {
  if (origin.source === 'catch-up') return origin.topic;
  if (!context.isSubscribed(origin.topic)) return { drop: 'not-subscribed' };
  const threadTopic = wire.thread?.topic ?? '';
  if (threadTopic.length === 0) return origin.topic;
  return context.isSubscribed(threadTopic) ? threadTopic : { drop: 'foreign-thread' };
}

/** Statuses the server stores on a message when receipts or a recall reach it. */
const STORED_PROGRESS = ['DELIVERED', 'READ', 'RECALL'] as const;

/** PREVIEW content is `{v:1, content, clear, ts}`; older clients send the text itself. */
function readPreview(content: string): { readonly text?: string; readonly clear: boolean } {
  const value = parseObject(content);
  if (!value) return content.length > 0 ? { text: content, clear: false } : { clear: false };
  const clear = value.clear === true;
  return typeof value.content === 'string' && value.content.length > 0 ? { text: value.content, clear } : { clear };
}

/** KICKOFF content is `{reason, action: "FORCE_LOGOUT", …}`; anything else is kept as the reason. */
function readKickReason(content: string): string {
  const value = parseObject(content);
  if (value && typeof value.reason === 'string' && value.reason.length > 0) return value.reason;
  return content.length > 0 ? content : 'logged out by the server';
}
