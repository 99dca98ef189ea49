import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../api.js';
import { messageFromWire } from '../message.js';
import { countsAsUnread, movesThread, previewOf } from './rules.js';

function received(type: string, content: string, uid = 'v1'): LocalMessage {
  return messageFromWire(
    {
      uid: 'x',
      type,
      content,
      status: 'SUCCESS',
      createdAt: '2024-05-01 12:00:00',
      channel: 'WEB',
      extra: '',
      user: { uid, nickname: '', avatar: '', type: '', extra: '' },
      thread: { uid: 't', topic: 'org/agent/a1/v1', type: 'AGENT', state: '', channel: '', extra: '' },
    },
    { selfUid: 'a1', now: 0 },
  );
}

describe('what the thread list makes of a message', () => {
  it('content from others counts; own messages, signals, CONTINUE and thread changes do not', () => {
    expect(countsAsUnread(received('TEXT', 'hi'))).toBe(true);
    expect(countsAsUnread(received('IMAGE', 'https://x/y.png'))).toBe(true);
    expect(countsAsUnread(received('SOMETHING_NEW', 'x'))).toBe(true);
    expect(countsAsUnread(received('TEXT', 'mine', 'a1'))).toBe(false);
    for (const type of ['REACTION', 'QUOTATION', 'SHAKE', 'CONTINUE', 'AUTO_CLOSED', 'AGENT_CLOSED', 'TRANSFER']) {
      expect(countsAsUnread(received(type, '{}')), type).toBe(false);
    }
    expect(movesThread(received('AGENT_CLOSED', '{}'))).toBe(true);
    expect(movesThread(received('REACTION', '👍'))).toBe(false);
  });

  it('the line shown: text folded and cut at 200, a file by its name, media by type, a notice by its text', () => {
    expect(previewOf(received('TEXT', '  hello\n\n  world '))).toBe('hello world');
    expect(previewOf(received('TEXT', 'x'.repeat(500)))).toHaveLength(200);
    expect(previewOf(received('FILE', JSON.stringify({ url: 'https://x/a.pdf', name: 'a.pdf', size: 3 })))).toBe(
      'a.pdf',
    );
    expect(previewOf(received('IMAGE', 'https://x/y.png'))).toBe('[IMAGE]');
    expect(previewOf(received('AUTO_CLOSED', JSON.stringify({ content: 'closed after 30 minutes' })))).toBe(
      'closed after 30 minutes',
    );
    expect(previewOf(received('TRANSFER', JSON.stringify({ note: 'x', thread: {} })))).toBe('[TRANSFER]');
  });
});
