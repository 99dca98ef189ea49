import { normalizeMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { LocalMessage, RobotStream } from '../api.js';
import { messageFromWire } from '../message.js';
import { fromHistory, MAX_STREAM_LENGTH, MAX_STREAM_PIECES, nextPiece, shownFromHistory } from './robot-stream.js';

type Streamed = LocalMessage & { readonly stream: RobotStream };

const json = (answer: string, reasonContent?: string) =>
  JSON.stringify(reasonContent === undefined ? { answer } : { answer, reasonContent });

/** A message as the client shows it when `type` is the first it sees of the answer, live or from history. */
function shown(type: string, answer: string, from: 'live' | 'history' = 'live', reasonContent?: string): Streamed {
  const wire = normalizeMessage({ uid: 's1', type, content: json(answer, reasonContent), status: 'READ' });
  const message = messageFromWire(wire, { selfUid: 'v1', now: 0, topic: 't' });
  const result = from === 'history' ? shownFromHistory(message) : message;
  if (!result.stream) throw new Error('no stream');
  return result as Streamed;
}

/** Applies pieces (type, answer[, reasoning]) in order, as the client does, and returns the stream. */
function apply(start: Streamed, pieces: ReadonlyArray<readonly [string, string, string?]>): Streamed {
  let message = start;
  for (const [type, answer, reasonContent] of pieces) {
    const next = nextPiece(message, type, json(answer, reasonContent));
    message = { ...message, content: next.content, stream: next.stream };
  }
  return message;
}

describe('a streamed answer', () => {
  it('live from its start: every piece is appended, repeats included', () => {
    const end = apply(shown('ROBOT_STREAM_START', ''), [
      ['ROBOT_STREAM', '好'],
      ['ROBOT_STREAM', '好'],
      ['ROBOT_STREAM_END', ''],
    ]);
    expect(end.stream).toEqual({ state: 'done', answer: '好好', reasoning: '' });
    expect(JSON.parse(end.content)).toEqual({ answer: '好好' });
  });

  it('read from history mid-answer, then the live pieces held meanwhile (some in the copy already): each once', () => {
    // The copy has A and B; the held pieces from the start come after it.
    const fromStart = apply(shown('ROBOT_STREAM', 'AB', 'history'), [
      ['ROBOT_STREAM_START', ''],
      ['ROBOT_STREAM', 'A'],
      ['ROBOT_STREAM', 'B'],
      ['ROBOT_STREAM', 'C'],
      ['ROBOT_STREAM_END', ''],
    ]);
    expect(fromStart.stream).toEqual({ state: 'done', answer: 'ABC', reasoning: '' });
    expect(JSON.parse(fromStart.content)).toMatchObject({ answer: 'ABC' });
    // From the middle of the copy.
    expect(
      apply(shown('ROBOT_STREAM', 'ABC', 'history'), [
        ['ROBOT_STREAM', 'BC'],
        ['ROBOT_STREAM', 'D'],
      ]).stream.answer,
    ).toBe('ABCD');
    // None in it: all appended.
    expect(
      apply(shown('ROBOT_STREAM', 'AB', 'history'), [
        ['ROBOT_STREAM', 'C'],
        ['ROBOT_STREAM', 'D'],
      ]).stream.answer,
    ).toBe('ABCD');
  });

  it('plain-text pieces after a plain-text copy from history: the content is the answer, each piece once', () => {
    // The content of each piece is its text (no JSON), as some robots and forgers send it.
    const wire = normalizeMessage({ uid: 's1', type: 'ROBOT_STREAM', content: 'Hello', status: 'READ' });
    let message = shownFromHistory(messageFromWire(wire, { selfUid: 'v1', now: 0, topic: 't' })) as Streamed;
    for (const piece of ['Hel', 'lo', ' world']) {
      const next = nextPiece(message, 'ROBOT_STREAM', piece);
      message = { ...message, content: next.content, stream: next.stream };
    }
    expect(message.stream.answer).toBe('Hello world');
    expect(message.content).toBe('Hello world');
  });

  it('a piece of the other form than the copy (text after JSON, JSON after text) never throws', () => {
    const fromJson = nextPiece(shown('ROBOT_STREAM', 'AB', 'history'), 'ROBOT_STREAM', '{not json');
    expect(fromJson.stream.answer).toBe('AB{not json');
    expect(JSON.parse(fromJson.content)).toMatchObject({ answer: 'AB{not json' });
    const wire = normalizeMessage({ uid: 's1', type: 'ROBOT_STREAM', content: 'AB', status: 'READ' });
    const fromText = shownFromHistory(messageFromWire(wire, { selfUid: 'v1', now: 0, topic: 't' })) as Streamed;
    expect(nextPiece(fromText, 'ROBOT_STREAM', json('C')).content).toBe('ABC');
  });

  it('joins the reasoning the same way, and an error ends it with the server’s text', () => {
    const end = apply(shown('ROBOT_STREAM', 'A', 'history', 'r1'), [
      ['ROBOT_STREAM', 'A', 'r1'],
      ['ROBOT_STREAM', 'B', 'r2'],
      ['ROBOT_STREAM_ERROR', '', '服务暂时不可用'],
    ]);
    expect(end.stream).toEqual({ state: 'error', answer: 'AB', reasoning: 'r1r2', error: '服务暂时不可用' });
  });

  it('takes history’s copy when it is longer or ended, and joins the live pieces after a copy still streaming', () => {
    const live = apply(shown('ROBOT_STREAM_START', ''), [['ROBOT_STREAM', 'A']]);
    expect(fromHistory(live, 'ROBOT_STREAM', json('A'))).toBeUndefined();
    const longer = fromHistory(live, 'ROBOT_STREAM', json('ABC'));
    expect(longer?.stream).toEqual({ state: 'streaming', answer: 'ABC', reasoning: '' });
    const joined = apply({ ...live, ...longer } as Streamed, [
      ['ROBOT_STREAM', 'C'],
      ['ROBOT_STREAM', 'D'],
    ]);
    expect(joined.stream.answer).toBe('ABCD');
    expect(fromHistory(live, 'ROBOT_STREAM_END', json('A'))?.stream.state).toBe('done');
    // An answer that ended takes only a longer whole one (the link missed pieces in the middle).
    const ended = apply(live, [['ROBOT_STREAM_END', '']]);
    expect(fromHistory(ended, 'ROBOT_STREAM_END', json('A'))).toBeUndefined();
    expect(fromHistory(ended, 'ROBOT_STREAM', json('AXY'))).toBeUndefined();
    expect(fromHistory(ended, 'ROBOT_STREAM_END', json('AXY'))?.stream.answer).toBe('AXY');
  });

  it('ends as error at the piece past its limits: anyone may post pieces as the robot, without end', () => {
    // Empty pieces add nothing, yet each costs the answer so far: the count ends them.
    let message = apply(shown('ROBOT_STREAM_START', ''), [['ROBOT_STREAM', 'A']]);
    for (let i = 1; i < MAX_STREAM_PIECES; i++) {
      const next = nextPiece(message, 'ROBOT_STREAM', json(''));
      message = { ...message, content: next.content, stream: next.stream };
    }
    expect(message.stream.state).toBe('streaming');
    const cut = nextPiece(message, 'ROBOT_STREAM', json('B'));
    expect(cut.stream).toEqual({
      state: 'error',
      answer: 'A',
      reasoning: '',
      error: `answer cut off: more than ${MAX_STREAM_PIECES} pieces`,
    });
    expect(cut.content).toBe(message.content);
    // Long pieces: the one that would take the content past the length is not taken.
    const big = 'x'.repeat(MAX_STREAM_LENGTH / 4);
    const long = apply(shown('ROBOT_STREAM_START', ''), [
      ['ROBOT_STREAM', big],
      ['ROBOT_STREAM', big],
      ['ROBOT_STREAM', big],
      ['ROBOT_STREAM', big],
      ['ROBOT_STREAM', big],
    ]);
    expect(long.stream).toMatchObject({
      state: 'error',
      answer: big.repeat(3),
      error: expect.stringContaining('longer'),
    });
    expect(long.content.length).toBeLessThanOrEqual(MAX_STREAM_LENGTH);
    // A copy from history starts the count again, with its own length.
    const copy = apply(shown('ROBOT_STREAM', big, 'history'), [['ROBOT_STREAM', 'y']]);
    expect(copy.stream).toMatchObject({ state: 'streaming', answer: `${big}y` });
  });
});
