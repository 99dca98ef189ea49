import { describe, expect, it } from 'vitest';
import { normalizeMessage, type WireMessage, type WireMessageInit } from '../wire.js';
import { ServerRules } from './server-rules.js';
import { ThreadBook } from './thread-book.js';
import { countsAsUnread } from './unread.js';

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

describe('ThreadBook: previews and organisations', () => {
  it('a row shows the preview of its newest message however often it is read, and keeps the orgUid it was made with', () => {
    const book = new ThreadBook({ directory: {}, timeFormat: 'epoch' });
    const first = message({ content: '{"content":"first  one"}' });
    book.record(first, T0);
    // The book keeps what it was given, not the caller's object.
    (first as { content: string }).content = 'changed afterwards';
    expect(book.row(TOPIC, 'a1')).toMatchObject({ orgUid: 'org1', last: { msgType: 'TEXT', preview: 'first one' } });
    book.record(message({ type: 'IMAGE', content: 'https://x/y.png', extra: '{"orgUid":"org2"}' }), T0 + 1);
    book.record(message({ content: `${'long '.repeat(60)}`, extra: 'not json' }), T0 + 2);
    const row = book.row(TOPIC, 'a1');
    expect(row).toMatchObject({ orgUid: 'org1', last: { msgType: 'TEXT', payload: 'long '.repeat(60) } });
    expect(row?.last?.preview).toBe('long '.repeat(40));
    expect(row && 'lastSent' in row).toBe(false);
    book.record(message({ type: 'FILE', content: '{"url":"https://x/z"}' }), T0 + 3);
    const page = book.page('a1', { pageNumber: 0, pageSize: 10 }, () => 0);
    expect(page.content[0]).toMatchObject({ content: '[FILE]', contentObject: { msgType: 'FILE', preview: '[FILE]' } });
    expect(book.row(TOPIC, 'a1')?.last).toEqual(page.content[0]?.contentObject);
    // A row made by a seed takes no orgUid from a message, and has no preview until one comes.
    book.seed({ uid: 's', topic: 'org/agent/a1/v9', type: 'AGENT' }, T0 + 4);
    expect(book.row('org/agent/a1/v9', 'a1')).toMatchObject({ orgUid: '' });
    expect(book.row('org/agent/a1/v9', 'a1')?.last).toBeUndefined();
  });
});

/** A small deterministic generator (mulberry32, as core's `seededRandom`), so a failing run can be run again. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The threads of the random runs: both sides of a member conversation, an agent's, a workgroup's, a group's. */
const RANDOM_THREADS = [
  { topic: 'org/member/a1/m2', type: 'MEMBER', users: ['a1', 'm2'] },
  { topic: 'org/member/m2/a1', type: 'MEMBER', users: ['m2', 'a1'] },
  { topic: TOPIC, type: 'AGENT', users: ['v1', 'a1'] },
  { topic: 'org/workgroup/wg1/v2', type: 'WORKGROUP', users: ['v2', 'a1', 'a2'] },
  { topic: 'org/group/g1', type: 'GROUP', users: ['a1', 'm2', 'v1'] },
] as const;

/** Counted, not counted (a stored signal, a thread change) and streamed types. */
const RANDOM_TYPES = ['TEXT', 'TEXT', 'TEXT', 'IMAGE', 'REACTION', 'AUTO_CLOSED', 'ROBOT_STREAM', 'ROBOT_STREAM_END'];

/** The unread count as first written: every record not deleted on the row's topics, filtered and scanned. */
function referenceUnread(
  r: ServerRules,
  uids: ReadonlySet<string>,
  row: { topic: string; type: string },
  owner: string,
) {
  const [, , self, other] = row.topic.split('/');
  const topics = row.type === 'MEMBER' ? [row.topic, `org/member/${other}/${self}`] : [row.topic];
  const fromOthers = [...uids]
    .map((uid) => r.record(uid))
    .filter((rec) => rec !== undefined && !rec.deleted && topics.includes(rec.topic))
    .filter((rec) => (rec?.message.user?.uid ?? '') !== owner && countsAsUnread(rec?.message.type ?? ''));
  let readUpTo = Number.NEGATIVE_INFINITY;
  for (const rec of fromOthers) if (rec?.message.status === 'READ') readUpTo = Math.max(readUpTo, rec.createdAtMs);
  return fromOthers.filter((rec) => (rec?.createdAtMs ?? 0) > readUpTo).length;
}

