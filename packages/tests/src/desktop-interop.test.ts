/**
 * Interop with the official Bytedesk desktop client (SPEC §2b), which many agents use while
 * visitors use a widget built on this SDK (or the reverse):
 * - every kind of message our client publishes is read by a reader that decodes exactly as that
 *   client does (its own schema: field 6 `client`, the old Thread layout with 6 = `extra`) and
 *   reads `thread.user.uid` and `user.uid` unchecked, as its handler does;
 * - messages built the way that client builds them decode in our client as they should.
 * The bytes are captured where our client hands them to the realtime transport.
 */
import {
  type ChatClient,
  type ChatThread,
  createChatClient,
  type LocalMessage,
  type OutgoingContent,
  type RealtimeTransport,
  systemClock,
} from '@weiyu/core';
import { createInMemoryNetwork, type InMemoryNetwork } from '@weiyu/core/testing';
import { decodeMessage } from '@weiyu/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { type DesktopOutgoing, desktopDecode, desktopEncode, desktopReceive } from './harness/desktop-client.js';
import { type EventRecorder, recordEvents } from './harness/recorder.js';
import { waitFor } from './harness/wait.js';

const ORG_UID = 'org_demo';
const VISITOR = { uid: 'visitor_demo', nickname: '访客小王', avatar: 'https://cdn.example.com/v.png', type: 'VISITOR' };
const AGENT = { uid: 'agent_demo', nickname: '客服小李', avatar: 'https://cdn.example.com/a.png', type: 'AGENT' };
const TOPIC = `org/agent/${AGENT.uid}/${VISITOR.uid}`;
/** The thread as an app that knows only its uid, topic and type names it: no thread.user. */
const THREAD: ChatThread = { uid: 'thread_demo', topic: TOPIC, type: 'AGENT' };
const SERVER_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const HEX_UID = /^[0-9a-f]{32}$/;

