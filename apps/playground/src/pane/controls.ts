/** A pane's controls: the network switches, auto read, the connection buttons and "Forget & reload". */
import type { ChatClient } from '@weiyu/core';
import { button, h, toggle } from '../dom.js';
import type { PaneContext } from './context.js';

export interface PaneControls {
  readonly element: HTMLElement;
  /** Whether the thread shown is read as it shows (the client's active thread). */
  autoRead(): boolean;
}

/** `storagePrefix`: the pane's Web Storage keys, cleared by "Forget & reload"; `onAutoRead`: "auto read" changed. */
export function createControls(
  ctx: PaneContext,
  storagePrefix: string,
  onAutoRead: (on: boolean) => void,
): PaneControls {
  const t = ctx.testId;
  const offline = toggle(
    t('offline'),
    'offline',
    (on) => {
      ctx.sdk()?.network.setOffline(on);
      ctx.log('switch', on ? 'network off: no MQTT, no REST (messages wait in the outbox)' : 'network on');
    },
    'Cuts this pane off the network: realtime drops, REST fails; messages wait in the Web Storage outbox',
  );
  const blockRealtime = toggle(
    t('block-realtime'),
    'MQTT blocked',
    (on) => {
      ctx.sdk()?.network.setRealtimeBlocked(on);
      ctx.log('switch', on ? 'realtime blocked: sends take the REST fallback' : 'realtime unblocked');
    },
    'Refuses the MQTT connection while REST keeps working: every send takes the REST fallback',
  );
  const autoRead = toggle(
    t('auto-read'),
    'auto read',
    onAutoRead,
    'The thread shown is open on screen (client.setActiveThread): what it shows and what arrives is read',
  );
  const withClient = (what: string, action: (client: ChatClient) => Promise<unknown> | undefined): void => {
    const client = ctx.sdk()?.client;
    if (client === undefined) return;
    ctx.log('action', what);
    void Promise.resolve(action(client)).catch((error: unknown) => ctx.log('error', `${what}: ${String(error)}`));
  };
  const element = h(
    'div',
    { class: 'row controls' },
    offline.label,
    blockRealtime.label,
    autoRead.label,
    button(t('connect'), 'Connect', () => withClient('connect()', (c) => c.connect())),
    button(t('disconnect'), 'Disconnect', () => withClient('disconnect()', (c) => c.disconnect())),
    button(t('reconnect'), 'Reconnect', () => withClient('reconnect()', (c) => c.reconnect())),
    button(t('catch-up'), 'Catch up', () => withClient('catchUp()', (c) => c.catchUp(ctx.thread()))),
    button(
      t('reset'),
      'Forget & reload',
      () => {
        for (const key of Object.keys(localStorage)) if (key.startsWith(storagePrefix)) localStorage.removeItem(key);
        location.reload();
      },
      "Clears this pane's Web Storage (outbox, cached login) and reloads the page",
    ),
  );
  return { element, autoRead: () => autoRead.input.checked };
}
