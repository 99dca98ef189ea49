/**
 * What a pane shows: its header (connection badge, outbox count, who it is) and the
 * conversation — one row per message uid, never shown twice — with the typing indicator.
 */
import type { ChatClient, ConnectionState, LocalMessage, TimelineSnapshot, TypingEvent } from '@weiyu/core';
import { button, h } from '../dom.js';
import { connectionLabel, describeMessage } from '../format.js';
import type { PaneContext } from './context.js';
import { fillRow, type RowActions, statusText } from './message-row.js';

export interface PaneHeader {
  /** The title, the connection badge and the outbox count. */
  readonly element: HTMLElement;
  /** Who the pane is logged in as. */
  readonly who: HTMLElement;
  /** Puts a word in the connection badge while there is no client state to show. */
  showPhase(text: string): void;
  showState(state: ConnectionState): void;
  showUser(text: string): void;
  /** Shows how many messages wait in the outbox. */
  updatePending(): void;
}

export function createPaneHeader(ctx: PaneContext, username: string): PaneHeader {
  const t = ctx.testId;
  const badge = h('span', {
    class: 'badge',
    testid: t('connection'),
    text: 'starting',
    attrs: { 'data-status': 'idle' },
  });
  const pending = h('span', { class: 'pending', testid: t('pending'), text: 'outbox 0', attrs: { 'data-count': '0' } });
  const title = h('h2', { text: ctx.role === 'agent' ? 'Agent' : 'Visitor' });
  const who = h('span', { class: 'who', testid: t('user'), text: username });
  return {
    element: h('header', {}, title, badge, pending),
    who,
    showPhase: (text) => {
      badge.textContent = text;
    },
    showState: (state) => {
      badge.textContent = connectionLabel(state);
      badge.dataset.status = state.status;
    },
    showUser: (text) => {
      who.textContent = text;
    },
    updatePending: () => {
      const count = ctx.sdk()?.client.pending().length ?? 0;
      pending.textContent = `outbox ${count}`;
      pending.dataset.count = String(count);
    },
  };
}

/** How many older messages one click of "Load older" asks for. */
export const LOAD_OLDER_LIMIT = 10;

export interface Conversation {
  /** "Load older" and what it knows: more in history, loading, the start reached. */
  readonly older: HTMLElement;
  /** The message rows. */
  readonly list: HTMLOListElement;
  readonly typing: HTMLElement;
  /** Shows a message, or updates the row that already shows its uid. */
  upsert(message: LocalMessage): void;
  /** Shows every message the client knows of the thread, and its outbox. */
  showKnown(client: ChatClient): void;
  /** Follows the thread's timeline (`client.timeline`): what loadOlder brings, whether older ones are left. */
  follow(client: ChatClient): void;
  /** Empties the conversation (before it shows another thread). */
  clear(): void;
  markRead(message: LocalMessage): void;
  markAllRead(): void;
  showTyping(event: TypingEvent): void;
  markRecalled(uid: string): void;
}

interface Shown {
  readonly row: HTMLLIElement;
  message: LocalMessage;
}

