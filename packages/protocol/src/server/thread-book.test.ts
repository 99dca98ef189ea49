import { describe, expect, it } from 'vitest';
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
    content: `hello ${n}`,
    status: 'SENDING',
    createdAt: '2024-01-01 00:00:00',
    channel: 'WEB',
    user: { uid: 'v1', nickname: 'Visitor', type: 'VISITOR' },
    thread: { uid: 't1', topic: TOPIC, type: 'AGENT', user: { uid: 'v1', nickname: 'Visitor' } },
    extra: '{"orgUid":"org1"}',
    ...init,
  });
}

const AGENT = { uid: 'a1', nickname: 'Agent', type: 'AGENT' };

function rules(): ServerRules {
  return new ServerRules({
    historyLagMs: 0,
    directory: {
      agentsOf: (wg) => (wg === 'wg1' ? ['a1', 'a2'] : undefined),
      participantsOf: (topic) => (topic === 'org/group/g1' ? ['a1', 'm2'] : undefined),
      profileOf: (uid) => (uid === 'v2' ? { nickname: 'Second', avatar: '', type: 'VISITOR' } : undefined),
    },
  });
}

function accept(r: ServerRules, m: WireMessage, now = T0): void {
  const result = r.accept(m, { now });
  if (!result.ok) throw new Error(result.reason);
}

function list(r: ServerRules, owner: string, page: { pageNumber?: number; pageSize?: number } = {}) {
  const answer = r.threadPage(owner, page);
  if (!answer.ok) throw new Error(answer.reason);
  return answer;
}

