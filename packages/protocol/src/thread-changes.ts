/**
 * Messages that change a thread itself (SPEC §4 "rating/closing" and "transfer"): what they do to
 * the thread's state and transfer status, as the server and the official clients read them.
 */
import type { MessageType, ThreadState } from './names.js';

/** Types that close a thread: the server sends them from the system user when it closes one. */
export const CLOSING_MESSAGE_TYPES = ['AUTO_CLOSED', 'AGENT_CLOSED', 'VISITOR_CLOSED'] as const;

/** A thread's transfer status as the server's `ThreadResponse.transferStatus` names it. */
export type TransferStatus =
  | 'NONE'
  | 'TRANSFER_PENDING'
  | 'TRANSFER_ACCEPTED'
  | 'TRANSFER_REJECTED'
  | 'TRANSFER_TIMEOUT'
  | 'TRANSFER_CANCELED'
  | (string & Record<never, never>);

/** What each transfer message makes of the transferred thread's transfer status. */
const TRANSFER_STATUS_OF: Readonly<Record<string, TransferStatus>> = {
  TRANSFER: 'TRANSFER_PENDING',
  TRANSFER_ACCEPT: 'TRANSFER_ACCEPTED',
  TRANSFER_REJECT: 'TRANSFER_REJECTED',
  TRANSFER_TIMEOUT: 'TRANSFER_TIMEOUT',
  TRANSFER_CANCEL: 'TRANSFER_CANCELED',
};

/** The types that change a thread: the closing ones and the transfer ones. */
export const THREAD_CHANGE_MESSAGE_TYPES: readonly MessageType[] = [
  ...CLOSING_MESSAGE_TYPES,
  ...Object.keys(TRANSFER_STATUS_OF),
];

const CHANGES: ReadonlySet<string> = new Set(THREAD_CHANGE_MESSAGE_TYPES);

/** Whether a message type changes its thread (closes it, or is part of a transfer). */
export function isThreadChangeMessageType(type: string): boolean {
  return CHANGES.has(type);
}

/** The state a message of this type puts its thread in (`CLOSED` for the closing types), or undefined. */
export function threadStateAfter(type: string): ThreadState | undefined {
  return (CLOSING_MESSAGE_TYPES as readonly string[]).includes(type) ? 'CLOSED' : undefined;
}

/** The transfer status a transfer message of this type gives the transferred thread, or undefined. */
export function transferStatusAfter(type: string): TransferStatus | undefined {
  return TRANSFER_STATUS_OF[type];
}

/**
 * The topic of the thread a transfer message is about. TRANSFER and its answers travel between
 * agents (on their `org/member/…` thread) with content `{note, thread: {topic, …}, uid}`; a
 * content that names no thread (an older server, a notice posted in the thread itself) is about
 * `fallback`, the thread it came on. Never throws.
 */
export function transferTopic(content: string, fallback: string): string {
  if (!content.startsWith('{')) return fallback;
  try {
    const value: unknown = JSON.parse(content);
    const thread = typeof value === 'object' && value !== null ? (value as { thread?: unknown }).thread : undefined;
    const topic = typeof thread === 'object' && thread !== null ? (thread as { topic?: unknown }).topic : undefined;
    return typeof topic === 'string' && topic.length > 0 ? topic : fallback;
  } catch {
    return fallback;
  }
}
