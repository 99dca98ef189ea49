/**
 * One chat pane: a real SDK client with its own connection and device, wired to its parts — the
 * view (header and conversation), the composer, the controls and the event log.
 */
import { type ChatClient, type ChatThread, type ChatUser, type ThreadSummary, tabDeviceUid } from '@weiyu/core';
import type { PlaygroundConfig } from '../config.js';
import { h } from '../dom.js';
import { describeMessage, statusLabel } from '../format.js';
import { createPaneSdk, type PaneSdk } from '../sdk.js';
import { createComposer } from './composer.js';
import type { PaneContext, Role } from './context.js';
import { createControls, type PaneControls } from './controls.js';
import { createEventLog, type EventLog } from './event-log.js';
import { createThreadList, type ThreadList } from './thread-list.js';
import { type Conversation, createConversation, createPaneHeader, type PaneHeader } from './view.js';

export type { Role } from './context.js';

export interface PaneHandle {
  readonly element: HTMLElement;
  /** The pane's user uid, once known (for the fault buttons). */
  uid(): string | undefined;
  /** The client, once built (for debugging from the console). */
  client(): ChatClient | undefined;
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

/** The parts of a pane, for wiring its client to them. */
interface PaneParts {
  readonly header: PaneHeader;
  readonly conversation: Conversation;
  readonly controls: PaneControls;
  readonly events: EventLog;
  /** The agent's thread list (none in the visitor pane). */
  readonly threads: ThreadList | undefined;
}

export function createPane(role: Role, config: PlaygroundConfig): PaneHandle {
  const login = role === 'agent' ? config.agent : config.visitor;
  const storagePrefix = `weiyu-playground:${role}:`;

  let sdk: PaneSdk | undefined;
  let thread: ChatThread = config.thread;
  const events = createEventLog(role);
  const log = events.log;
  const ctx: PaneContext = {
    role,
    testId: (name) => `${role}-${name}`,
    sdk: () => sdk,
    thread: () => thread,
    log,
  };
  const header = createPaneHeader(ctx, login.username);
  const conversation = createConversation(ctx, () => header.updatePending());
  /**
   * With "auto read", the thread shown is the client's active thread (READ for what it shows and
   * what arrives while it is open) while the page is visible; otherwise none.
   */
  const showActive = (): void => {
    const active = controls.autoRead() && document.visibilityState === 'visible' ? thread : null;
    sdk?.client.setActiveThread(active);
  };
  const controls = createControls(ctx, storagePrefix, (on) => {
    showActive();
    log('action', `setActiveThread(${on ? thread.topic : 'null'})`);
  });
  document.addEventListener('visibilitychange', showActive);
  /** Opens a thread of the list: the conversation shows it, its unread count is cleared (markRead). */
  const openThread = (summary: ThreadSummary): void => {
    const client = sdk?.client;
    if (client === undefined) return;
    thread = summary;
    log('action', `open ${summary.topic}; markRead(thread)`);
    conversation.clear();
    conversation.follow(client);
    conversation.showKnown(client);
    threads?.select(summary.topic);
    client.markRead(summary);
    showActive();
  };
  const threads = role === 'agent' ? createThreadList(ctx, openThread) : undefined;
  const composer = createComposer(ctx, {
    show: conversation.upsert,
    markAllRead: conversation.markAllRead,
    clearLog: events.clear,
  });
  const parts: PaneParts = { header, conversation, controls, events, threads };

  async function start(): Promise<void> {
    // Each pane is a device of its own, kept across reloads of the tab; a duplicated tab takes new ones.
    const deviceUid = await tabDeviceUid({ key: `weiyu-playground:${role}:device` });
    header.showPhase('logging in');
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
        logger: events.logger,
      },
      (error) => {
        header.showPhase('login failed, retrying');
        log('error', `login: ${String(error)}`);
      },
    );
    const { client, user } = sdk;
    const other = counterpart(config.thread.topic, user.uid);
    thread = other === undefined ? config.thread : { ...config.thread, user: other };
    header.showUser(`${user.nickname ?? login.username} (${user.uid}) · device ${deviceUid}`);
    element.dataset.ready = 'true';
    wireClient(client, user, ctx, parts);
    showActive();
    log('action', 'subscribe + connect');
    void client.subscribe([thread.topic]).catch((error: unknown) => log('error', `subscribe: ${String(error)}`));
    await client.connect();
  }

  const element = h(
    'section',
    { class: `pane pane-${role}`, testid: `pane-${role}`, attrs: { 'data-ready': 'false' } },
    header.element,
    header.who,
    controls.element,
    threads?.element,
    conversation.older,
    conversation.list,
    conversation.typing,
    composer,
    events.element,
  );

  start().catch((error: unknown) => {
    header.showPhase('failed to start');
    log('error', `start: ${String(error)}`);
  });

  return { element, uid: () => sdk?.user.uid, client: () => sdk?.client };
}

/** Shows what the client reports in the pane's parts, from now on, and what it knows already. */
function wireClient(client: ChatClient, user: ChatUser, ctx: PaneContext, parts: PaneParts): void {
  const { header, conversation, events, threads } = parts;
  const log = events.log;
  const showState = (): void => header.showState(client.state);
  client.on('connection', (state) => {
    showState();
    const extra =
      state.status === 'reconnecting' && state.error ? ` (${state.error.code}: ${state.error.message})` : '';
    log('connection', `${state.status}${extra}`);
    conversation.showKnown(client);
  });
  client.on('message', (message) => {
    log(
      'message',
      `${message.mine ? 'mine' : 'from'} ${message.user.uid}: ${describeMessage(message)}${message.unknownType ? ' (unknown type)' : ''}`,
    );
    conversation.upsert(message);
  });
  client.on('status', ({ message, previous }) => {
    log(
      'status',
      `${describeMessage(message)}: ${statusLabel(previous)} → ${statusLabel(message.status)}${message.error ? ` (${message.error.code})` : ''}`,
    );
    conversation.upsert(message);
  });
  client.on('typing', (event) => {
    if (event.thread.topic !== ctx.thread().topic || event.user.uid === user.uid) return;
    conversation.showTyping(event);
    log('typing', `${event.user.uid} ${event.active ? 'typing' : 'stopped'}`);
  });
  client.on('receipt', (event) => log('receipt', `${event.kind} ${event.uid.slice(0, 8)} by ${event.user.uid}`));
  client.on('recall', (event) => {
    log('recall', `${event.uid.slice(0, 8)} by ${event.user.uid}`);
    conversation.markRecalled(event.uid);
  });
  client.on('kicked', (event) => log('kicked', event.reason));
  client.on('error', (error) => log('sdk-error', `${error.code}: ${error.message}`));
  // The countdown in "reconnecting in N s" moves.
  setInterval(showState, 1_000);
  showState();
  conversation.follow(client);
  conversation.showKnown(client);
  threads?.start(client);
}
