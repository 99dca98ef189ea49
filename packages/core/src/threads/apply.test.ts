import type { RestThread } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../api.js';
import type { ThreadListPage } from '../interfaces.js';
import { noopLogger } from '../logger.js';
import { messageFromWire, withStatus } from '../message.js';
import { applyMarkRead, applyMessage, applyPage, applyStatus, MAX_THREADS, sortedSummaries } from './apply.js';
import type { Entry } from './entry.js';

const TOPIC = 'org/agent/a1/v1';

function received(uid: string, createdAt: string, text = 'hi', topic = TOPIC): LocalMessage {
  return messageFromWire(
    {
      uid,
      type: 'TEXT',
      content: text,
      status: 'SUCCESS',
      createdAt,
      channel: 'WEB',
      extra: '',
      user: { uid: 'v1', nickname: '', avatar: '', type: '', extra: '' },
      thread: { uid: 't', topic, type: 'AGENT', state: '', channel: '', extra: '' },
    },
    { selfUid: 'a1', now: 0 },
  );
}

function row(topic: string, unreadCount: number): RestThread {
  return {
    uid: topic,
    topic,
    type: 'AGENT',
    state: '',
    preview: 'from the server',
    lastMessageType: 'TEXT',
    unreadCount,
    transferStatus: '',
    top: false,
    mute: false,
    updatedAt: '2024-05-01 11:00:00',
    createdAt: '2024-05-01 10:00:00',
  };
}

function page(threads: RestThread[]): ThreadListPage {
  return { threads, pageNumber: 0, pageSize: 50, totalPages: 1, totalElements: threads.length, last: true };
}

const fresh = () => ({ entries: new Map<string, Entry>() });

describe('the thread list as pure steps', () => {
  it('a page takes the conversations in and skips what is no thread', () => {
    const list = fresh();
    const loaded = applyPage(list.entries, page([row(TOPIC, 2), row('user/a1', 1)]), 2, noopLogger);
    expect(loaded.map((e) => e.thread.topic)).toEqual([TOPIC]);
    expect(sortedSummaries(list.entries).map((s) => [s.topic, s.unreadCount])).toEqual([[TOPIC, 2]]);
  });

  it('a live message makes its thread, counts, and a READ status takes it off again', () => {
    const list = fresh();
    const message = received('m1', '2024-05-01 12:00:00');
    expect(applyMessage(list.entries, message, 'a1')?.thread.topic).toBe(TOPIC);
    expect(sortedSummaries(list.entries)[0]?.unreadCount).toBe(1);
    expect(applyStatus(list.entries, withStatus(message, 'READ'))).toBe(true);
    expect(sortedSummaries(list.entries)[0]?.unreadCount).toBe(0);
    // Of a thread the list does not have, a status changes nothing.
    expect(applyStatus(new Map(), withStatus(message, 'READ'))).toBe(false);
  });

  it('markRead of a whole thread clears what the server counted; again it changes nothing', () => {
    const list = fresh();
    applyPage(list.entries, page([row(TOPIC, 3)]), 1, noopLogger);
    const entry = list.entries.get(TOPIC);
    if (!entry) throw new Error('no entry');
    expect(applyMarkRead(entry, undefined)).toBe(true);
    expect(entry.unread.count()).toBe(0);
    expect(applyMarkRead(entry, undefined)).toBe(false);
  });

  it('a full list takes a new thread in and lets go of the one changed longest ago, not the new one', () => {
    const list = fresh();
    const rows = Array.from({ length: MAX_THREADS }, (_, i) => ({
      ...row(`org/agent/a1/v${i}`, 0),
      updatedAt: `2024-05-01 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
    }));
    applyPage(list.entries, page(rows), MAX_THREADS, noopLogger);
    expect(list.entries.size).toBe(MAX_THREADS);
    const entry = applyMessage(list.entries, received('m1', '2024-05-01 12:00:00', 'hi', 'org/agent/a1/new'), 'a1');
    expect(entry?.thread.topic).toBe('org/agent/a1/new');
    expect(list.entries.size).toBe(MAX_THREADS);
    expect(list.entries.has('org/agent/a1/new')).toBe(true);
    expect(list.entries.has('org/agent/a1/v0')).toBe(false);
    expect(sortedSummaries(list.entries)[0]?.topic).toBe('org/agent/a1/new');
  });
});
