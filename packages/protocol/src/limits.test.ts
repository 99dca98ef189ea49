import { describe, expect, it } from 'vitest';
import { checkFields, checkIds, MAX_EXTRA_LENGTH, MAX_TOPIC_LENGTH, MAX_UID_LENGTH } from './limits.js';
import { fromRestThreadJson } from './rest-thread-json.js';
import { validateTopic } from './topics.js';
import { normalizeMessage } from './wire.js';

const long = 'x'.repeat(MAX_UID_LENGTH + 1);
const TOPIC = 'org/agent/a1/v1';

describe('id limits', () => {
  it('takes real ids with room to spare: UUIDs, 32-hex, numeric, the longest topic shape', () => {
    const uuid = '0190f3a0-7b1c-7cde-8f00-123456789abc';
    const longest = `org/robot/${long.slice(1)}/${long.slice(1)}/${long.slice(1)}_internal`;
    expect(
      checkIds({ uid: uuid, user: { uid: '1234567890123456789' }, thread: { uid: 'a'.repeat(32), topic: longest } }).ok,
    ).toBe(true);
    expect(validateTopic(longest).ok).toBe(true);
  });

  it.each(['uid', 'user.uid', 'thread.uid', 'thread.user.uid'])(
    'refuses a %s over the limit, with the field',
    (field) => {
      const message =
        field === 'uid'
          ? { uid: long }
          : field === 'user.uid'
            ? { user: { uid: long } }
            : field === 'thread.uid'
              ? { thread: { uid: long } }
              : { thread: { user: { uid: long } } };
      const checked = checkIds(message);
      expect(checked.ok).toBe(false);
      if (!checked.ok) {
        expect(checked.error).toMatchObject({ code: 'decode_failed', details: { field, length: long.length } });
      }
      const sending = checkIds(message, 'invalid_argument');
      expect(!sending.ok && sending.error.code).toBe('invalid_argument');
    },
  );

  it('refuses a topic over its limit, with a short message', () => {
    const topic = `org/${'y'.repeat(MAX_TOPIC_LENGTH)}`;
    const checked = validateTopic(topic);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error.message.length).toBeLessThan(100);
    expect(checkIds({ thread: { topic } }).ok).toBe(false);
  });

  it('skips a thread list item with an id over its limit', () => {
    const row = { uid: 't1', topic: TOPIC, user: { uid: 'v1' } };
    expect(fromRestThreadJson(row).ok).toBe(true);
    for (const bad of [
      { ...row, uid: long },
      { ...row, user: { uid: long } },
      { ...row, topic: `${TOPIC}/${'z'.repeat(MAX_TOPIC_LENGTH)}` },
    ]) {
      const read = fromRestThreadJson(bad);
      expect(!read.ok && read.error.code).toBe('decode_failed');
    }
  });

  it('checks the other fields a client keeps: extra, nicknames and avatars, names; content is left alone', () => {
    const message = normalizeMessage({
      uid: 'm1',
      content: 'x'.repeat(1_000_000),
      extra: 'x'.repeat(MAX_EXTRA_LENGTH),
    });
    expect(checkFields(message).ok).toBe(true);
    const extra = checkFields({ ...message, extra: 'x'.repeat(MAX_EXTRA_LENGTH + 1) });
    expect(!extra.ok && extra.error).toMatchObject({
      code: 'decode_failed',
      details: { field: 'extra', length: MAX_EXTRA_LENGTH + 1, limit: MAX_EXTRA_LENGTH },
    });
  });
});
