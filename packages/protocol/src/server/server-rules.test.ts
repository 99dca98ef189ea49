import { describe, expect, it } from 'vitest';
import { formatServerTime } from '../time.js';
import { normalizeMessage, type WireMessage, type WireMessageInit } from '../wire.js';
import { ServerRules } from './server-rules.js';

const T0 = Date.UTC(2024, 4, 1, 4, 0, 0);
const TOPIC = 'org/agent/a1/v1';
let n = 0;

function message(init: WireMessageInit = {}): WireMessage {
  n += 1;
  return normalizeMessage({
    uid: `m${n}`,
    type: 'TEXT',
    content: 'hello',
    status: 'SENDING',
    createdAt: '2024-01-01 00:00:00',
    channel: 'WEB',
    user: { uid: 'v1', nickname: 'V', type: 'VISITOR' },
    thread: { uid: 't1', topic: TOPIC, type: 'AGENT', state: 'CHATTING', channel: 'WEB', user: { uid: 'a1' } },
    extra: '{"orgUid":"org1"}',
    ...init,
  });
}

const signal = (type: string, target: string, init: WireMessageInit = {}) =>
  message({ type, content: target, user: { uid: 'a1', type: 'AGENT' }, ...init });

function accepted(rules: ServerRules, m: WireMessage, now = T0, context = {}) {
  const result = rules.accept(m, { now, ...context });
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result;
}

function uidsOfPage(rules: ServerRules, now: number, topic = TOPIC, pageSize?: number): string[] {
  const page = rules.historyPage(topic, pageSize === undefined ? {} : { pageSize }, now);
  if (!page.ok) throw new Error(page.reason);
  return page.content.map((m) => m.uid);
}

describe('ServerRules: what the real server takes', () => {
  it('drops a message without status, thread or thread.topic, or with a createdAt that does not parse', () => {
    const rules = new ServerRules();
    for (const bad of [
      message({ status: '' }),
      message({ thread: undefined }),
      message({ thread: { topic: '', type: 'AGENT' } }),
      message({ createdAt: 'yesterday' }),
    ]) {
      expect(rules.accept(bad, { now: T0 })).toMatchObject({ ok: false, kind: 'invalid' });
    }
    expect(rules.storedCount).toBe(0);
  });

  it('has no uid check, ignores the PUBLISH topic, and takes epoch-millisecond and empty createdAt', () => {
    const rules = new ServerRules();
    expect(accepted(rules, message({ uid: '' })).stored).toBe(true);
    const elsewhere = accepted(rules, message(), T0, { publishTopic: 'org/agent/x/y' });
    expect(elsewhere.echoes.map((e) => e.topic)).toEqual([TOPIC]);
    expect(accepted(rules, message({ createdAt: String(T0) })).ok).toBe(true);
    expect(accepted(rules, message({ createdAt: '' })).ok).toBe(true);
  });

  it('stores an unknown thread type without echoing it', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message({ thread: { topic: TOPIC, type: 'SOMETHING_NEW' } });
    const result = accepted(rules, m);
    expect(result.echoes).toEqual([]);
    expect(result.stored).toBe(true);
  });
});

