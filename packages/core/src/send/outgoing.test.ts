import { MAX_TOPIC_LENGTH, MAX_UID_LENGTH, SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread } from '../api.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { seededRandom } from '../testing/seeded-random.js';
import { createOutgoing } from './outgoing.js';

const thread: ChatThread = { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' };
const outgoing = createOutgoing({
  user: { uid: 'v1' },
  channel: 'WEB',
  orgUid: 'org-1',
  clock: createFakeClock(),
  random: seededRandom(1),
});

describe('outgoing messages', () => {
  it('builds a new message of this user with a fresh uid and the orgUid', () => {
    const prepared = outgoing.prepare(thread, { type: 'TEXT', text: 'hi' }, false);
    expect('message' in prepared && prepared.message).toMatchObject({
      type: 'TEXT',
      content: 'hi',
      status: 'SENDING',
      mine: true,
      user: { uid: 'v1' },
      extra: { orgUid: 'org-1' },
    });
    if ('message' in prepared) expect(prepared.message.uid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fails at once on a bad topic, then on a closed client, then on bad content', async () => {
    const code = async (p: ReturnType<typeof outgoing.prepare>) =>
      'failed' in p ? (await p.failed.done).error?.code : 'ok';
    const bad = { ...thread, topic: 'org/+/x' };
    expect(await code(outgoing.prepare(bad, { type: 'TEXT', text: '' }, true))).toBe('invalid_topic');
    expect(await code(outgoing.prepare(thread, { type: 'TEXT', text: '' }, true))).toBe('closed');
    expect(await code(outgoing.prepare(thread, { type: 'IMAGE', url: '' }, false))).not.toBe('ok');
  });

  it('fails at once on a thread whose uid, topic or other side is over the id limits: never on the wire', async () => {
    const long = 'x'.repeat(MAX_UID_LENGTH + 1);
    const threads: ChatThread[] = [
      { ...thread, uid: long },
      { ...thread, user: { uid: long } },
      { ...thread, topic: `org/agent/a1/${'v'.repeat(MAX_TOPIC_LENGTH)}` },
    ];
    const codes = await Promise.all(
      threads.map(async (t) => {
        const prepared = outgoing.prepare(t, { type: 'TEXT', text: 'hi' }, false);
        return 'failed' in prepared ? (await prepared.failed.done).error?.code : 'sent';
      }),
    );
    expect(codes).toEqual(['invalid_argument', 'invalid_argument', 'invalid_topic']);
    // Our own uids are far within the limit.
    const ok = outgoing.prepare({ ...thread, uid: long.slice(1) }, { type: 'TEXT', text: 'hi' }, false);
    expect('message' in ok && ok.message.uid.length).toBeLessThanOrEqual(MAX_UID_LENGTH);
  });

  it('makes a failed message with a given uid, FAILED and settled', async () => {
    const failed = outgoing.failed(thread, new SdkError('not_found', 'no'), 'u1');
    expect(failed.uid).toBe('u1');
    expect(failed.status).toBe('FAILED');
    expect((await failed.done).status).toBe('FAILED');
  });
});
