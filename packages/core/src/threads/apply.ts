/**
 * The thread list's rules as pure steps over its entries: a page of the server's list, a live
 * message, a status change, the app's markRead, the cap, and the list in its order. Each step
 * changes only the entries it is given and says whether the list changed; thread-list.ts tells
 * its listeners.
 */
import { parseTopic, transferStatusAfter, transferTopic, validateTopic } from '@weiyu/protocol';
import type { LocalMessage, ThreadSummary } from '../api.js';
import type { Logger, ThreadListPage } from '../interfaces.js';
import {
  type Entry,
  entryFromMessage,
  entryFromRest,
  refreshFromRest,
  summaryOf,
  takeMessage,
  takeTransfer,
} from './entry.js';
import { countsAsUnread, movesThread } from './rules.js';

/** The most threads the list keeps: the ones changed last. */
export const MAX_THREADS = 1_000;

/** Drops the threads changed longest ago past {@link MAX_THREADS}; never `fresh`, the one a message just came to. */
export function trimEntries(entries: Map<string, Entry>, fresh?: Entry): void {
  if (entries.size <= MAX_THREADS) return;
  const others = [...entries.values()].filter((entry) => entry !== fresh);
  const oldest = others.sort((a, b) => a.updatedAt - b.updatedAt).slice(0, entries.size - MAX_THREADS);
  for (const entry of oldest) entries.delete(entry.thread.topic);
}

/** A message from someone else that is read (READ: with what is older) or recalled no longer counts. */
export function readUnread(entry: Entry, message: LocalMessage): boolean {
  if (!countsAsUnread(message)) return false;
  if (message.status === 'READ') return entry.unread.read(message.uid, message.createdAt, true);
  if (message.status === 'RECALL') return entry.unread.read(message.uid, message.createdAt, false);
  return false;
}

/** A new message from someone else counts, unless its status says it is read. */
export function countUnread(entry: Entry, message: LocalMessage): boolean {
  if (!countsAsUnread(message)) return false;
  if (message.status === 'READ' || message.status === 'RECALL') return readUnread(entry, message);
  return entry.unread.add(message.uid, message.createdAt);
}

/**
 * A message the client shows: it moves its thread (a new one when its topic is a conversation),
 * a transfer message the thread it is about, and one from someone else counts as unread.
 * Returns the thread when the list changed (the caller records the change's turn in `touched`).
 */
export function applyMessage(entries: Map<string, Entry>, message: LocalMessage, selfUid: string): Entry | undefined {
  if (!movesThread(message)) return undefined;
  const { topic } = message.thread;
  const known = entries.get(topic);
  if (!known && !isListTopic(topic)) return undefined;
  const entry = known ?? entryFromMessage(message, selfUid);
  // A new thread has no time until its message is taken: trimmed before, it would be the one to go.
  if (!known) entries.set(topic, entry);
  let moved = takeMessage(entry, message);
  const status = transferStatusAfter(message.type);
  const target = status && entries.get(transferTopic(message.content, topic));
  if (status && target && takeTransfer(target, status, message.createdAt)) moved = true;
  if (countUnread(entry, message)) moved = true;
  if (!known) trimEntries(entries, entry);
  if (!moved && known) return undefined;
  entry.summary = undefined;
  return entry;
}

/**
 * Another's shown message changed status: the last message's own copy follows it, and the
 * unread count what is read or recalled. Returns whether the list changed.
 */
export function applyStatus(entries: Map<string, Entry>, message: LocalMessage): boolean {
  const entry = entries.get(message.thread.topic);
  if (!entry) return false;
  const last = entry.lastMessage?.uid === message.uid && takeMessage(entry, message);
  if (!readUnread(entry, message) && !last) return false;
  entry.summary = undefined;
  return true;
}

/**
 * The app marked a message (and what is older) or, without `uid`, the whole thread read.
 * Returns whether its unread count changed.
 */
export function applyMarkRead(entry: Entry, uid: string | undefined): boolean {
  const before = entry.unread.count();
  if (uid !== undefined) {
    entry.unread.read(uid, undefined, true);
  } else {
    // The READ went with the receipt rule (signals.readThread); what the server's list showed is read too.
    entry.unread.clear(entry.lastMessage ? -Infinity : entry.lastAt);
  }
  if (entry.unread.count() === before) return false;
  entry.summary = undefined;
  return true;
}

/**
 * A page of the server's list: each thread taken in (what arrived here since kept), in the
 * server's order (the one changed last first) between equal times, the first ranked `rank` and
 * the next ones lower; what is no thread is skipped. Returns the page's threads.
 */
export function applyPage(entries: Map<string, Entry>, page: ThreadListPage, rank: number, logger: Logger): Entry[] {
  const loaded: Entry[] = [];
  for (const item of page.threads) {
    if (!validateTopic(item.topic).ok || !isListTopic(item.topic)) {
      logger.warn('threads: skipped a thread whose topic is no thread', { uid: item.uid });
      continue;
    }
    const known = entries.get(item.topic);
    if (known) refreshFromRest(known, item);
    else entries.set(item.topic, entryFromRest(item));
    const entry = entries.get(item.topic);
    if (!entry || loaded.includes(entry)) continue;
    entry.touched = rank--;
    loaded.push(entry);
  }
  trimEntries(entries);
  return loaded;
}

/** The list as the app sees it: the one changed last first (the later change between equal times). */
export function sortedSummaries(entries: Map<string, Entry>): readonly ThreadSummary[] {
  const list = [...entries.values()].sort((a, b) => b.updatedAt - a.updatedAt || b.touched - a.touched);
  return Object.freeze(list.map(summaryOf));
}

/** A conversation's topic (not the user's own `user/`, `system/` or `org/` topic, nor a side channel). */
export function isListTopic(topic: string): boolean {
  if (topic.endsWith('_internal')) return false;
  const parsed = parseTopic(topic);
  if (parsed.ok) return parsed.value.kind !== 'user' && parsed.value.kind !== 'system' && parsed.value.kind !== 'org';
  return topic.startsWith('org/');
}

/** Whether a topic names this user as its owner: the agent of a visitor's thread, this member's side. */
export function namesAsOwner(topic: string, selfUid: string): boolean {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return false;
  const t = parsed.value;
  return (t.kind === 'agent' && t.agentUid === selfUid) || (t.kind === 'member' && t.selfUid === selfUid);
}
