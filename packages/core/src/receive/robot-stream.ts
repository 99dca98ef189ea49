/**
 * A robot's streamed answer as the app sees it: one message per uid whose answer grows with
 * each piece (ROBOT_STREAM_START, ROBOT_STREAM chunks), then ends (ROBOT_STREAM_END, _CANCEL,
 * _UNANSWERED: done; ROBOT_STREAM_ERROR: error, its `reasonContent` the error's text).
 *
 * The answer shown is always a beginning of the true answer. Pieces that come live, from the
 * start, are appended. History's copy of an answer (catch-up) is the answer so far; when it is
 * longer than what is shown, it is taken, and the live pieces that come after it may be in it
 * already (catch-up holds a thread's live messages while it reads): each piece goes after the
 * longest run of those pieces that the copy ends with, so none is shown twice.
 *
 * Anyone may post pieces as the robot (the server checks no sender), and each piece costs the
 * length of the answer so far: an answer ends as `error` at the piece that would take its content
 * past {@link MAX_STREAM_LENGTH} characters or its pieces past {@link MAX_STREAM_PIECES}.
 */
import { appendRobotStream, isRobotStreamType, type MessageType, readRobotStream } from '@weiyu/protocol';
import type { LocalMessage, RobotStream } from '../api.js';
import { parseObject } from '../json-object.js';

/**
 * The longest content a streamed answer grows to, in characters (UTF-16 code units): question,
 * answer and reasoning together. Ten times a long LLM answer; each piece re-reads what came before.
 */
export const MAX_STREAM_LENGTH = 100_000;

/** The most pieces a streamed answer takes after the one it was first shown with (a long answer streams some thousands). */
export const MAX_STREAM_PIECES = 10_000;

/** Pieces taken by each stream still streaming (after the one it was first shown with). */
const pieceCounts = new WeakMap<RobotStream, number>();

/** The state a piece of this type leaves its answer in. */
function stateOf(type: MessageType): RobotStream['state'] {
  if (type === 'ROBOT_STREAM_ERROR') return 'error';
  return type === 'ROBOT_STREAM_START' || type === 'ROBOT_STREAM' ? 'streaming' : 'done';
}

/**
 * Text that grew from a copy out of history (`base`) by the live pieces after it (`pieces`):
 * `matched` of them, from the first, are in the copy already. Once the pieces are longer than
 * the copy, no more of them can be in it.
 */
interface Joined {
  readonly base: string;
  readonly pieces: string;
  readonly matched: number;
}

/** Where the answer and reasoning of a stream shown from a copy out of history stand. Streams shown live have none. */
const joins = new WeakMap<RobotStream, { readonly answer: Joined; readonly reasoning: Joined }>();

function join(joined: Joined, piece: string): Joined {
  const pieces = joined.pieces + piece;
  const settled = joined.pieces.length >= joined.base.length;
  const matched = !settled && joined.base.endsWith(pieces) ? pieces.length : joined.matched;
  return { base: joined.base, pieces, matched };
}

const textOf = (joined: Joined): string => joined.base + joined.pieces.slice(joined.matched);
const fresh = (base: string): Joined => ({ base, pieces: '', matched: 0 });

/**
 * The stream of a message first shown with this type and content (a piece, or the whole
 * answer as history holds it: its type then says where it ended); undefined for other types.
 */
export function streamOf(type: MessageType, content: string): RobotStream | undefined {
  if (!isRobotStreamType(type)) return undefined;
  const { answer, reasonContent } = readRobotStream(content);
  const state = stateOf(type);
  if (state === 'error') return { state, answer, reasoning: '', error: reasonContent };
  return { state, answer, reasoning: reasonContent };
}

/** A stream read from history while it still streams: the live pieces after it are joined to it. */
function fromCopy(stream: RobotStream): RobotStream {
  const copy = { ...stream };
  joins.set(copy, { answer: fresh(stream.answer), reasoning: fresh(stream.reasoning) });
  return copy;
}

