import { describe, expect, it } from 'vitest';
import type { ChatClientEvents, LocalMessage, LocalStatus } from '../api.js';
import { createShown } from './shown.js';

function message(status: LocalStatus, over: Partial<LocalMessage> = {}): LocalMessage {
  return {
    uid: 'm1',
    type: 'TEXT',
    content: 'hi',
    parsed: { kind: 'text', text: 'hi' },
    status,
    createdAt: 1,
    channel: 'WEB',
    user: { uid: 'v1' },
    thread: { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' },
    extra: {},
    mine: true,
    unknownType: false,
    ...over,
  };
}

function setup() {
  const messages: string[] = [];
  const changes: Array<[string, string]> = [];
  const shown = createShown(10, {
    onMessage: (m: ChatClientEvents['message']) => messages.push(m.uid),
    onStatus: (c: ChatClientEvents['status']) => changes.push([c.previous, c.message.status]),
  });
  return { shown, messages, changes };
}

describe('shown messages', () => {
  it('tells a new message, keeps one the app has without telling', () => {
    const { shown, messages } = setup();
    shown.add(message('SUCCESS'));
    shown.keep(message('SENDING', { uid: 'm2' }));
    expect(messages).toEqual(['m1']);
    expect(shown.list('org/agent/a1/v1').map((m) => m.uid)).toEqual(['m1', 'm2']);
  });

  it('moves a message on under the status rule, and tells only real changes', () => {
    const { shown, changes } = setup();
    shown.keep(message('SUCCESS'));
    shown.move('m1', 'READ');
    shown.move('m1', 'DELIVERED');
    shown.move('m1', 'READ');
    shown.move('unknown', 'READ');
    expect(changes).toEqual([['SUCCESS', 'READ']]);
    expect(shown.get('m1')?.status).toBe('READ');
    shown.move('m1', 'READ', { content: 'hi there' });
    expect(shown.get('m1')?.content).toBe('hi there');
    expect(changes).toHaveLength(2);
  });

  it('takes the sender’s changes unless a receipt or a recall moved the message further', () => {
    const { shown, changes } = setup();
    shown.keep(message('SENDING'));
    shown.sent(message('FAILED'), 'SENDING');
    shown.sent(message('SENDING'), 'FAILED');
    shown.move('m1', 'DELIVERED');
    shown.sent(message('SUCCESS'), 'SENDING');
    expect(shown.get('m1')?.status).toBe('DELIVERED');
    shown.move('m1', 'RECALL');
    shown.sent(message('FAILED'), 'DELIVERED');
    expect(shown.get('m1')?.status).toBe('RECALL');
    expect(changes).toEqual([
      ['SENDING', 'FAILED'],
      ['FAILED', 'SENDING'],
      ['SENDING', 'DELIVERED'],
      ['DELIVERED', 'RECALL'],
    ]);
  });

  it('forgets a thread', () => {
    const { shown } = setup();
    shown.add(message('SUCCESS'));
    shown.dropThread('org/agent/a1/v1');
    expect(shown.get('m1')).toBeUndefined();
  });

  it('a message of someone else read here moves to READ, once; mine and unknown ones do not', () => {
    const { shown, changes } = setup();
    shown.keep(message('DELIVERED', { uid: 'theirs', mine: false, user: { uid: 'a1' } }));
    shown.keep(message('SUCCESS', { uid: 'mine' }));
    const readHere = shown.readHere;
    readHere('theirs');
    readHere('theirs');
    readHere('mine');
    readHere('nowhere');
    expect(changes).toEqual([['DELIVERED', 'READ']]);
    expect(shown.get('mine')?.status).toBe('SUCCESS');
  });
});