describe('ServerRules: the thread list (GET /api/v1/thread/query)', () => {
  it("a visitor's first message makes the agent's row: its preview, the visitor as user, the server's shapes", () => {
    const r = rules();
    accept(r, message({ content: 'hi   there\n' }));
    const page = list(r, 'a1');
    expect(page).toMatchObject({ totalElements: 1, totalPages: 1, number: 0, size: 10, first: true, last: true });
    expect(page.content[0]).toMatchObject({
      uid: 't1',
      topic: TOPIC,
      type: 'AGENT',
      status: 'CHATTING',
      content: 'hi there',
      contentObject: { v: 1, msgType: 'TEXT', preview: 'hi there', payload: 'hi   there\n' },
      unread: true,
      unreadCount: 1,
      transferStatus: 'NONE',
      orgUid: 'org1',
      user: { uid: 'v1', nickname: 'Visitor' },
      owner: { uid: 'a1' },
      updatedAt: '2024-05-01 12:00:00',
      createdAt: '2024-05-01 12:00:00',
    });
    expect(page.content[0]?.agent).toBe(JSON.stringify({ uid: 'a1', nickname: '', avatar: '', type: '' }));
    expect(r.threadOwners(TOPIC)).toEqual(['a1']);
    // Nobody else's list has it; the visitor owns no row.
    expect(list(r, 'v1').content).toEqual([]);
    expect(list(r, 'a2').content).toEqual([]);
  });

  it('unread: messages from others after the newest READ one; own messages, signals and closings do not count', () => {
    const r = rules();
    const first = message();
    const second = message();
    accept(r, first);
    accept(r, second, T0 + 1_000);
    accept(r, message({ user: AGENT, content: 'my reply' }), T0 + 2_000);
    accept(r, message({ type: 'REACTION', content: '👍' }), T0 + 3_000);
    expect(list(r, 'a1').content[0]?.unreadCount).toBe(2);
    // The agent reads the newest: everything before it is read too.
    accept(r, message({ type: 'READ', content: second.uid, user: AGENT }), T0 + 4_000);
    expect(list(r, 'a1').content[0]).toMatchObject({ unreadCount: 0, unread: false, content: 'my reply' });
    accept(r, message(), T0 + 5_000);
    expect(list(r, 'a1').content[0]?.unreadCount).toBe(1);
    accept(
      r,
      message({ type: 'AUTO_CLOSED', content: '{"content":"closed for inactivity"}', user: { uid: 'system' } }),
      T0 + 6_000,
    );
    expect(list(r, 'a1').content[0]).toMatchObject({
      unreadCount: 1,
      status: 'CLOSED',
      closeType: 'AUTO',
      autoClose: true,
      content: 'closed for inactivity',
      contentObject: { msgType: 'AUTO_CLOSED' },
    });
  });

  it('newest change first, paged from 0 (size 10 by default); a bad page is refused as Spring refuses it', () => {
    const r = rules();
    for (let i = 0; i < 12; i++) {
      const topic = `org/agent/a1/v${i}`;
      accept(r, message({ thread: { uid: `t${i}`, topic, type: 'AGENT' }, user: { uid: `v${i}` } }), T0 + i * 1_000);
    }
    // An old thread talked to again comes first.
    accept(
      r,
      message({ thread: { uid: 't3', topic: 'org/agent/a1/v3', type: 'AGENT' }, user: { uid: 'v3' } }),
      T0 + 60_000,
    );
    const first = list(r, 'a1');
    expect(first.content.map((t) => t.uid)).toEqual(['t3', 't11', 't10', 't9', 't8', 't7', 't6', 't5', 't4', 't2']);
    expect(first).toMatchObject({ totalElements: 12, totalPages: 2, last: false, numberOfElements: 10 });
    expect(list(r, 'a1', { pageNumber: 1 }).content.map((t) => t.uid)).toEqual(['t1', 't0']);
    expect(list(r, 'a1', { pageSize: 100 }).content).toHaveLength(12);
    expect(r.threadPage('a1', { pageNumber: -1 })).toMatchObject({ ok: false });
    expect(r.threadPage('a1', { pageSize: 0 })).toMatchObject({ ok: false });
  });

  it('owners: a workgroup thread is every agent of the workgroup, a member thread each side, a group its members', () => {
    const r = rules();
    accept(r, message({ thread: { uid: 'w', topic: 'org/workgroup/wg1/v2', type: 'WORKGROUP' }, user: { uid: 'v2' } }));
    expect(r.threadOwners('org/workgroup/wg1/v2')).toEqual(['a1', 'a2']);
    expect(list(r, 'a2').content[0]).toMatchObject({
      topic: 'org/workgroup/wg1/v2',
      user: { uid: 'v2', nickname: 'Second' },
    });
    accept(r, message({ thread: { uid: 'm', topic: 'org/member/a1/m2', type: 'MEMBER' }, user: AGENT }));
    expect(r.threadOwners('org/member/a1/m2')).toEqual(['a1']);
    expect(r.threadOwners('org/member/m2/a1')).toEqual(['m2']);
    expect(list(r, 'm2').content[0]).toMatchObject({
      topic: 'org/member/m2/a1',
      unreadCount: 1,
      user: { uid: 'a1', nickname: 'Agent' },
    });
    expect(list(r, 'a1').content.find((t) => t.topic === 'org/member/a1/m2')?.unreadCount).toBe(0);
    accept(r, message({ thread: { uid: 'g', topic: 'org/group/g1', type: 'GROUP' }, user: AGENT }));
    expect(r.threadOwners('org/group/g1')).toEqual(['a1', 'm2']);
    // A robot thread and a topic of no known shape have no owner.
    accept(r, message({ thread: { uid: 'r', topic: 'org/robot/r1/v1', type: 'ROBOT' } }));
    expect(r.threadOwners('org/robot/r1/v1')).toEqual([]);
  });

  it('a seeded thread is listed before any message; TRANSFER marks it pending, TRANSFER_ACCEPT moves it', () => {
    const r = rules();
    r.seedThread({ uid: 'seeded', topic: TOPIC, type: 'AGENT' }, T0);
    expect(list(r, 'a1').content[0]).toMatchObject({
      uid: 'seeded',
      status: 'CHATTING',
      unreadCount: 0,
      content: '',
      contentObject: null,
    });
    const transfer = { note: 'please take this one', uid: 'tr1', thread: { topic: TOPIC } };
    const between = { uid: 'mt', topic: 'org/member/a1/a2', type: 'MEMBER' };
    accept(
      r,
      message({ type: 'TRANSFER', content: JSON.stringify(transfer), user: AGENT, thread: between }),
      T0 + 1_000,
    );
    expect(list(r, 'a1').content.find((t) => t.topic === TOPIC)?.transferStatus).toBe('TRANSFER_PENDING');
    const answer = { uid: 'tr1', thread: { topic: TOPIC } };
    const back = { uid: 'mt2', topic: 'org/member/a2/a1', type: 'MEMBER' };
    accept(
      r,
      message({ type: 'TRANSFER_ACCEPT', content: JSON.stringify(answer), user: { uid: 'a2' }, thread: back }),
      T0 + 2_000,
    );
    expect(r.threadOwners(TOPIC)).toEqual(['a2']);
    expect(list(r, 'a2').content.find((t) => t.topic === TOPIC)).toMatchObject({
      uid: 'seeded',
      transferStatus: 'TRANSFER_ACCEPTED',
    });
    expect(list(r, 'a1').content.find((t) => t.topic === TOPIC)).toBeUndefined();
  });
});
