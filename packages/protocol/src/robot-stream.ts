/**
 * A robot's streamed answer (SPEC §2 "Message kinds"): one uid for the whole answer, sent as
 * ROBOT_STREAM_START, ROBOT_STREAM chunks and a ROBOT_STREAM_END (or _ERROR, _CANCEL), each with
 * JSON content `{question?, questionUid?, answer, reasonContent?, …}` whose `answer` (and
 * `reasonContent`) is the new piece. The server stores one message and concatenates the pieces;
 * a client shows one message whose text grows. Both use these rules.
 */
import type { MessageType } from './names.js';

/** The message types of a streamed answer (ROBOT_STREAM_UNANSWERED is a newer server's end: no answer found). */
export const ROBOT_STREAM_TYPES = [
  'ROBOT_STREAM_START',
  'ROBOT_STREAM',
  'ROBOT_STREAM_END',
  'ROBOT_STREAM_CANCEL',
  'ROBOT_STREAM_UNANSWERED',
  'ROBOT_STREAM_ERROR',
] as const satisfies readonly MessageType[];

const STREAM_TYPES: ReadonlySet<string> = new Set(ROBOT_STREAM_TYPES);

/** Whether a message of this type is a piece of a robot's streamed answer. */
export function isRobotStreamType(type: MessageType): boolean {
  return STREAM_TYPES.has(type);
}

/** What one piece (or the whole answer so far) says: the answer and the robot's reasoning. */
export interface RobotStreamText {
  /** The answer's text. */
  readonly answer: string;
  /** The robot's reasoning (`reasonContent`; on ROBOT_STREAM_ERROR the error's text). */
  readonly reasonContent: string;
}

/** The JSON fields of ROBOT_STREAM chunks that are appended rather than replaced. */
const APPENDED_FIELDS = ['answer', 'reasonContent'] as const;

/** Reads a piece's content: its JSON `answer` and `reasonContent`; content that is no JSON object is the answer itself. */
export function readRobotStream(content: string): RobotStreamText {
  const object = jsonObject(content);
  if (!object) return { answer: content, reasonContent: '' };
  return { answer: text(object.answer), reasonContent: text(object.reasonContent) };
}

/**
 * The content after one more piece with the same uid: the JSON `answer` and `reasonContent`
 * concatenated (other fields from the newest piece); content that is not a JSON object is
 * appended as text.
 */
export function appendRobotStream(stored: string, chunk: string): string {
  const before = jsonObject(stored);
  const next = jsonObject(chunk);
  if (!before || !next) return stored + chunk;
  const merged: Record<string, unknown> = { ...before, ...next };
  for (const field of APPENDED_FIELDS) {
    if (field in before || field in next) merged[field] = text(before[field]) + text(next[field]);
  }
  return JSON.stringify(merged);
}

function jsonObject(content: string): Record<string, unknown> | undefined {
  if (!content.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
