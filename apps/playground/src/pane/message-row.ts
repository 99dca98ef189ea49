/** One row of the conversation: a message's status, content, error and the actions it allows. */
import type { LocalMessage } from '@weiyu/core';
import { button, h, timeOfDay } from '../dom.js';
import { contentSummary, formatBytes, nextTry, statusLabel, statusMark } from '../format.js';

/** What the pane knows of a message beyond the message itself. */
export interface RowFacts {
  /** It is still in the outbox: QUEUED, SENDING or RETRYING (it goes out by itself); never FAILED. */
  readonly inOutbox: boolean;
  /** This pane has marked it read. */
  readonly readByMe: boolean;
}

/** What the row's buttons do. */
export interface RowActions {
  retry(message: LocalMessage): void;
  recall(message: LocalMessage): void;
  read(message: LocalMessage): void;
}

/** Fills (or refills) a row with a message; `testId` names the pane's elements. */
export function fillRow(
  row: HTMLLIElement,
  message: LocalMessage,
  facts: RowFacts,
  actions: RowActions,
  testId: (name: string) => string,
): void {
  row.dataset.status = message.status;
  row.dataset.mine = String(message.mine);
  row.dataset.type = message.type;
  if (message.status === 'RECALL') row.dataset.recalled = 'true';
  row.dataset.outbox = String(facts.inOutbox);
  const status = h(
    'span',
    { class: 'status', testid: testId(`status-${message.uid}`), attrs: { title: message.status } },
    message.mine ? statusText(message) : '',
  );
  row.replaceChildren(
    h('span', {
      class: 'meta',
      text: `${message.user.nickname ?? message.user.uid} · ${timeOfDay(message.createdAt).slice(0, 8)}`,
    }),
    renderContent(message, testId),
    status,
    ...(message.error === undefined
      ? []
      : [h('span', { class: 'error', text: `${message.error.code}: ${message.error.message}` })]),
    ...rowButtons(message, facts, actions, testId),
  );
}

/** `✓ sent`, `🕒 waiting · next try in 4 s`, … */
export function statusText(message: LocalMessage, now = Date.now()): string {
  const label = `${statusMark(message.status)} ${statusLabel(message.status)}`;
  return message.status === 'RETRYING' ? `${label} · ${nextTry(message.retryAt, now)}` : label;
}

function rowButtons(
  message: LocalMessage,
  facts: RowFacts,
  actions: RowActions,
  testId: (name: string) => string,
): HTMLElement[] {
  const buttons: HTMLElement[] = [];
  // Only FAILED needs the user: a RETRYING message is tried again by the SDK itself.
  if (message.mine && message.status === 'FAILED') {
    buttons.push(button(testId(`retry-${message.uid}`), 'Retry', () => actions.retry(message)));
  }
  if (message.mine && ['SUCCESS', 'DELIVERED', 'READ'].includes(message.status)) {
    buttons.push(button(testId(`recall-${message.uid}`), 'Recall', () => actions.recall(message)));
  }
  if (!message.mine && !facts.readByMe && message.status !== 'READ') {
    buttons.push(button(testId(`read-${message.uid}`), 'Mark read', () => actions.read(message)));
  }
  return buttons;
}

function renderContent(message: LocalMessage, testId: (name: string) => string): HTMLElement {
  const p = message.parsed;
  switch (p.kind) {
    case 'image':
      return h(
        'span',
        { class: 'content' },
        h('img', { attrs: { src: p.url, alt: p.label ?? 'image', loading: 'lazy', width: '96' } }),
      );
    case 'file':
      return h(
        'span',
        { class: 'content' },
        'File: ',
        h('a', {
          testid: testId(`file-link-${message.uid}`),
          text: p.name,
          attrs: { href: p.url, target: '_blank', rel: 'noreferrer' },
        }),
        ` (${formatBytes(p.size)})`,
      );
    case 'location':
      return h('span', { class: 'content', text: `Location: ${p.address} (${p.latitude}, ${p.longitude})` });
    default:
      return h('span', { class: 'content', text: contentSummary(p) });
  }
}
