/**
 * One chat pane: a real SDK client with its own connection and device, its conversation keyed by
 * message uid (never shown twice), per-message status from the SDK's status events, a typing
 * indicator, a composer for every content kind, a network switch and an event log.
 */
import type { ChatClient, ChatThread, ChatUser, LocalMessage, Logger, OutgoingContent } from '@weiyu/core';
import type { PlaygroundConfig } from './config.js';
import { button, h, input, timeOfDay, toggle } from './dom.js';
import { connectionLabel, contentSummary, describeMessage, formatBytes, statusLabel, statusMark } from './format.js';
import { createPaneSdk, type PaneSdk } from './sdk.js';

export type Role = 'agent' | 'visitor';

export interface PaneHandle {
  readonly element: HTMLElement;
  /** The pane's user uid, once known (for the fault buttons). */
  uid(): string | undefined;
  /** The client, once built (for debugging from the console). */
  client(): ChatClient | undefined;
}

const LOG_LIMIT = 300;

/** A per-tab device id for this pane: kept across reloads of the tab, different in every tab. */
function deviceUidFor(role: Role): string {
  const key = `weiyu-playground:${role}:device`;
  const existing = sessionStorage.getItem(key);
  if (existing !== null && existing !== '') return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const uid = `pg-${role}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  sessionStorage.setItem(key, uid);
  return uid;
}

/** The other side of a thread, from its topic (`org/agent/{agentUid}/{visitorUid}`). */
function counterpart(topic: string, self: string): ChatUser | undefined {
  const parts = topic.split('/');
  if (parts.length < 4) return undefined;
  const a = parts[2];
  const b = parts[3];
  const other = a === self ? b : a;
  return other === undefined || other === '' ? undefined : { uid: other };
}

export function createPane(role: Role, config: PlaygroundConfig): PaneHandle {
  const t = (name: string): string => `${role}-${name}`;
  const login = role === 'agent' ? config.agent : config.visitor;
  const deviceUid = deviceUidFor(role);
  const storagePrefix = `weiyu-playground:${role}:`;

  let sdk: PaneSdk | undefined;
  let thread: ChatThread = config.thread;
  const shown = new Map<string, { readonly row: HTMLLIElement; message: LocalMessage }>();
  const readByMe = new Set<string>();

  // ----- header -------------------------------------------------------------------------------
  const badge = h('span', {
    class: 'badge',
    testid: t('connection'),
    text: 'starting',
    attrs: { 'data-status': 'idle' },
  });
  const who = h('span', { class: 'who', testid: t('user'), text: login.username });
  const pendingBadge = h('span', {
    class: 'pending',
    testid: t('pending'),
    text: 'outbox 0',
    attrs: { 'data-count': '0' },
  });

  // ----- network and connection controls ------------------------------------------------------
  const offline = toggle(
    t('offline'),
    'offline',
    (on) => {
      sdk?.network.setOffline(on);
      log('switch', on ? 'network off: no MQTT, no REST (messages wait in the outbox)' : 'network on');
    },
    'Cuts this pane off the network: realtime drops, REST fails; messages wait in the Web Storage outbox',
  );
  const blockRealtime = toggle(
    t('block-realtime'),
    'MQTT blocked',
    (on) => {
      sdk?.network.setRealtimeBlocked(on);
      log('switch', on ? 'realtime blocked: sends take the REST fallback' : 'realtime unblocked');
    },
    'Refuses the MQTT connection while REST keeps working: every send takes the REST fallback',
  );
  const autoRead = toggle(t('auto-read'), 'auto read', (on) => {
    if (on) markAllRead();
  });
  const withClient = (what: string, action: (client: ChatClient) => Promise<unknown> | undefined): void => {
    const client = sdk?.client;
    if (client === undefined) return;
    log('action', what);
    void Promise.resolve(action(client)).catch((error: unknown) => log('error', `${what}: ${String(error)}`));
  };
  const controls = h(
    'div',
    { class: 'row controls' },
    offline.label,
    blockRealtime.label,
    autoRead.label,
    button(t('connect'), 'Connect', () => withClient('connect()', (c) => c.connect())),
    button(t('disconnect'), 'Disconnect', () => withClient('disconnect()', (c) => c.disconnect())),
    button(t('reconnect'), 'Reconnect', () => withClient('reconnect()', (c) => c.reconnect())),
    button(t('catch-up'), 'Catch up', () => withClient('catchUp()', (c) => c.catchUp(thread))),
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

  // ----- conversation -------------------------------------------------------------------------
  const list = h('ol', { class: 'messages', testid: t('messages') });
  const typing = h('div', { class: 'typing', testid: t('typing'), attrs: { 'data-active': 'false' } });

  // ----- composer -----------------------------------------------------------------------------
  const text = input(t('text'), 'Type a message…');
  const imageUrl = input(t('image-url'), 'image URL', `${location.origin}/weiyu.svg`);
  const fileUrl = input(t('file-url'), 'file URL', `${location.origin}/sample.txt`);
  const fileName = input(t('file-name'), 'file name', 'sample.txt');
  const fileSize = input(t('file-size'), 'size (bytes)', '64', 'number');
  const latitude = input(t('latitude'), 'latitude', '31.2304', 'number');
  const longitude = input(t('longitude'), 'longitude', '121.4737', 'number');
  const address = input(t('address'), 'address', 'People’s Square, Shanghai');
  for (const el of [fileSize, latitude, longitude]) el.classList.add('narrow');
  latitude.step = 'any';
  longitude.step = 'any';

  const send = (content: OutgoingContent): boolean => {
    const client = sdk?.client;
    if (client === undefined) {
      log('error', 'not ready yet (logging in)');
      return false;
    }
    try {
      const sent = client.send(thread, content);
      upsert(sent);
      log('send', `${describeMessage(sent)} → ${statusLabel(sent.status)}`);
      void sent.done.then((final) => {
        upsert(final);
        log(
          'done',
          `${describeMessage(final)} → ${statusLabel(final.status)}${final.error ? ` (${final.error.code}: ${final.error.message})` : ''}`,
        );
      });
      return true;
    } catch (error) {
      log('error', `send refused: ${String(error)}`);
      return false;
    }
  };
  const sendText = (): void => {
    const value = text.value.trim();
    if (value === '') return;
    if (send({ type: 'TEXT', text: value })) text.value = '';
  };
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') sendText();
  });
  text.addEventListener('input', () => {
    if (text.value !== '') sdk?.client.sendTyping(thread);
  });

  const composer = h(
    'div',
    { class: 'composer' },
    h('div', { class: 'row' }, text, button(t('send-text'), 'Send', sendText)),
    h(
      'div',
      { class: 'row' },
      imageUrl,
      button(t('send-image'), 'Send image', () => {
        send({ type: 'IMAGE', url: imageUrl.value.trim() });
      }),
    ),
    h(
      'div',
      { class: 'row' },
      fileUrl,
      fileName,
      fileSize,
      button(t('send-file'), 'Send file', () => {
        send({ type: 'FILE', url: fileUrl.value.trim(), name: fileName.value.trim(), size: Number(fileSize.value) });
      }),
    ),
    h(
      'div',
      { class: 'row' },
      latitude,
      longitude,
      address,
      button(t('send-location'), 'Send location', () => {
        send({
          type: 'LOCATION',
          latitude: Number(latitude.value),
          longitude: Number(longitude.value),
          address: address.value.trim(),
        });
      }),
    ),
    h(
      'div',
      { class: 'row' },
      button(t('send-typing'), 'Send typing', () => {
        sdk?.client.sendTyping(thread);
        log('send', 'TYPING');
      }),
      button(t('mark-all-read'), 'Mark all read', () => markAllRead()),
      button(t('clear-log'), 'Clear log', () => logList.replaceChildren()),
    ),
  );

  // ----- event log ----------------------------------------------------------------------------
  const logList = h('ol', { class: 'log', testid: t('log') });
  function log(kind: string, line: string): void {
    const entry = h(
      'li',
      { class: `log-${kind}`, attrs: { 'data-event': kind } },
      h('time', { text: timeOfDay(Date.now()) }),
      h('b', { text: kind }),
      line,
    );
    logList.prepend(entry);
    while (logList.childElementCount > LOG_LIMIT) logList.lastElementChild?.remove();
  }
  const logger: Logger = {
    debug: (message, data) => console.debug(`[${role}] ${message}`, data ?? ''),
    info: (message, data) => console.info(`[${role}] ${message}`, data ?? ''),
    warn: (message, data) => log('warn', `${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
    error: (message, data) => log('sdk-error', `${message}${data ? ` ${JSON.stringify(data)}` : ''}`),
  };

  // ----- rendering of messages, keyed by uid --------------------------------------------------
  function renderContent(message: LocalMessage): HTMLElement {
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
            testid: t(`file-link-${message.uid}`),
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

  function fillRow(row: HTMLLIElement, message: LocalMessage): void {
    row.dataset.status = message.status;
    row.dataset.mine = String(message.mine);
    row.dataset.type = message.type;
    if (message.status === 'RECALL') row.dataset.recalled = 'true';
    // A FAILED message still in the outbox goes out again by itself when the link is back.
    const inOutbox = message.mine && (sdk?.client.pending().some((m) => m.uid === message.uid) ?? false);
    row.dataset.outbox = String(inOutbox);
    const label = `${statusMark(message.status)} ${statusLabel(message.status)}`;
    const status = h(
      'span',
      { class: 'status', testid: t(`status-${message.uid}`), attrs: { title: message.status } },
      message.mine ? (inOutbox && message.status === 'FAILED' ? `${label} · in outbox, will retry` : label) : '',
    );
    const actions: HTMLElement[] = [];
    if (message.mine && message.status === 'FAILED') {
      actions.push(
        button(t(`retry-${message.uid}`), 'Retry', () => {
          const client = sdk?.client;
          if (client === undefined) return;
          try {
            const again = client.resend(message.uid);
            upsert(again);
            log('resend', describeMessage(again));
            void again.done.then((final) => upsert(final));
          } catch (error) {
            log('error', `resend refused: ${String(error)}`);
          }
        }),
      );
    }
    if (message.mine && ['SUCCESS', 'DELIVERED', 'READ'].includes(message.status)) {
      actions.push(
        button(t(`recall-${message.uid}`), 'Recall', () => {
          sdk?.client.recall(message.thread, message.uid);
          log('recall', `recall ${describeMessage(message)}`);
        }),
      );
    }
    if (!message.mine && !readByMe.has(message.uid)) {
      actions.push(button(t(`read-${message.uid}`), 'Mark read', () => markRead(message)));
    }
    row.replaceChildren(
      h('span', {
        class: 'meta',
        text: `${message.user.nickname ?? message.user.uid} · ${timeOfDay(message.createdAt).slice(0, 8)}`,
      }),
      renderContent(message),
      status,
      ...(message.error === undefined
        ? []
        : [h('span', { class: 'error', text: `${message.error.code}: ${message.error.message}` })]),
      ...actions,
    );
  }

  /** Shows a message, or updates the row that already shows its uid. */
  function upsert(message: LocalMessage): void {
    if (message.thread.topic !== thread.topic) return;
    const existing = shown.get(message.uid);
    if (existing !== undefined) {
      existing.message = message;
      fillRow(existing.row, message);
    } else {
      const row = h('li', {
        class: 'message',
        testid: t(`message-${message.uid}`),
        attrs: { 'data-uid': message.uid },
      });
      fillRow(row, message);
      shown.set(message.uid, { row, message });
      // In time order at first sight; a row never moves afterwards.
      const after = [...shown.values()].find((s) => s.row !== row && s.message.createdAt > message.createdAt);
      if (after === undefined) list.append(row);
      else list.insertBefore(row, after.row);
      row.scrollIntoView({ block: 'nearest' });
    }
    updatePending();
  }

  function updatePending(): void {
    const count = sdk?.client.pending().length ?? 0;
    pendingBadge.textContent = `outbox ${count}`;
    pendingBadge.dataset.count = String(count);
  }

  function markRead(message: LocalMessage): void {
    const client = sdk?.client;
    if (client === undefined || message.mine || readByMe.has(message.uid)) return;
    client.markRead(message.thread, message.uid);
    readByMe.add(message.uid);
    log('read', `markRead ${describeMessage(message)}`);
    const entry = shown.get(message.uid);
    if (entry !== undefined) fillRow(entry.row, entry.message);
  }

  function markAllRead(): void {
    for (const { message } of shown.values()) markRead(message);
  }

  function showKnown(client: ChatClient): void {
    for (const message of client.messages(thread.topic)) upsert(message);
    for (const message of client.pending()) upsert(message);
    updatePending();
  }

  // ----- wiring the client --------------------------------------------------------------------
  async function start(): Promise<void> {
    badge.textContent = 'logging in';
    sdk = await createPaneSdk(
      {
        mqttUrl: config.mqttUrl,
        httpUrl: config.httpUrl,
        orgUid: config.orgUid,
        deviceUid,
        storagePrefix,
        username: login.username,
        password: login.password,
        timing: config.timing,
        logger,
      },
      (error) => {
        badge.textContent = 'login failed, retrying';
        log('error', `login: ${String(error)}`);
      },
    );
    const { client, user } = sdk;
    const other = counterpart(config.thread.topic, user.uid);
    thread = other === undefined ? config.thread : { ...config.thread, user: other };
    who.textContent = `${user.nickname ?? login.username} (${user.uid}) · device ${deviceUid}`;
    element.dataset.ready = 'true';

    const showState = (): void => {
      badge.textContent = connectionLabel(client.state);
      badge.dataset.status = client.state.status;
    };
    client.on('connection', (state) => {
      showState();
      const extra =
        state.status === 'reconnecting' && state.error ? ` (${state.error.code}: ${state.error.message})` : '';
      log('connection', `${state.status}${extra}`);
      showKnown(client);
    });
    client.on('message', (message) => {
      log(
        'message',
        `${message.mine ? 'mine' : 'from'} ${message.user.uid}: ${describeMessage(message)}${message.unknownType ? ' (unknown type)' : ''}`,
      );
      upsert(message);
      if (!message.mine && autoRead.input.checked && document.visibilityState === 'visible') markRead(message);
    });
    client.on('status', ({ message, previous }) => {
      log(
        'status',
        `${describeMessage(message)}: ${statusLabel(previous)} → ${statusLabel(message.status)}${message.error ? ` (${message.error.code})` : ''}`,
      );
      upsert(message);
    });
    client.on('typing', (event) => {
      if (event.thread.topic !== thread.topic || event.user.uid === user.uid) return;
      typing.dataset.active = String(event.active);
      typing.textContent = event.active
        ? `${event.user.nickname ?? event.user.uid} is typing…${event.preview ? ` “${event.preview}”` : ''}`
        : '';
      log('typing', `${event.user.uid} ${event.active ? 'typing' : 'stopped'}`);
    });
    client.on('receipt', (event) => log('receipt', `${event.kind} ${event.uid.slice(0, 8)} by ${event.user.uid}`));
    client.on('recall', (event) => {
      log('recall', `${event.uid.slice(0, 8)} by ${event.user.uid}`);
      const entry = shown.get(event.uid);
      if (entry !== undefined) entry.row.dataset.recalled = 'true';
    });
    client.on('kicked', (event) => log('kicked', event.reason));
    client.on('error', (error) => log('sdk-error', `${error.code}: ${error.message}`));
    // The countdown in "reconnecting in N s" moves.
    setInterval(showState, 1_000);

    showState();
    showKnown(client);
    log('action', 'subscribe + connect');
    void client.subscribe([thread.topic]).catch((error: unknown) => log('error', `subscribe: ${String(error)}`));
    await client.connect();
  }

  const element = h(
    'section',
    { class: `pane pane-${role}`, testid: `pane-${role}`, attrs: { 'data-ready': 'false' } },
    h('header', {}, h('h2', { text: role === 'agent' ? 'Agent' : 'Visitor' }), badge, pendingBadge),
    who,
    controls,
    list,
    typing,
    composer,
    h(
      'details',
      { class: 'log-box', attrs: { open: '' } },
      h('summary', { testid: t('log-toggle'), text: 'SDK events' }),
      logList,
    ),
  );

  start().catch((error: unknown) => {
    badge.textContent = 'failed to start';
    log('error', `start: ${String(error)}`);
  });

  return {
    element,
    uid: () => sdk?.user.uid,
    client: () => sdk?.client,
  };
}
