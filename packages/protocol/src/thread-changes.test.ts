import { describe, expect, it } from 'vitest';
import { isThreadChangeMessageType, threadStateAfter, transferStatusAfter, transferTopic } from './thread-changes.js';

describe('messages that change a thread', () => {
  it('closing types close it; transfer types set its transfer status; content changes nothing', () => {
    expect(['AUTO_CLOSED', 'AGENT_CLOSED', 'VISITOR_CLOSED'].map(threadStateAfter)).toEqual([
      'CLOSED',
      'CLOSED',
      'CLOSED',
    ]);
    expect(
      ['TRANSFER', 'TRANSFER_ACCEPT', 'TRANSFER_REJECT', 'TRANSFER_TIMEOUT', 'TRANSFER_CANCEL'].map(
        transferStatusAfter,
      ),
    ).toEqual(['TRANSFER_PENDING', 'TRANSFER_ACCEPTED', 'TRANSFER_REJECTED', 'TRANSFER_TIMEOUT', 'TRANSFER_CANCELED']);
    expect(threadStateAfter('TEXT')).toBeUndefined();
    expect(transferStatusAfter('TEXT')).toBeUndefined();
    expect(isThreadChangeMessageType('AGENT_CLOSED')).toBe(true);
    expect(isThreadChangeMessageType('TEXT')).toBe(false);
  });

  it('a transfer is about the thread its content names, else the one it came on', () => {
    const content = JSON.stringify({ note: 'please', uid: 'x', thread: { topic: 'org/agent/a1/v1' } });
    expect(transferTopic(content, 'org/member/a1/a2')).toBe('org/agent/a1/v1');
    for (const other of ['', 'transferred', '{', '{"thread":7}', '{"thread":{"topic":""}}', 'null']) {
      expect(transferTopic(other, 'org/member/a1/a2')).toBe('org/member/a1/a2');
    }
  });
});
