/**
 * A robot's streamed answer as the server sends it (SPEC §2): one uid for the whole answer,
 * ROBOT_STREAM_START (`answer` empty), one ROBOT_STREAM per piece with the piece as `answer`,
 * then ROBOT_STREAM_END (`answer` empty) or ROBOT_STREAM_ERROR (the error's text in
 * `reasonContent`), each with the question it answers. Routed like any message, so the store
 * concatenates the pieces into one message.
 */
import { randomUUID } from 'node:crypto';
import type { WireMessageInit } from '@weiyu/protocol';

/** Options of `MockBroker.streamRobotAnswer`. */
export interface RobotAnswerOptions {
  /** Who answers (default `{uid: 'robot_demo', nickname: '智能助手'}`); always type ROBOT. */
  robot?: {
    /** The robot's uid. */
    uid: string;
    /** Its display name. */
    nickname?: string;
    /** Its avatar image URL. */
    avatar?: string;
  };
  /** The answer's uid (default: a fresh one). */
  uid?: string;
  /** The question it answers (content `question`). */
  question?: string;
  /** How it ends: `end` (default), `error` (ROBOT_STREAM_ERROR), `cancel` (ROBOT_STREAM_CANCEL), or `none` (it never ends). */
  end?: 'end' | 'error' | 'cancel' | 'none';
  /** The error's text for `end: 'error'` (default `服务暂时不可用`). */
  error?: string;
  /** Wait between pieces, in ms (default 0): a client then sees the answer grow piece by piece. */
  delayMs?: number;
}

/** The thread an answer goes to. */
export interface RobotAnswerThread {
  /** The thread's topic. */
  topic: string;
  /** The thread's uid (default `''`). */
  uid?: string;
  /** The thread type (default `ROBOT`). */
  type?: string;
}

const END_TYPES = { end: 'ROBOT_STREAM_END', error: 'ROBOT_STREAM_ERROR', cancel: 'ROBOT_STREAM_CANCEL' } as const;

/** The messages of one streamed answer, in the order they go out. */
export function robotAnswerPieces(
  thread: RobotAnswerThread,
  pieces: readonly string[],
  options: RobotAnswerOptions = {},
): WireMessageInit[] {
  const uid = options.uid ?? randomUUID().replace(/-/g, '');
  const robot = options.robot ?? { uid: 'robot_demo', nickname: '智能助手' };
  const question = options.question === undefined ? {} : { question: options.question };
  const message = (type: string, content: Record<string, unknown>): WireMessageInit => ({
    uid,
    type,
    content: JSON.stringify({ ...question, ...content }),
    status: 'SENDING',
    channel: 'SYSTEM',
    user: { uid: robot.uid, nickname: robot.nickname ?? '', avatar: robot.avatar ?? '', type: 'ROBOT' },
    thread: { uid: thread.uid ?? '', topic: thread.topic, type: thread.type ?? 'ROBOT' },
  });
  const out = [
    message('ROBOT_STREAM_START', { answer: '' }),
    ...pieces.map((answer) => message('ROBOT_STREAM', { answer })),
  ];
  const end = options.end ?? 'end';
  if (end === 'none') return out;
  const reasonContent = end === 'error' ? { reasonContent: options.error ?? '服务暂时不可用' } : {};
  out.push(message(END_TYPES[end], { answer: '', ...reasonContent }));
  return out;
}