/**
 * Random stores (resends, stream chunks, robots' READ replies, a clock that stands still or goes
 * back), receipts and recalls, the thread lists read in between: returns how many counts were
 * checked, how many of them were not 0, and how many had something READ to go after.
 */
function randomRun(seed: number, options: { mode: 'bytedesk' | 'strict'; recall: 'delete' | 'mark' }) {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const r = new ServerRules({
    ...options,
    directory: {
      agentsOf: (wg) => (wg === 'wg1' ? ['a1', 'a2'] : undefined),
      participantsOf: (topic) => (topic === 'org/group/g1' ? ['a1', 'm2'] : undefined),
    },
  });
  const uids: string[] = [];
  const checked = { counts: 0, nonZero: 0, afterRead: 0 };
  let now = T0;
  for (let step = 0; step < 1_500; step++) {
    now += random() < 0.15 ? -Math.floor(random() * 5_000) : Math.floor(random() * 3) * 1_000;
    const roll = random();
    const thread = pick(RANDOM_THREADS);
    const sender = pick(thread.users);
    const base = { user: { uid: sender, type: random() < 0.1 ? 'ROBOT' : 'AGENT' }, thread: { ...thread, uid: 't' } };
    if (roll < 0.5) {
      const type = pick(RANDOM_TYPES);
      const again = uids.length > 0 && (type.startsWith('ROBOT_STREAM') || random() < 0.05);
      const uid = again ? pick(uids) : `u${seed}-${step}`;
      const status = random() < 0.1 ? pick(['READ', 'DELIVERED']) : 'SENDING';
      r.accept(message({ ...base, uid, type, status, content: '{"answer":"a"}' }), { now });
      if (!again) uids.push(uid);
    } else if (roll < 0.8 && uids.length > 0) {
      r.accept(message({ ...base, type: random() < 0.6 ? 'READ' : 'DELIVERED', content: pick(uids) }), { now });
    } else if (roll < 0.88 && uids.length > 0) {
      r.accept(message({ ...base, type: 'RECALL', content: pick(uids) }), { now });
    } else {
      const owner = pick(['a1', 'a2', 'm2', 'v1']);
      const known = new Set(uids);
      for (const row of list(r, owner, { pageSize: 100 }).content) {
        const expected = referenceUnread(r, known, row, owner);
        expect(row.unreadCount, `seed ${seed}, step ${step}, ${owner} on ${row.topic}`).toBe(expected);
        checked.counts += 1;
        if (expected > 0) checked.nonZero += 1;
      }
    }
  }
  for (const uid of uids) if (r.record(uid)?.message.status === 'READ') checked.afterRead += 1;
  return checked;
}

describe('ServerRules: unread counts kept as messages come', () => {
  it('count as the plain scan of the history does, through random stores, receipts and recalls (member threads too)', () => {
    for (const [i, options] of [
      { mode: 'bytedesk', recall: 'delete' },
      { mode: 'bytedesk', recall: 'mark' },
      { mode: 'strict', recall: 'delete' },
    ].entries()) {
      for (const seed of [1, 2, 3]) {
        const checked = randomRun(seed * 10 + i, options as Parameters<typeof randomRun>[1]);
        // Not vacuous: many counts compared, many of them not 0, READ records to count after.
        expect(checked.counts).toBeGreaterThan(200);
        expect(checked.nonZero).toBeGreaterThan(50);
        expect(checked.afterRead).toBeGreaterThan(10);
      }
    }
  });
});
