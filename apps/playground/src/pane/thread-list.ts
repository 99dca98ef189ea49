/**
 * The agent pane's thread list: `client.loadThreads()` reads it from REST (and subscribes to every
 * thread in it), `client.subscribeThreads` keeps it current (a new visitor's thread, the last
 * message, the state), each thread with its unread badge (`unreadCount`); the thread shown is
 * marked selected. Clicking one opens it.
 */
import type { ChatClient, ThreadSummary } from '@weiyu/core';
import { button, h } from '../dom.js';
import type { PaneContext } from './context.js';

export interface ThreadList {
  readonly element: HTMLElement;
  /** Loads the list from REST and follows its changes. */
  start(client: ChatClient): void;
  /** Marks the thread the pane shows. */
  select(topic: string): void;
}

/** The name a thread goes by in the list: its visitor's nickname or uid, else its topic. */
function threadName(thread: ThreadSummary): string {
  return thread.user?.nickname ?? thread.user?.uid ?? thread.topic;
}

/** `open` is called with the thread clicked. */
export function createThreadList(ctx: PaneContext, open: (thread: ThreadSummary) => void): ThreadList {
  const t = ctx.testId;
  const items = h('ul', { class: 'threads', testid: t('threads') });
  const state = h('span', { class: 'threads-state', testid: t('threads-state'), attrs: { 'data-state': 'idle' } });
  let client: ChatClient | undefined;
  let selected = ctx.thread().topic;
  let shown: readonly ThreadSummary[] = [];

  const item = (thread: ThreadSummary): HTMLLIElement => {
    const unread = h('span', {
      class: 'unread',
      testid: t(`unread-${thread.uid}`),
      text: thread.unreadCount > 0 ? String(thread.unreadCount) : '',
      attrs: { 'data-count': String(thread.unreadCount), title: 'unread' },
    });
    return h(
      'li',
      {
        class: 'thread',
        testid: t(`thread-${thread.uid}`),
        attrs: {
          'data-uid': thread.uid,
          'data-topic': thread.topic,
          'data-selected': String(thread.topic === selected),
          'data-unread': String(thread.unreadCount),
          ...(thread.state === undefined ? {} : { 'data-state': thread.state }),
          role: 'button',
          tabindex: '0',
          title: thread.topic,
        },
        on: { click: () => open(thread) },
      },
      h('span', { class: 'thread-name', text: `${threadName(thread)} · ${thread.type}` }),
      unread,
      h('span', { class: 'thread-preview', text: thread.preview }),
      thread.state === undefined ? null : h('span', { class: 'thread-state', text: thread.state.toLowerCase() }),
    );
  };
  // The snapshot keeps its identity while nothing changed: nothing to redraw then.
  const render = (threads: readonly ThreadSummary[]): void => {
    shown = threads;
    items.replaceChildren(...threads.map(item));
  };

  const load = (): void => {
    const c = client;
    if (c === undefined) return;
    state.dataset.state = 'loading';
    state.textContent = 'loading…';
    c.loadThreads({ pageSize: 50 }).then(
      (page) => {
        state.dataset.state = 'loaded';
        state.textContent = `${page.totalElements} thread${page.totalElements === 1 ? '' : 's'}${page.hasMore ? ' (first 50)' : ''}`;
        ctx.log('threads', `loadThreads: ${page.threads.length} of ${page.totalElements}`);
      },
      (error: unknown) => {
        state.dataset.state = 'error';
        state.textContent = `failed: ${String(error)}`;
        ctx.log('error', `loadThreads: ${String(error)}`);
      },
    );
  };

  const element = h(
    'div',
    { class: 'thread-list' },
    h(
      'div',
      { class: 'row' },
      h('strong', { text: 'Threads' }),
      button(t('threads-reload'), 'Reload list', load),
      state,
    ),
    items,
  );
  return {
    element,
    start: (c) => {
      client = c;
      c.subscribeThreads(() => {
        if (c.threads() !== shown) render(c.threads());
      });
      render(c.threads());
      load();
    },
    select: (topic) => {
      selected = topic;
      render(shown);
    },
  };
}