/** The conversation of a pane; `onChange` runs after every message shown (the outbox may have changed). */
export function createConversation(ctx: PaneContext, onChange: () => void): Conversation {
  const t = ctx.testId;
  const shown = new Map<string, Shown>();
  const readByMe = new Set<string>();
  const list = h('ol', { class: 'messages', testid: t('messages') });
  const typing = h('div', { class: 'typing', testid: t('typing'), attrs: { 'data-active': 'false' } });
  const client = (): ChatClient | undefined => ctx.sdk()?.client;
  const olderState = h('span', { class: 'older-state', testid: t('older-state') });
  const loadOlder = button(t('load-older'), 'Load older', () => {
    const c = client();
    if (c === undefined) return;
    ctx.log('action', `loadOlder(limit ${LOAD_OLDER_LIMIT})`);
    c.loadOlder(ctx.thread(), { limit: LOAD_OLDER_LIMIT }).then(
      (older) => ctx.log('older', `${older.messages.length} older${older.hasMore ? '' : ', the first reached'}`),
      (error: unknown) => ctx.log('error', `loadOlder: ${String(error)}`),
    );
  });
  const older = h('div', { class: 'row older', testid: t('older') }, loadOlder, olderState);
  let unfollow: (() => void) | undefined;
  const showOlder = (snapshot: TimelineSnapshot): void => {
    loadOlder.disabled = snapshot.loading || !snapshot.hasMore;
    older.dataset.hasMore = String(snapshot.hasMore);
    older.dataset.loading = String(snapshot.loading);
    olderState.textContent = snapshot.loading ? 'loading…' : snapshot.hasMore ? '' : 'the start of the conversation';
  };

  const actions: RowActions = {
    retry: (message) => resend(message),
    recall: (message) => {
      client()?.recall(message.thread, message.uid);
      ctx.log('recall', `recall ${describeMessage(message)}`);
    },
    read: (message) => markRead(message),
  };
  const fill = (row: HTMLLIElement, message: LocalMessage): void => {
    const inOutbox =
      message.mine &&
      (client()
        ?.pending()
        .some((m) => m.uid === message.uid) ??
        false);
    fillRow(row, message, { inOutbox, readByMe: readByMe.has(message.uid) }, actions, t);
  };

  // A RETRYING row counts down to its next try (the SDK tells only when the time changes).
  setInterval(() => {
    for (const { row, message } of shown.values()) {
      if (!message.mine || message.status !== 'RETRYING') continue;
      const status = row.querySelector('.status');
      if (status !== null) status.textContent = statusText(message);
    }
  }, 1_000);

  function upsert(message: LocalMessage): void {
    if (message.thread.topic !== ctx.thread().topic) return;
    const existing = shown.get(message.uid);
    if (existing !== undefined) {
      existing.message = message;
      fill(existing.row, message);
    } else {
      const row = h('li', {
        class: 'message',
        testid: t(`message-${message.uid}`),
        attrs: { 'data-uid': message.uid },
      });
      fill(row, message);
      shown.set(message.uid, { row, message });
      // In time order at first sight; a row never moves afterwards.
      // Before the first row on screen (not the first one shown: older ones come in later) that is newer.
      const after = [...shown.values()]
        .filter((s) => s.row !== row && s.message.createdAt > message.createdAt && s.row.isConnected)
        .reduce<Shown | undefined>(
          (first, s) =>
            first === undefined || s.row.compareDocumentPosition(first.row) & Node.DOCUMENT_POSITION_FOLLOWING
              ? s
              : first,
          undefined,
        );
      if (after === undefined) list.append(row);
      else list.insertBefore(row, after.row);
      row.scrollIntoView({ block: 'nearest' });
    }
    onChange();
  }

  function resend(message: LocalMessage): void {
    const c = client();
    if (c === undefined) return;
    try {
      const again = c.resend(message.uid);
      upsert(again);
      ctx.log('resend', describeMessage(again));
      void again.done.then((final) => upsert(final));
    } catch (error) {
      ctx.log('error', `resend refused: ${String(error)}`);
    }
  }

  function markRead(message: LocalMessage): void {
    const c = client();
    if (c === undefined || message.mine || message.status === 'READ' || readByMe.has(message.uid)) return;
    c.markRead(message.thread, message.uid);
    readByMe.add(message.uid);
    ctx.log('read', `markRead ${describeMessage(message)}`);
    const entry = shown.get(message.uid);
    if (entry !== undefined) fill(entry.row, entry.message);
  }

  return {
    older,
    list,
    typing,
    upsert,
    follow: (c) => {
      unfollow?.();
      // A new snapshot when anything in the thread changes; rows are refilled only for the messages that did.
      unfollow = c.timeline(ctx.thread().topic).subscribe((snapshot) => {
        for (const message of snapshot.messages) if (shown.get(message.uid)?.message !== message) upsert(message);
        showOlder(snapshot);
      });
    },
    clear: () => {
      shown.clear();
      list.replaceChildren();
      typing.dataset.active = 'false';
      typing.textContent = '';
    },
    showKnown: (c) => {
      for (const message of c.messages(ctx.thread().topic)) upsert(message);
      for (const message of c.pending()) upsert(message);
      onChange();
    },
    markRead,
    markAllRead: () => {
      for (const { message } of shown.values()) markRead(message);
    },
    showTyping: (event) => {
      typing.dataset.active = String(event.active);
      typing.textContent = event.active
        ? `${event.user.nickname ?? event.user.uid} is typing…${event.preview ? ` “${event.preview}”` : ''}`
        : '';
    },
    markRecalled: (uid) => {
      const entry = shown.get(uid);
      if (entry !== undefined) entry.row.dataset.recalled = 'true';
    },
  };
}
