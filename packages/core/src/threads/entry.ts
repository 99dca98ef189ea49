/**
 * One thread of the list and how it changes: made from the server's list or from a first
 * message, moved on by newer messages (its last message, its time, its state), its transfer
 * status set by transfer messages, and its summary for the app, made again only after a change.
 */
import {
  parseCreatedAt,
  parseTopic,
  type RestThread,
  type TransferStatus,
  threadStateAfter,
  threadUserUid,
} from '@weiyu/protocol';
import type { ChatThread, ChatUser, LocalMessage, ThreadSummary } from '../api.js';
import { userFromWire } from '../message.js';
import { previewOf } from './rules.js';
import { createUnread, type Unread } from './unread.js';

/** What the list keeps of one thread. */
export interface Entry {
  thread: ChatThread;
  /** The line shown; undefined: the last message's, made when a summary is (not for every message). */
  preview: string | undefined;
  lastMessage: LocalMessage | undefined;
  /** Server time of what `preview` shows (the last message's, or the server list's `updatedAt`). */
  lastAt: number;
  updatedAt: number;
  transferStatus: TransferStatus | undefined;
  top: boolean;
  mute: boolean;
  /** When it last changed here, in the order of changes: what decides between equal times. */
  touched: number;
  readonly unread: Unread;
  /** The summary made after the last change; undefined once something changed. */
  summary: ThreadSummary | undefined;
}

/** Uids kept per thread for its unread count (more are only counted). */
const UNREAD_CAPACITY = 1_000;

/** A thread the list has not seen yet. */
function blankEntry(thread: ChatThread): Entry {
  return {
    thread,
    preview: '',
    lastMessage: undefined,
    lastAt: -Infinity,
    updatedAt: -Infinity,
    transferStatus: undefined,
    top: false,
    mute: false,
    touched: 0,
    unread: createUnread(UNREAD_CAPACITY),
    summary: undefined,
  };
}

/** A thread as the server's list describes it. */
export function entryFromRest(rest: RestThread): Entry {
  const entry = blankEntry(restThread(rest));
  refreshFromRest(entry, rest);
  return entry;
}

/** A page of the server's list for a thread: the server's view, with what arrived here since kept. */
export function refreshFromRest(entry: Entry, rest: RestThread): void {
  const fresh = restThread(rest);
  const user = fresh.user ?? entry.thread.user;
  entry.thread = user ? { ...fresh, user } : fresh;
  const updated = parseCreatedAt(rest.updatedAt);
  if (updated.ok) {
    if (rest.preview !== '' && updated.value >= entry.lastAt) {
      entry.preview = rest.preview;
      entry.lastAt = updated.value;
    }
    entry.updatedAt = Math.max(entry.updatedAt, updated.value);
  }
  entry.transferStatus = rest.transferStatus || entry.transferStatus;
  entry.top = rest.top;
  entry.mute = rest.mute;
  entry.unread.floor(rest.unreadCount);
  entry.summary = undefined;
}

/** A thread first seen in a message: what the message says of it (the other side from the topic). */
export function entryFromMessage(message: LocalMessage, selfUid: string): Entry {
  const { uid, topic, type, state } = message.thread;
  const user = otherSide(message, threadUserUid(topic, selfUid));
  return blankEntry({
    uid,
    topic,
    type: type || typeOfTopic(topic),
    ...(state ? { state } : {}),
    ...(user ? { user } : {}),
  });
}

/**
 * A message of the thread: when it is the newest, it is the last message (its line, its time)
 * and a closing one closes the thread. Returns whether anything changed.
 */
export function takeMessage(entry: Entry, message: LocalMessage): boolean {
  // The same message again (its status moved, or the server's time replaced the local one) stays the last.
  const same = entry.lastMessage?.uid === message.uid;
  if (message.createdAt < entry.lastAt && !same) return false;
  entry.lastMessage = message;
  entry.preview = undefined;
  entry.lastAt = message.createdAt;
  entry.updatedAt = Math.max(entry.updatedAt, message.createdAt);
  const state = threadStateAfter(message.type);
  if (state) entry.thread = { ...entry.thread, state };
  entry.summary = undefined;
  return true;
}

/** The transfer status a transfer message gives the thread it is about. */
export function takeTransfer(entry: Entry, status: TransferStatus, at: number): boolean {
  if (entry.transferStatus === status) return false;
  entry.transferStatus = status;
  entry.updatedAt = Math.max(entry.updatedAt, at);
  entry.summary = undefined;
  return true;
}

/** The app's view of an entry: the same object until it changes. */
export function summaryOf(entry: Entry): ThreadSummary {
  if (entry.summary) return entry.summary;
  // Keys set on a copy, not spread into a literal: in V8's optimized code each object made by a
  // spread followed by more keys has a hidden class of its own, and a UI reads these on every render.
  const summary = Object.assign({}, entry.thread) as { -readonly [K in keyof ThreadSummary]: ThreadSummary[K] };
  summary.preview = previewLine(entry);
  if (entry.lastMessage) summary.lastMessage = entry.lastMessage;
  summary.unreadCount = entry.unread.count();
  summary.updatedAt = Number.isFinite(entry.updatedAt) ? entry.updatedAt : 0;
  if (entry.transferStatus) summary.transferStatus = entry.transferStatus;
  summary.top = entry.top;
  summary.mute = entry.mute;
  entry.summary = Object.freeze(summary);
  return entry.summary;
}

/** The line shown for a thread: the server list's, or its last message's (made once). */
function previewLine(entry: Entry): string {
  entry.preview ??= entry.lastMessage ? previewOf(entry.lastMessage) : '';
  return entry.preview;
}

function restThread(rest: RestThread): ChatThread {
  const user = rest.user ? userFromWire(rest.user) : undefined;
  return {
    uid: rest.uid,
    topic: rest.topic,
    type: rest.type || typeOfTopic(rest.topic),
    ...(rest.state ? { state: rest.state } : {}),
    ...(user && user.uid !== '' ? { user } : {}),
  };
}

/** The other side as a message names it: its `thread.user` or its sender, when that is the uid the topic names. */
function otherSide(message: LocalMessage, uid: string): ChatUser | undefined {
  const candidates = [message.thread.user, message.mine ? undefined : message.user];
  for (const candidate of candidates) {
    if (candidate && candidate.uid !== '' && (uid === '' || candidate.uid === uid)) return candidate;
  }
  return uid === '' ? undefined : { uid };
}

function typeOfTopic(topic: string): string {
  const parsed = parseTopic(topic);
  return parsed.ok ? parsed.value.kind.toUpperCase() : '';
}
