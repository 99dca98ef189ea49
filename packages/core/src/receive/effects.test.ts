import { SdkError, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, LocalMessage, LocalStatus } from '../api.js';
import { effectsOf, type ReceiveFacts, subjectOf } from './effects.js';
import type { Received } from './pipeline.js';
import { streamOf } from './robot-stream.js';

const thread: ChatThread = { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' };
const agent = { uid: 'a1' };
const visitor = { uid: 'v1' };

/** A piece of a robot's streamed answer (uid s1, from the agent), as the client shows it when it comes first. */
function piece(type: string, content: Record<string, unknown>): LocalMessage {
  const text = JSON.stringify(content);
  return message({ uid: 's1', type, content: text, ...shownStream(type, text) });
}

function shownStream(type: string, content: string): Partial<LocalMessage> {
  const stream = streamOf(type, content);
  return stream ? { stream, parsed: { kind: 'text', text: stream.answer } } : {};
}

function message(over: Partial<LocalMessage> = {}): LocalMessage {
  return {
    uid: 'm1',
    type: 'TEXT',
    content: 'hello',
    parsed: { kind: 'text', text: 'hello' },
    status: 'SUCCESS',
    createdAt: 1_000,
    channel: 'WEB',
    user: agent,
    thread,
    extra: {},
    mine: false,
    unknownType: false,
    ...over,
  };
}

const mineAs = (status: LocalStatus): LocalMessage => message({ user: visitor, mine: true, status });
const facts = (over: Partial<ReceiveFacts> = {}): ReceiveFacts => ({
  pending: false,
  ...over,
});
const wire: WireMessage = {
  uid: 'm1',
  type: 'TEXT',
  content: 'hello',
  status: 'SUCCESS',
  createdAt: '1700000000000',
  channel: 'WEB',
  extra: '',
};

describe('effects of a received message', () => {
  it('reports an unreadable message as an error event and a warning', () => {
    const error = new SdkError('decode_failed', 'bad bytes');
    expect(effectsOf({ kind: 'error', error }, facts())).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'received a message that could not be read',
        data: { code: 'decode_failed' },
      },
      { type: 'emit-error', error },
    ]);
  });

  it('only logs a dropped message', () => {
    expect(effectsOf({ kind: 'dropped', reason: 'duplicate', uid: 'm1' }, facts())).toEqual([
      { type: 'log', level: 'debug', message: 'dropped a received message', data: { uid: 'm1', reason: 'duplicate' } },
    ]);
  });

  it('confirms my message on its echo', () => {
    expect(effectsOf({ kind: 'echo', wire }, facts({ pending: true }))).toEqual([
      { type: 'confirm', uid: 'm1', createdAt: '1700000000000' },
    ]);
  });

  describe('a new message', () => {
    const received = (m: LocalMessage): Received => ({ kind: 'message', message: m });

    it('is shown, and handed to the receipt rule (send/signals.ts decides what goes back)', () => {
      for (const m of [message(), message({ status: 'DELIVERED' }), message({ type: 'WELCOME' }), mineAs('SUCCESS')]) {
        expect(effectsOf(received(m), facts())).toEqual([
          { type: 'show', message: m },
          { type: 'acknowledge', message: m },
        ]);
      }
    });

    it('is not acknowledged again when it is shown already', () => {
      expect(effectsOf(received(message()), facts({ shown: message({ status: 'READ' }) }))).toEqual([]);
    });

    it('is no news when shown already, except one of mine that had failed: confirmed after all', () => {
      expect(effectsOf(received(message()), facts({ shown: message() }))).toEqual([]);
      expect(effectsOf(received(mineAs('SUCCESS')), facts({ shown: mineAs('SENDING') }))).toEqual([]);
      const confirmed = message({ createdAt: 5, user: visitor, mine: true });
      expect(effectsOf(received(confirmed), facts({ shown: mineAs('FAILED') }))).toEqual([
        { type: 'status', uid: 'm1', status: 'SUCCESS', changes: { createdAt: 5 } },
      ]);
    });
  });

  describe('a receipt', () => {
    const receipt = (kind: 'DELIVERED' | 'READ', user = agent) => ({ thread, uid: 'm1', kind, user });

    it('is emitted and moves the message on', () => {
      const r = receipt('READ');
      expect(effectsOf({ kind: 'receipt', receipt: r }, facts({ shown: mineAs('DELIVERED') }))).toEqual([
        { type: 'emit-receipt', receipt: r },
        { type: 'status', uid: 'm1', status: 'READ' },
      ]);
    });

    it('confirms a message of mine still pending first (as good as its echo)', () => {
      const r = receipt('DELIVERED');
      expect(effectsOf({ kind: 'receipt', receipt: r }, facts({ shown: mineAs('SENDING'), pending: true }))).toEqual([
        { type: 'confirm', uid: 'm1', createdAt: '' },
        { type: 'emit-receipt', receipt: r },
        { type: 'status', uid: 'm1', status: 'DELIVERED' },
      ]);
    });

    it('never moves a message back, nor a recalled one, nor on its author’s own receipt, nor an unknown one', () => {
      const cases: Array<[ReturnType<typeof receipt>, LocalMessage | undefined]> = [
        [receipt('DELIVERED'), mineAs('READ')],
        [receipt('DELIVERED'), mineAs('DELIVERED')],
        [receipt('READ'), mineAs('RECALL')],
        [receipt('READ', visitor), mineAs('SUCCESS')],
        [receipt('READ'), undefined],
      ];
      for (const [r, shown] of cases) {
        expect(effectsOf({ kind: 'receipt', receipt: r }, facts({ shown }))).toEqual([
          { type: 'emit-receipt', receipt: r },
        ]);
      }
    });
  });

  it('passes typing to the tracker', () => {
    const typing = { thread, user: agent, active: true };
    expect(effectsOf({ kind: 'typing', typing }, facts())).toEqual([{ type: 'typing', typing }]);
  });

  it('emits a recall and marks the message RECALL once', () => {
    const recall = { thread, uid: 'm1', user: agent };
    expect(effectsOf({ kind: 'recall', recall }, facts({ shown: message() }))).toEqual([
      { type: 'emit-recall', recall },
      { type: 'status', uid: 'm1', status: 'RECALL' },
    ]);
    expect(effectsOf({ kind: 'recall', recall }, facts({ shown: message({ status: 'RECALL' }) }))).toEqual([
      { type: 'emit-recall', recall },
    ]);
    expect(effectsOf({ kind: 'recall', recall }, facts())).toEqual([{ type: 'emit-recall', recall }]);
  });

  it('stops on a kickoff', () => {
    expect(effectsOf({ kind: 'kicked', reason: 'elsewhere', raw: '{}' }, facts())).toEqual([
      { type: 'log', level: 'warn', message: 'kicked by the server', data: { reason: 'elsewhere' } },
      { type: 'kicked', reason: 'elsewhere', raw: '{}' },
    ]);
  });

  it('restores a status history kept while I was away, forward only, leaving my pending ones to the sender', () => {
    const stored = (status: 'DELIVERED' | 'READ' | 'RECALL'): Received => ({
      kind: 'stored-status',
      uid: 'm1',
      status,
    });
    expect(effectsOf(stored('READ'), facts({ shown: mineAs('SUCCESS') }))).toEqual([
      { type: 'status', uid: 'm1', status: 'READ' },
    ]);
    expect(effectsOf(stored('RECALL'), facts({ shown: mineAs('READ') }))).toEqual([
      { type: 'status', uid: 'm1', status: 'RECALL' },
    ]);
    expect(effectsOf(stored('DELIVERED'), facts({ shown: mineAs('READ') }))).toEqual([]);
    expect(effectsOf(stored('READ'), facts({ shown: mineAs('READ') }))).toEqual([]);
    expect(effectsOf(stored('READ'), facts({ shown: mineAs('SENDING'), pending: true }))).toEqual([]);
    expect(effectsOf(stored('READ'), facts())).toEqual([]);
  });

  it('grows a shown ROBOT_STREAM answer with the next chunks, as the server stores it', () => {
    const chunk = piece('ROBOT_STREAM', { answer: 'lo' });
    const shown = piece('ROBOT_STREAM_START', { question: 'hi', answer: 'Hel' });
    expect(effectsOf({ kind: 'stream', chunk }, facts({ shown }))).toEqual([
      {
        type: 'status',
        uid: 's1',
        status: 'SUCCESS',
        changes: {
          content: JSON.stringify({ question: 'hi', answer: 'Hello' }),
          stream: { state: 'streaming', answer: 'Hello', reasoning: '' },
        },
      },
    ]);
  });

  it('drops a later piece of an answer no longer shown: the app had its uid, and one piece is no message', () => {
    const chunk = piece('ROBOT_STREAM', { answer: 'lo' });
    expect(effectsOf({ kind: 'stream', chunk }, facts())).toEqual([
      {
        type: 'log',
        level: 'debug',
        message: 'a piece of an answer not shown',
        data: { uid: 's1', type: 'ROBOT_STREAM' },
      },
    ]);
  });

  it('ends a streamed answer with its END (done) or ERROR (error: its reasonContent), and takes no piece after', () => {
    const shown = piece('ROBOT_STREAM', { answer: 'Hel', reasonContent: 'think' });
    const [ended] = effectsOf({ kind: 'stream', chunk: piece('ROBOT_STREAM_END', { answer: '' }) }, facts({ shown }));
    expect(ended).toMatchObject({ changes: { stream: { state: 'done', answer: 'Hel', reasoning: 'think' } } });
    const [failed] = effectsOf(
      { kind: 'stream', chunk: piece('ROBOT_STREAM_ERROR', { answer: '', reasonContent: '服务暂时不可用' }) },
      facts({ shown }),
    );
    expect(failed).toMatchObject({
      changes: { stream: { state: 'error', answer: 'Hel', reasoning: 'think', error: '服务暂时不可用' } },
    });
    const done = { ...shown, stream: { state: 'done', answer: 'Hel', reasoning: '' } } as const;
    expect(
      effectsOf({ kind: 'stream', chunk: piece('ROBOT_STREAM', { answer: 'lo' }) }, facts({ shown: done })),
    ).toEqual([
      {
        type: 'log',
        level: 'debug',
        message: 'a piece after the end of a streamed answer',
        data: { uid: 's1', type: 'ROBOT_STREAM' },
      },
    ]);
  });

  describe('what anyone may post (the server checks nothing)', () => {
    const stranger = { uid: 'x9', nickname: 'Agent' };
    const refusedAs = (reason: string, target: LocalMessage, type: string, user: { uid: string }) => [
      {
        type: 'log',
        level: 'warn',
        message: 'refused a received message',
        data: { uid: target.uid, reason, type, from: user.uid },
      },
      { type: 'emit-refused', refused: { reason, target, type, user } },
    ];

    it('refuses a RECALL of a message someone else sent, unless mayRecall allows it', () => {
      const shown = message();
      const forged = { thread, uid: 'm1', user: stranger };
      expect(effectsOf({ kind: 'recall', recall: forged }, facts({ shown }))).toEqual(
        refusedAs('recall-not-sender', shown, 'RECALL', stranger),
      );
      // Nor does a sender without a uid recall a message without one.
      const anonymous = message({ user: { uid: '' } });
      const nobody = { thread, uid: 'm1', user: { uid: '' } };
      expect(effectsOf({ kind: 'recall', recall: nobody }, facts({ shown: anonymous }))).toEqual(
        refusedAs('recall-not-sender', anonymous, 'RECALL', { uid: '' }),
      );
      const asked: Array<[string, string]> = [];
      const mayRecall = (r: { user: { uid: string } }, target: LocalMessage) => {
        asked.push([r.user.uid, target.uid]);
        return true;
      };
      expect(effectsOf({ kind: 'recall', recall: forged }, facts({ shown, mayRecall }))).toEqual([
        { type: 'emit-recall', recall: forged },
        { type: 'status', uid: 'm1', status: 'RECALL' },
      ]);
      expect(asked).toEqual([['x9', 'm1']]);
    });

    it('refuses a ROBOT_STREAM chunk for someone else’s message, or for a message that is no stream', () => {
      const stream = { ...piece('ROBOT_STREAM', { answer: 'Hel' }), user: { uid: 'robot' } };
      const forged = message({ uid: 's1', type: 'ROBOT_STREAM', content: ' pwned', user: stranger });
      expect(effectsOf({ kind: 'stream', chunk: forged }, facts({ shown: stream }))).toEqual(
        refusedAs('stream-not-sender', stream, 'ROBOT_STREAM', stranger),
      );
      const text = message();
      const onText = message({ type: 'ROBOT_STREAM', content: ' more' });
      expect(effectsOf({ kind: 'stream', chunk: onText }, facts({ shown: text }))).toEqual(
        refusedAs('rewrite', text, 'ROBOT_STREAM', agent),
      );
    });

    it('never lets a later message with a shown uid rewrite it: other content or sender is refused', () => {
      const shown = message();
      const rewrite = message({ content: 'rewritten' });
      expect(effectsOf({ kind: 'message', message: rewrite }, facts({ shown }))).toEqual(
        refusedAs('rewrite', shown, 'TEXT', agent),
      );
      const impostor = message({ user: stranger });
      expect(effectsOf({ kind: 'message', message: impostor }, facts({ shown }))).toEqual(
        refusedAs('rewrite', shown, 'TEXT', stranger),
      );
      // A failed message of mine is not confirmed by someone else's message with its uid.
      expect(effectsOf({ kind: 'message', message: impostor }, facts({ shown: mineAs('FAILED') }))).toEqual(
        refusedAs('rewrite', mineAs('FAILED'), 'TEXT', stranger),
      );
    });

    it('tells a duplicate that rewrites what is shown from a plain copy; a stream’s whole text is a copy', () => {
      const dropped = (copy: WireMessage): Received => ({ kind: 'dropped', reason: 'duplicate', uid: 'm1', copy });
      const log = {
        type: 'log',
        level: 'debug',
        message: 'dropped a received message',
        data: { uid: 'm1', reason: 'duplicate' },
      };
      const shown = message();
      const copy = { ...wire, user: { uid: 'a1', nickname: '', avatar: '', type: '', extra: '' } };
      expect(effectsOf(dropped(copy), facts({ shown }))).toEqual([log]);
      expect(effectsOf(dropped({ ...copy, content: 'rewritten' }), facts({ shown }))).toEqual([
        log,
        ...refusedAs('rewrite', shown, 'TEXT', { uid: 'a1' }),
      ]);
      // History's copy of an answer shown whole already is no news; one the link missed pieces of completes it.
      const stream = piece('ROBOT_STREAM_END', { answer: 'Hello' });
      const whole = JSON.stringify({ answer: 'Hello' });
      expect(
        effectsOf(dropped({ ...copy, type: 'ROBOT_STREAM_END', content: whole }), facts({ shown: stream })),
      ).toEqual([log]);
      const partial = piece('ROBOT_STREAM', { answer: 'Hel' });
      expect(
        effectsOf(dropped({ ...copy, uid: 's1', type: 'ROBOT_STREAM_END', content: whole }), facts({ shown: partial })),
      ).toEqual([
        log,
        {
          type: 'status',
          uid: 's1',
          status: 'SUCCESS',
          changes: { content: whole, stream: { state: 'done', answer: 'Hello', reasoning: '' } },
        },
      ]);
      expect(effectsOf(dropped({ ...copy, content: 'x' }), facts())).toEqual([log]);
    });
  });

  it('names the message each kind is about', () => {
    const recall = { thread, uid: 'r1', user: agent };
    expect(subjectOf({ kind: 'recall', recall })).toBe('r1');
    expect(subjectOf({ kind: 'receipt', receipt: { thread, uid: 'x', kind: 'READ', user: agent } })).toBe('x');
    expect(subjectOf({ kind: 'stored-status', uid: 'y', status: 'READ' })).toBe('y');
    expect(subjectOf({ kind: 'echo', wire })).toBe('m1');
    expect(subjectOf({ kind: 'message', message: message({ uid: 'z' }) })).toBe('z');
    expect(subjectOf({ kind: 'typing', typing: { thread, user: agent, active: true } })).toBeUndefined();
    expect(subjectOf({ kind: 'dropped', reason: 'duplicate', uid: 'd', copy: wire })).toBe('d');
    expect(subjectOf({ kind: 'dropped', reason: 'no-uid', uid: '' })).toBeUndefined();
  });
});