/** A message read from history, as it is shown: an answer still streaming joins the live pieces after it. */
export function shownFromHistory(message: LocalMessage): LocalMessage {
  return message.stream?.state === 'streaming' ? { ...message, stream: fromCopy(message.stream) } : message;
}

/**
 * A shown answer after one more piece: its content and its stream; ended as `error`, the piece
 * not taken, past {@link MAX_STREAM_PIECES} or {@link MAX_STREAM_LENGTH}.
 */
export function nextPiece(
  shown: LocalMessage & { readonly stream: RobotStream },
  type: MessageType,
  content: string,
): { readonly content: string; readonly stream: RobotStream } {
  const pieces = (pieceCounts.get(shown.stream) ?? 0) + 1;
  if (pieces > MAX_STREAM_PIECES) return cutOff(shown, `more than ${MAX_STREAM_PIECES} pieces`);
  const piece = readRobotStream(content);
  const state = stateOf(type);
  const joined = joins.get(shown.stream);
  // An error's reasonContent is what went wrong, not more reasoning.
  const reasoningPiece = state === 'error' ? '' : piece.reasonContent;
  const answer = joined ? join(joined.answer, piece.answer) : undefined;
  const reasoning = joined ? join(joined.reasoning, reasoningPiece) : undefined;
  const stream: RobotStream = {
    state,
    answer: answer ? textOf(answer) : shown.stream.answer + piece.answer,
    reasoning: reasoning ? textOf(reasoning) : shown.stream.reasoning + reasoningPiece,
    ...(state === 'error' ? { error: piece.reasonContent } : {}),
  };
  const next = contentOf(shown.content, content, stream, joined !== undefined);
  if (next.length > MAX_STREAM_LENGTH) return cutOff(shown, `longer than ${MAX_STREAM_LENGTH} characters`);
  if (state === 'streaming') pieceCounts.set(stream, pieces);
  if (answer && reasoning && state === 'streaming') joins.set(stream, { answer, reasoning });
  return { content: next, stream };
}

/** A shown answer ended where it stands, the piece not taken: an `error` saying why. */
function cutOff(
  shown: LocalMessage & { readonly stream: RobotStream },
  why: string,
): { readonly content: string; readonly stream: RobotStream } {
  const { answer, reasoning } = shown.stream;
  return { content: shown.content, stream: { state: 'error', answer, reasoning, error: `answer cut off: ${why}` } };
}

/**
 * The content as the server stores it; joined to a copy, with the answer and reasoning as shown
 * (content that is no JSON object is the answer itself: appended, it would repeat what the copy
 * holds already). A piece whose form differs from the copy's (JSON after text, text after JSON)
 * never throws: the copy's fields are kept, with the answer and reasoning as shown.
 */
function contentOf(before: string, piece: string, stream: RobotStream, joined: boolean): string {
  const merged = appendRobotStream(before, piece);
  if (!joined) return merged;
  const object = parseObject(merged) ?? parseObject(before);
  if (!object) return stream.answer;
  return JSON.stringify({ ...object, answer: stream.answer, reasonContent: stream.reasoning });
}

/**
 * What history's copy of an answer adds to the one shown: the answer so far, when it is
 * longer (the link missed pieces), or when it ended and the shown one did not.
 */
export function fromHistory(
  shown: LocalMessage & { readonly stream: RobotStream },
  type: MessageType,
  content: string,
): { readonly content: string; readonly stream: RobotStream } | undefined {
  const stored = streamOf(type, content);
  if (!stored) return undefined;
  const longer = stored.answer.length > shown.stream.answer.length;
  const streaming = shown.stream.state === 'streaming';
  if (stored.state !== 'streaming') return longer || streaming ? { content, stream: stored } : undefined;
  return longer && streaming ? { content, stream: fromCopy(stored) } : undefined;
}