describe('ServerRules: what it makes of a message', () => {
  it('SENDING becomes SUCCESS (a robot reply READ), other statuses stay; createdAt is server time', () => {
    const rules = new ServerRules();
    expect(accepted(rules, message()).message).toMatchObject({ status: 'SUCCESS', createdAt: formatServerTime(T0) });
    expect(accepted(rules, message({ user: { uid: 'r1', type: 'ROBOT' } })).message.status).toBe('READ');
    expect(accepted(rules, message({ status: 'DELIVERED' })).message.status).toBe('DELIVERED');
    expect(accepted(new ServerRules({ timeFormat: 'epoch' }), message()).message.createdAt).toBe(String(T0));
  });

  it('echoes through the server’s DTOs: thread state and channel lost, a missing user type is USER', () => {
    const rules = new ServerRules();
    const result = accepted(
      rules,
      message({
        user: { uid: 'v1' },
        thread: { topic: TOPIC, type: 'AGENT', state: 'CHATTING', channel: 'WEB', user: { uid: 'a1' } },
      }),
    );
    const echo = result.echoes[0]?.message;
    expect(echo?.thread).toMatchObject({ state: '', channel: '', user: { uid: 'a1', type: 'USER' } });
    expect(echo?.user?.type).toBe('USER');
    expect(echo?.channel).toBe('WEB');
  });

  it('makes one frozen copy of a message, shared by the answer and the echo; the input is left alone', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message();
    const result = accepted(rules, m);
    expect(result.echoes[0]?.message).toBe(result.message);
    expect(Object.isFrozen(result.message) && Object.isFrozen(result.message.thread)).toBe(true);
    expect(Object.isFrozen(m)).toBe(false);
    expect(m.status).toBe('SENDING');
    // What the store gives back is a copy of its own.
    const record = rules.record(m.uid);
    expect(record?.message).toEqual(result.message);
    expect(record?.message).not.toBe(result.message);
  });

  it('a MEMBER message also goes to the reversed topic, with thread.user = the sender', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const topic = 'org/member/u1/u2';
    const m = message({
      user: { uid: 'u1', type: 'MEMBER' },
      thread: { uid: 't', topic, type: 'MEMBER', user: { uid: 'u2', type: 'MEMBER' } },
    });
    const result = accepted(rules, m);
    expect(result.echoes.map((e) => [e.topic, e.message.thread?.topic, e.message.thread?.user?.uid])).toEqual([
      [topic, topic, 'u2'],
      ['org/member/u2/u1', 'org/member/u2/u1', 'u1'],
    ]);
    expect(uidsOfPage(rules, T0, 'org/member/u2/u1')).toEqual([m.uid]);
  });
});

describe('ServerRules: what it stores', () => {
  it('stores content and the stored signals once per uid; a resend is echoed again but not stored twice', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message();
    expect(accepted(rules, m).stored).toBe(true);
    const again = accepted(rules, m);
    expect(again.stored).toBe(false);
    expect(again.echoes).toHaveLength(1);
    for (const type of ['REACTION', 'PLAYBACK', 'QUOTATION', 'KICKOFF', 'SHAKE']) {
      expect(accepted(rules, message({ type })).stored, type).toBe(true);
    }
    for (const type of ['TYPING', 'PROCESSING', 'PREVIEW', 'CONTINUE']) {
      const result = accepted(rules, message({ type, content: '' }));
      expect([result.stored, result.echoes.length], type).toEqual([false, 1]);
    }
    expect(rules.stored(TOPIC)).toHaveLength(6);
  });

  it('receipts move the stored status forward, never READ back to DELIVERED, and are not stored', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message();
    accepted(rules, m);
    accepted(rules, signal('READ', m.uid));
    accepted(rules, signal('DELIVERED', m.uid));
    expect(rules.record(m.uid)?.message.status).toBe('READ');
    expect(rules.stored(TOPIC).map((s) => s.uid)).toEqual([m.uid]);
  });

  it('a RECALL deletes the message from history; recall "mark" keeps it as RECALL', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message();
    accepted(rules, m);
    accepted(rules, signal('RECALL', m.uid, { user: { uid: 'v1' } }), T0 + 1);
    expect(uidsOfPage(rules, T0 + 2)).toEqual([]);
    expect(rules.record(m.uid)?.deleted).toBe(true);
    const marking = new ServerRules({ historyLagMs: 0, recall: 'mark' });
    accepted(marking, m);
    accepted(marking, signal('RECALL', m.uid), T0 + 1);
    const page = marking.historyPage(TOPIC, {}, T0 + 2);
    expect(page.ok && page.content.map((c) => c.status)).toEqual(['RECALL']);
  });

  it('appends ROBOT_STREAM chunks of one uid: JSON answer and reasonContent are concatenated', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const chunk = (answer: string, reasonContent: string) =>
      message({
        uid: 'stream-1',
        type: 'ROBOT_STREAM',
        content: JSON.stringify({ answer, reasonContent, done: false }),
      });
    accepted(rules, chunk('你', 'think '));
    accepted(rules, chunk('好', 'more'));
    expect(JSON.parse(rules.record('stream-1')?.message.content ?? '{}')).toEqual({
      answer: '你好',
      reasonContent: 'think more',
      done: false,
    });
  });

  it('stores a whole streamed answer as one message: START, chunks, END; it ends with the last piece’s type', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const piece = (type: string, answer: string) =>
      message({ uid: 'stream-2', type, content: JSON.stringify({ question: 'q', answer }) });
    accepted(rules, piece('ROBOT_STREAM_START', ''));
    accepted(rules, piece('ROBOT_STREAM', 'Hel'));
    accepted(rules, piece('ROBOT_STREAM', 'lo'));
    accepted(rules, piece('ROBOT_STREAM_END', ''));
    const stored = rules.record('stream-2')?.message;
    expect(stored?.type).toBe('ROBOT_STREAM_END');
    expect(JSON.parse(stored?.content ?? '{}')).toEqual({ question: 'q', answer: 'Hello' });
    expect(rules.storedCount).toBe(1);
  });
});

