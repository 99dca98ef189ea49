/** A robot's streamed answer through a whole client, on the in-memory server's rules: one growing message that ends. */
import { describe, expect, it } from 'vitest';
import type { LocalMessage } from './api.js';
import { createWorld, dropLink, nextConnected } from './client.fixtures.js';

const robot = { uid: 'robot_1', nickname: '小助手', type: 'ROBOT' };

function setup() {
  const world = createWorld();
  const base = {
    uid: 'answer-1',
    status: 'SENDING',
    channel: 'SYSTEM',
    user: robot,
    thread: { uid: world.thread.uid, topic: world.thread.topic, type: 'AGENT' },
  };
  const piece = (type: string, content: Record<string, unknown>) =>
    world.network.publish({ ...base, type, content: JSON.stringify(content) });
  return { world, piece };
}

describe('a robot’s streamed answer', () => {
  it('shows as one message whose answer grows with each chunk, each growth a status event, then ends', async () => {
    const { world, piece } = setup();
    const visitor = world.client('v1');
    await world.online(visitor);
    const messages: LocalMessage[] = [];
    const growth: string[] = [];
    visitor.on('message', (m) => messages.push(m));
    visitor.on('status', ({ message }) => {
      if (message.stream) growth.push(`${message.stream.state}:${message.stream.answer}`);
    });

    piece('ROBOT_STREAM_START', { question: '营业时间？', answer: '' });
    for (const answer of ['我们', '每天', '9 点营业。']) piece('ROBOT_STREAM', { answer });
    piece('ROBOT_STREAM_END', { answer: '' });
    await world.clock.advanceAsync(20);

    expect(messages.map((m) => [m.uid, m.stream?.state])).toEqual([['answer-1', 'streaming']]);
    expect(growth).toEqual([
      'streaming:我们',
      'streaming:我们每天',
      'streaming:我们每天9 点营业。',
      'done:我们每天9 点营业。',
    ]);
    const [shown] = visitor.messages(world.thread.topic);
    expect(shown?.parsed).toEqual({ kind: 'text', text: '我们每天9 点营业。' });
    expect(shown?.stream).toEqual({ state: 'done', answer: '我们每天9 点营业。', reasoning: '' });
    // The server stored one message, the whole answer, as the client shows it.
    expect(world.network.history(world.thread.topic).map((m) => [m.type, JSON.parse(m.content).answer])).toEqual([
      ['ROBOT_STREAM_END', '我们每天9 点营业。'],
    ]);
  });

  it('ends in error with the server’s text; pieces after the end change nothing', async () => {
    const { world, piece } = setup();
    const visitor = world.client('v1');
    await world.online(visitor);
    piece('ROBOT_STREAM', { answer: '稍等', reasonContent: '查询中' });
    piece('ROBOT_STREAM_ERROR', { answer: '', reasonContent: '服务暂时不可用' });
    piece('ROBOT_STREAM', { answer: '迟到的片段' });
    await world.clock.advanceAsync(20);
    expect(visitor.messages(world.thread.topic)[0]?.stream).toEqual({
      state: 'error',
      answer: '稍等',
      reasoning: '查询中',
      error: '服务暂时不可用',
    });
  });

  it('a link that drops mid-answer: catch-up brings the whole answer and its end', async () => {
    const { world, piece } = setup();
    const visitor = world.client('v1');
    await world.online(visitor);
    piece('ROBOT_STREAM', { answer: 'Hel' });
    await world.clock.advanceAsync(20);
    dropLink(world.network, 'v1');
    piece('ROBOT_STREAM', { answer: 'lo' });
    piece('ROBOT_STREAM_END', { answer: '' });
    await world.run(nextConnected(visitor));
    await world.clock.advanceAsync(100);
    expect(visitor.messages(world.thread.topic).map((m) => [m.uid, m.stream])).toEqual([
      ['answer-1', { state: 'done', answer: 'Hello', reasoning: '' }],
    ]);
  });
  it('a piece that comes after its thread was let go and taken back is no second message', async () => {
    const { world, piece } = setup();
    const visitor = world.client('v1');
    await world.online(visitor);
    const messages: string[] = [];
    visitor.on('message', (m) => messages.push(m.uid));
    piece('ROBOT_STREAM', { answer: 'Hel' });
    await world.clock.advanceAsync(20);
    // The timeline lets the thread go; the duplicate filter still knows the answer's uid.
    await world.run(visitor.unsubscribe([world.thread.topic]));
    await world.run(visitor.subscribe([world.thread.topic]));
    piece('ROBOT_STREAM', { answer: 'lo' });
    await world.clock.advanceAsync(100);
    expect(messages).toEqual(['answer-1']);
  });
});
