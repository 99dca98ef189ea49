import { SdkError } from '@weiyu/protocol';
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

  it('makes a failed message with a given uid, FAILED and settled', async () => {
    const failed = outgoing.failed(thread, new SdkError('not_found', 'no'), 'u1');
    expect(failed.uid).toBe('u1');
    expect(failed.status).toBe('FAILED');
    expect((await failed.done).status).toBe('FAILED');
  });
});