describe('ServerRules: history', () => {
  it('lists newest first by updatedAt: a receipt moves an old message before newer ones', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const [a, b, c] = [message(), message(), message()];
    accepted(rules, a, T0);
    accepted(rules, b, T0 + 1000);
    accepted(rules, c, T0 + 2000);
    accepted(rules, signal('READ', a.uid), T0 + 3000);
    expect(uidsOfPage(rules, T0 + 4000)).toEqual([a.uid, c.uid, b.uid]);
    const byCreation = new ServerRules({ historyLagMs: 0, historyOrder: 'createdAt' });
    accepted(byCreation, a, T0);
    accepted(byCreation, b, T0 + 1000);
    accepted(byCreation, signal('READ', a.uid), T0 + 3000);
    expect(uidsOfPage(byCreation, T0 + 4000)).toEqual([b.uid, a.uid]);
  });

  it('writes in batches: nothing shows before the lag, a batch shows all at once', () => {
    const rules = new ServerRules();
    const [a, b, c] = [message(), message(), message()];
    accepted(rules, a, T0);
    accepted(rules, b, T0 + 4000);
    expect(uidsOfPage(rules, T0 + 4999)).toEqual([]);
    expect(uidsOfPage(rules, T0 + 5000)).toEqual([b.uid, a.uid]);
    accepted(rules, c, T0 + 5000);
    expect(uidsOfPage(rules, T0 + 9999)).toEqual([b.uid, a.uid]);
    expect(uidsOfPage(rules, T0 + 10_000)).toEqual([c.uid, b.uid, a.uid]);
    expect(rules.stored(TOPIC)).toHaveLength(3);
  });

  it('pages from 0 with size 10 by default and no cap, in the Spring page shape', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    for (let i = 0; i < 150; i++) accepted(rules, message(), T0 + i);
    const first = rules.historyPage(TOPIC, {}, T0 + 1000);
    expect(first).toMatchObject({
      ok: true,
      totalElements: 150,
      totalPages: 15,
      number: 0,
      size: 10,
      first: true,
      last: false,
    });
    expect(uidsOfPage(rules, T0 + 1000, TOPIC, 150)).toHaveLength(150);
    expect(rules.historyPage(TOPIC, { pageNumber: 14 }, T0 + 1000)).toMatchObject({ last: true, numberOfElements: 10 });
    expect(rules.historyPage(TOPIC, { pageSize: 0 }, T0).ok).toBe(false);
  });

  it('lists items in the server’s spellings: client, thread.status, updatedAt, orgUid', () => {
    const rules = new ServerRules({ historyLagMs: 0 });
    const m = message();
    accepted(rules, m, T0);
    accepted(rules, signal('DELIVERED', m.uid), T0 + 2000);
    const page = rules.historyPage(TOPIC, {}, T0 + 3000);
    const item = page.ok ? page.content[0] : undefined;
    expect(item).toMatchObject({
      uid: m.uid,
      status: 'DELIVERED',
      client: 'WEB',
      createdAt: formatServerTime(T0),
      updatedAt: formatServerTime(T0 + 2000),
      orgUid: 'org1',
      thread: { topic: TOPIC, status: 'CHATTING' },
    });
    expect(item).not.toHaveProperty('channel');
    expect(item?.thread).not.toHaveProperty('state');
  });
});

