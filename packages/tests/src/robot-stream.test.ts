/**
 * A robot's streamed answer over real sockets (issue 11 item 7): the mock broker streams
 * ROBOT_STREAM_START, chunks and the end with one uid, as the server does; the client shows one
 * message whose answer grows and then ends (or fails), and one that comes later reads the same
 * answer from history.
 */
import { DEMO_THREAD, NO_HISTORY_LAG, startTestBroker, VISITOR, VISITOR2 } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const PIECES = ['您好，', '我们每天 ', '9 点营业。'];

describe('robot streaming', () => {
  test('chunks show as one growing message that ends; a late client reads the whole answer from history', async () => {
    // History at once, and the visitor's first catch-up over, so every piece arrives live (a client still
    // holding live messages for its first pass may read the whole answer from history first: one message, done).
    await using broker = await startTestBroker(NO_HISTORY_LAG);
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);

    const uid = await broker.streamRobotAnswer(DEMO_THREAD, PIECES, { question: '营业时间？', delayMs: 30 });
    const ended = await visitor.events.waitFor(
      'status',
      ({ message }) => message.uid === uid && message.stream?.state === 'done',
      {
        timeoutMs: 15_000,
      },
    );
    expect(ended.message.stream).toEqual({ state: 'done', answer: PIECES.join(''), reasoning: '' });
    expect(ended.message.parsed).toEqual({ kind: 'text', text: PIECES.join('') });
    expect(ended.message.user).toMatchObject({ uid: 'robot_demo', type: 'ROBOT' });

    // One message, grown piece by piece: each a status event with the answer so far.
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
    const answers = visitor.events
      .of('status')
      .filter(({ message }) => message.uid === uid)
      .map(({ message }) => `${message.stream?.state}:${message.stream?.answer}`);
    expect(answers).toEqual([
      'streaming:您好，',
      'streaming:您好，我们每天 ',
      'streaming:您好，我们每天 9 点营业。',
      'done:您好，我们每天 9 点营业。',
    ]);
    expect(visitor.client.messages(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);

    // The server stored one message, the whole answer; a client that comes later reads it as it ended.
    expect(broker.history(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
    await using late = await createTestClient(broker, { ...VISITOR2, topics: [TOPIC] });
    const read = await late.events.waitFor('message', (m) => m.uid === uid, { timeoutMs: 15_000 });
    expect(read.stream).toEqual({ state: 'done', answer: PIECES.join(''), reasoning: '' });
  });

  test('an answer streaming through a fresh subscription’s first catch-up (history 5 s late) shows each piece once', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    // 24 pieces 300 ms apart: the answer is still streaming when the client reads history again after the lag,
    // with live pieces held meanwhile that history may have already.
    const pieces = Array.from({ length: 24 }, (_, i) => `第${i}段；`);
    const uid = await broker.streamRobotAnswer(DEMO_THREAD, pieces, { delayMs: 300 });
    const done = await waitFor(
      () => visitor.client.messages(TOPIC).find((m) => m.uid === uid && m.stream?.state === 'done'),
      { timeoutMs: 20_000, message: 'the answer done' },
    );
    expect(done.stream?.answer).toBe(pieces.join(''));
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
  });

  test('a link that drops mid-answer: the answer ends whole, each piece once (history’s copy joined to the live pieces)', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);
    const pieces = Array.from({ length: 30 }, (_, i) => `<${i}>`);
    const streaming = broker.streamRobotAnswer(DEMO_THREAD, pieces, { delayMs: 250 });
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => (m.stream?.answer.length ?? 0) > 10), {
      message: 'the answer begun',
    });
    // Pieces go by while the link is down; on the reconnect catch-up holds live messages while it reads history.
    broker.faults.drop({ userUid: VISITOR.uid });
    const uid = await streaming;
    const done = await waitFor(
      () => visitor.client.messages(TOPIC).find((m) => m.uid === uid && m.stream?.state === 'done'),
      { timeoutMs: 25_000, message: 'the answer done' },
    );
    expect(done.stream?.answer).toBe(pieces.join(''));
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
  });

  test('an answer that fails ends in error with the server’s text', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    const uid = await broker.streamRobotAnswer(DEMO_THREAD, ['稍等，'], { end: 'error', error: '服务暂时不可用' });
    // Live, or read whole from history while the first catch-up holds live messages: the same end.
    const shownAs = (m: { uid: string; stream?: { state: string } }) => m.uid === uid && m.stream?.state === 'error';
    const errors = await waitFor(() => visitor.client.messages(TOPIC).find(shownAs), {
      timeoutMs: 15_000,
      message: 'the answer shown in error',
    });
    expect(errors.stream).toEqual({ state: 'error', answer: '稍等，', reasoning: '', error: '服务暂时不可用' });
    expect(visitor.client.messages(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
  });
});