interface Published {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** A realtime transport that records what the client publishes, and passes it on. */
function capturing(inner: RealtimeTransport, published: Published[]): RealtimeTransport {
  return {
    deviceUid: inner.deviceUid,
    isConnected: () => inner.isConnected(),
    connect: (options, signal) => inner.connect(options, signal),
    publish: (topic, payload, qos) => {
      published.push({ topic, payload: payload.slice() });
      return inner.publish(topic, payload, qos);
    },
    subscribe: (topics, qos) => inner.subscribe(topics, qos),
    unsubscribe: (topics) => inner.unsubscribe(topics),
    close: () => inner.close(),
    on: (listener) => inner.on(listener),
  };
}

interface Party {
  readonly client: ChatClient;
  readonly events: EventRecorder;
  readonly published: Published[];
}

const clients: ChatClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

async function party(
  network: InMemoryNetwork,
  user: typeof VISITOR | typeof AGENT,
  topics: readonly string[] = [TOPIC],
): Promise<Party> {
  const published: Published[] = [];
  const client = createChatClient({
    user,
    orgUid: ORG_UID,
    realtime: capturing(network.realtime(), published),
    rest: network.rest(),
    auth: { username: user.uid, accessToken: network.issueToken(user.uid) },
    autoDelivered: false,
  });
  clients.push(client);
  const events = recordEvents(client);
  await client.subscribe(topics);
  await client.connect();
  await waitFor(() => client.isConnected(), { message: `${user.uid} connected` });
  return { client, events, published };
}

const CONTENTS: readonly OutgoingContent[] = [
  { type: 'TEXT', text: '你好 👋' },
  { type: 'IMAGE', url: 'https://cdn.example.com/i.png', width: 10, height: 20 },
  { type: 'FILE', url: 'https://cdn.example.com/f.pdf', name: 'f.pdf', size: 1234 },
  { type: 'VIDEO', url: 'https://cdn.example.com/v.mp4', duration: 3 },
  { type: 'VOICE', url: 'https://cdn.example.com/v.amr', duration: 2 },
  { type: 'AUDIO', url: 'https://cdn.example.com/a.mp3' },
  { type: 'LOCATION', latitude: 31.23, longitude: 121.47, address: '上海' },
  { type: 'NOTICE', text: 'a notice' },
];

/** The one message published with this uid (a resend would publish it again). */
function publishedWith(published: readonly Published[], uid: string): Published {
  const found = published.find((p) => desktopDecode(p.payload).uid === uid);
  if (!found) throw new Error(`nothing was published with uid ${uid}`);
  return found;
}

/** Sends every kind of message and signal the client has, and returns what went on the wire. */
async function sendEverything(sender: Party, thread: ChatThread): Promise<Published[]> {
  const sent: LocalMessage[] = [];
  for (const content of CONTENTS) {
    const message = await sender.client.send(thread, content).done;
    expect(message.status).toBe('SUCCESS');
    sent.push(message);
  }
  const first = sent[0];
  if (!first) throw new Error('nothing was sent');
  sender.client.sendTyping(thread);
  sender.client.markDelivered(thread, 'f'.repeat(32));
  sender.client.markRead(thread, 'e'.repeat(32));
  sender.client.recall(thread, first.uid);
  await waitFor(() => sender.published.some((p) => desktopDecode(p.payload).type === 'RECALL'), {
    message: 'the recall published',
  });
  return sender.published;
}

describe('the official desktop client reads every message we send', () => {
  test('a visitor thread without thread.user: every content type and signal, read as that client reads it', async () => {
    const network = createInMemoryNetwork({ clock: systemClock });
    const visitor = await party(network, VISITOR);
    const published = await sendEverything(visitor, THREAD);

    const kinds = published.map((p) => desktopDecode(p.payload).type);
    expect(new Set(kinds)).toEqual(new Set([...CONTENTS.map((c) => c.type), 'TYPING', 'DELIVERED', 'READ', 'RECALL']));
    for (const { topic, payload } of published) {
      // Throws, as the desktop's handler would, when thread, thread.user or user is missing.
      const seen = desktopReceive(payload);
      const what = `${seen.message.type} ${seen.message.uid}`;
      expect(topic, what).toBe(TOPIC);
      expect(seen.thread, what).toEqual({
        uid: THREAD.uid,
        type: 'AGENT',
        topic: TOPIC,
        // The visitor thread's user is the visitor, whoever sends (the server fills it so too).
        user: { uid: VISITOR.uid, nickname: VISITOR.nickname, avatar: VISITOR.avatar },
      });
      expect(seen.message.user, what).toEqual({ uid: VISITOR.uid, nickname: VISITOR.nickname, avatar: VISITOR.avatar });
      expect(seen.message.uid, what).toMatch(HEX_UID);
      expect(seen.message.status, what).toBe('SENDING');
      expect(seen.message.createdAt, what).toMatch(SERVER_TIME);
      expect(seen.message.client, what).toBe('WEB');
      expect(JSON.parse(desktopDecode(payload).extra), what).toEqual({ orgUid: ORG_UID });
      // Our Thread field 7 (extra) is unknown to its old layout; field 6 (our channel) is its extra.
      expect(desktopDecode(payload).thread?.extra, what).toBe('');
    }
  });

  test('receipts, typing and a recall are dispatched by that client as what they are', async () => {
    const network = createInMemoryNetwork({ clock: systemClock });
    const visitor = await party(network, VISITOR);
    const published = await sendEverything(visitor, THREAD);
    const actions = published.map((p) => desktopReceive(p.payload)).filter((r) => r.action.kind !== 'shown');
    const first = desktopDecode(published[0]?.payload ?? new Uint8Array());
    expect(actions.map((r) => r.action)).toEqual([
      { kind: 'typing' },
      { kind: 'status', uid: 'f'.repeat(32), status: 'DELIVERED' },
      { kind: 'status', uid: 'e'.repeat(32), status: 'READ' },
      { kind: 'recall', uid: first.uid },
    ]);
  });

  test.each([
    ['an agent on a visitor thread: the visitor', TOPIC, 'AGENT', VISITOR.uid],
    ['a member thread: the other member', `org/member/${AGENT.uid}/agent_demo2`, 'MEMBER', 'agent_demo2'],
    ['a group thread: the group', 'org/group/group_demo', 'GROUP', 'group_demo'],
  ])('%s is in thread.user', async (_label, topic, type, expected) => {
    const network = createInMemoryNetwork({ clock: systemClock });
    const agent = await party(network, AGENT, [topic]);
    const thread: ChatThread = { uid: `thread_${type}`, topic, type };
    const message = await agent.client.send(thread, { type: 'TEXT', text: 'hi' }).done;
    agent.client.sendTyping(thread);
    await waitFor(() => agent.published.some((p) => desktopDecode(p.payload).type === 'TYPING'));
    for (const { payload } of [publishedWith(agent.published, message.uid), ...agent.published.slice(-1)]) {
      expect(desktopReceive(payload).thread.user.uid).toBe(expected);
    }
  });
});

/** A message as the desktop client builds it: the agent answering on the visitor's thread. */
function fromDesktop(type: string, content: string, uid: string): DesktopOutgoing {
  return {
    uid,
    type,
    content,
    createdAt: '2024-06-10 14:03:05',
    orgUid: ORG_UID,
    thread: { uid: THREAD.uid, type: 'AGENT', topic: TOPIC, user: { uid: VISITOR.uid, nickname: VISITOR.nickname } },
    user: AGENT,
  };
}

describe('we read messages built the way the desktop client builds them', () => {
  test('the protocol decodes its layout: field 6 as channel, no thread state, thread.user', () => {
    const bytes = desktopEncode(fromDesktop('TEXT', '您好', 'a'.repeat(32)));
    const decoded = decodeMessage(bytes);
    expect(decoded).toEqual({
      ok: true,
      value: {
        uid: 'a'.repeat(32),
        type: 'TEXT',
        content: '您好',
        status: 'SENDING',
        createdAt: '2024-06-10 14:03:05',
        channel: 'WEB',
        extra: JSON.stringify({ orgUid: ORG_UID }),
        thread: {
          uid: THREAD.uid,
          topic: TOPIC,
          type: 'AGENT',
          state: '',
          channel: '',
          extra: '',
          user: { uid: VISITOR.uid, nickname: VISITOR.nickname, avatar: '', type: '', extra: '' },
        },
        user: { ...AGENT, extra: '' },
      },
    });
  });

  test('an old-layout Thread (extra in field 6) still decodes; thread.extra is not relied on', () => {
    const built = fromDesktop('TEXT', 'x', 'b'.repeat(32));
    const bytes = desktopEncode({ ...built, thread: { ...built.thread, extra: '{"autoCloseMin":30}' } });
    const decoded = decodeMessage(bytes);
    expect(decoded.ok && decoded.value.thread?.channel).toBe('{"autoCloseMin":30}');
    expect(decoded.ok && decoded.value.content).toBe('x');
  });

  test('our client shows its messages and applies its receipts, typing and recall', async () => {
    const network = createInMemoryNetwork({ clock: systemClock });
    const visitor = await party(network, VISITOR);
    const mine = await visitor.client.send(THREAD, { type: 'TEXT', text: 'hello' }).done;

    network.injectRaw(TOPIC, desktopEncode(fromDesktop('TEXT', '您好', 'c'.repeat(32))));
    const shown = await visitor.events.waitFor('message', (m) => m.uid === 'c'.repeat(32));
    expect(shown).toMatchObject({
      type: 'TEXT',
      content: '您好',
      channel: 'WEB',
      mine: false,
      user: { uid: AGENT.uid, nickname: AGENT.nickname, avatar: AGENT.avatar, type: 'AGENT' },
      thread: { uid: THREAD.uid, topic: TOPIC, type: 'AGENT', user: { uid: VISITOR.uid } },
      extra: { orgUid: ORG_UID },
    });
    // 2024-06-10 14:03:05 in Asia/Shanghai.
    expect(shown.createdAt).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));

    network.injectRaw(TOPIC, desktopEncode(fromDesktop('DELIVERED', mine.uid, 'd'.repeat(32))));
    await visitor.events.waitFor('receipt', (r) => r.uid === mine.uid && r.kind === 'DELIVERED');
    network.injectRaw(TOPIC, desktopEncode(fromDesktop('READ', mine.uid, 'e'.repeat(32))));
    await visitor.events.waitFor('receipt', (r) => r.uid === mine.uid && r.kind === 'READ');
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => m.uid === mine.uid)?.status === 'READ', {
      message: 'our message READ',
    });

    network.injectRaw(TOPIC, desktopEncode(fromDesktop('TYPING', '', 'f'.repeat(32))));
    await visitor.events.waitFor('typing', (t) => t.user.uid === AGENT.uid && t.active);

    network.injectRaw(TOPIC, desktopEncode(fromDesktop('RECALL', 'c'.repeat(32), '1'.repeat(32))));
    await visitor.events.waitFor('recall', (r) => r.uid === 'c'.repeat(32));
  });
});