describe('ServerRules: subscriptions', () => {
  it('the real server grants every valid filter and matches topics as substrings; wildcards match nothing', () => {
    const rules = new ServerRules();
    expect(rules.subscribe('org/agent/#', 'u', 1)).toEqual({ action: 'grant', qos: 1 });
    expect(rules.subscribe('org/+/a', 'u', 2)).toEqual({ action: 'grant', qos: 2 });
    expect(rules.subscribe('org/agent/someone/else', 'u', 1)).toEqual({ action: 'grant', qos: 1 });
    for (const bad of ['', 'a/+', 'a/', 'a/#/#', 'a/b+', 'a#', '+/a']) {
      expect(rules.subscribe(bad, 'u', 1).action, bad).toBe('close');
    }
    expect(rules.matches('org/agent/a/v10', 'org/agent/a/v1')).toBe(true);
    expect(rules.matches('org/agent/a/v1', 'org/agent/a/v10')).toBe(false);
    expect(rules.matches('org/agent/#', 'org/agent')).toBe(false);
    expect(rules.unsubscribeHonoured).toBe(false);
  });

  it('strict closes on wildcards, refuses topics the user may not use, matches exactly', () => {
    const rules = new ServerRules({
      mode: 'strict',
      directory: { orgOf: () => 'org1', participantsOf: (t) => (t === 'org/group/g1' ? ['u1'] : undefined) },
    });
    expect(rules.subscribe('org/agent/#', 'a1', 1).action).toBe('close');
    expect(rules.subscribe(TOPIC, 'a1', 2)).toEqual({ action: 'grant', qos: 1 });
    expect(rules.subscribe(TOPIC, 'a2', 1)).toEqual({ action: 'refuse' });
    expect(rules.subscribe('org/org1', 'a2', 1).action).toBe('grant');
    expect(rules.subscribe('org/group/g1', 'u1', 1).action).toBe('grant');
    expect(rules.subscribe('user/a1', 'a2', 1).action).toBe('refuse');
    expect(rules.matches('org/agent/a/v10', 'org/agent/a/v1')).toBe(false);
    expect(rules.unsubscribeHonoured).toBe(true);
  });
});

describe('ServerRules: strict senders', () => {
  it('wants a uid, a known thread type, thread.topic = the PUBLISH topic, the sender as user, access', () => {
    const rules = new ServerRules({ mode: 'strict' });
    const ok = { now: T0, publishTopic: TOPIC, senderUid: 'v1' };
    expect(rules.accept(message({ uid: '' }), ok)).toMatchObject({ ok: false, kind: 'invalid' });
    expect(rules.accept(message({ thread: { topic: TOPIC, type: 'NEW_KIND' } }), ok)).toMatchObject({ ok: false });
    expect(rules.accept(message(), { ...ok, publishTopic: 'org/agent/a1/v2' })).toMatchObject({ kind: 'invalid' });
    expect(rules.accept(message(), { ...ok, senderUid: 'a1' })).toMatchObject({ kind: 'forbidden' });
    const intruder = message({ user: { uid: 'x9' } });
    expect(rules.accept(intruder, { ...ok, senderUid: 'x9' })).toMatchObject({ kind: 'forbidden' });
    expect(rules.accept(message(), ok).ok).toBe(true);
  });

  it('applies a receipt only within its own thread', () => {
    const rules = new ServerRules({ mode: 'strict', historyLagMs: 0 });
    const m = message();
    accepted(rules, m);
    accepted(rules, signal('READ', m.uid, { thread: { topic: 'org/agent/a1/v2', type: 'AGENT' } }));
    expect(rules.record(m.uid)?.message.status).toBe('SUCCESS');
  });
});
