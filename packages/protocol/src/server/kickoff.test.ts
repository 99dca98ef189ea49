import { describe, expect, it } from 'vitest';
import { formatServerTime } from '../time.js';
import { kickoffMessage } from './kickoff.js';

describe('kickoffMessage', () => {
  it('is the real KICKOFF: system topic, SUCCESS, SYSTEM channel, system user, FORCE_LOGOUT content', () => {
    const m = kickoffMessage({
      uid: 'k1',
      userUid: 'u1',
      reason: 'elsewhere',
      sourceType: 'USER',
      sourceUid: 'u1',
      now: 0,
    });
    expect(m).toMatchObject({
      type: 'KICKOFF',
      status: 'SUCCESS',
      channel: 'SYSTEM',
      createdAt: formatServerTime(0),
      user: { uid: 'system', type: 'SYSTEM' },
      thread: { topic: 'system/u1' },
    });
    expect(JSON.parse(m.content)).toEqual({
      reason: 'elsewhere',
      sourceType: 'USER',
      sourceUid: 'u1',
      action: 'FORCE_LOGOUT',
    });
  });
});
