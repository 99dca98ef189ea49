/** A pane's event log: everything its client reported, newest first, and the SDK logger that feeds it. */
import type { Logger } from '@weiyu/core';
import { h, timeOfDay } from '../dom.js';

const LOG_LIMIT = 300;

export interface EventLog {
  /** The collapsible box that shows the log. */
  readonly element: HTMLElement;
  /** Adds a line of a kind (`connection`, `message`, `error`, …) at the top. */
  log(kind: string, line: string): void;
  clear(): void;
  /** The SDK's logger for this pane: warnings and errors in the log, the rest in the console. */
  readonly logger: Logger;
}

export function createEventLog(role: string): EventLog {
  const list = h('ol', { class: 'log', testid: `${role}-log` });
  const log = (kind: string, line: string): void => {
    const entry = h(
      'li',
      { class: `log-${kind}`, attrs: { 'data-event': kind } },
      h('time', { text: timeOfDay(Date.now()) }),
      h('b', { text: kind }),
      line,
    );
    list.prepend(entry);
    while (list.childElementCount > LOG_LIMIT) list.lastElementChild?.remove();
  };
  const logger: Logger = {
    debug: (message, data) => console.debug(`[${role}] ${message}`, data ?? ''),
    info: (message, data) => console.info(`[${role}] ${message}`, data ?? ''),
    warn: (message, data) => log('warn', `${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
    error: (message, data) => log('sdk-error', `${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
  };
  const element = h(
    'details',
    { class: 'log-box', attrs: { open: '' } },
    h('summary', { testid: `${role}-log-toggle`, text: 'SDK events' }),
    list,
  );
  return { element, log, clear: () => list.replaceChildren(), logger };
}
