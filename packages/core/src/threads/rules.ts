/**
 * What the thread list makes of a message: whether it is news for the list at all, whether it
 * counts as unread, and the line shown for it. The official agent client's rules: content from
 * others counts; own messages, signals and the thread's own changes (closed, transferred) do not.
 */
import { isSignalMessageType, isThreadChangeMessageType } from '@weiyu/protocol';
import type { LocalMessage } from '../api.js';

/** Broadcast only, never a message of the conversation: CONTINUE (the signals are told apart by name). */
const NOT_CONVERSATION: ReadonlySet<string> = new Set(['CONTINUE']);

/** Whether a message moves its thread on in the list (its last message, its time). */
export function movesThread(message: LocalMessage): boolean {
  return !isSignalMessageType(message.type) && !NOT_CONVERSATION.has(message.type);
}

/** Whether a message from the network counts as unread (before its status is looked at). */
export function countsAsUnread(message: LocalMessage): boolean {
  return !message.mine && movesThread(message) && !isThreadChangeMessageType(message.type);
}

/** The longest line kept, as the server cuts its own. */
const PREVIEW_MAX = 200;

/** The line a thread list shows for a message: its text, a file's name, an address, or `[TYPE]`. */
export function previewOf(message: LocalMessage): string {
  return cut(textOf(message));
}

function textOf(message: LocalMessage): string {
  const parsed = message.parsed;
  switch (parsed.kind) {
    case 'text':
    case 'preview':
      return parsed.text;
    case 'file':
      return parsed.name || `[${message.type}]`;
    case 'location':
      return parsed.address || `[${message.type}]`;
    case 'raw':
      return jsonText(parsed.raw) ?? `[${message.type}]`;
    default:
      return `[${message.type}]`;
  }
}

/** The text a JSON content carries (a system notice's `content`, a robot's `answer`, `text`), if any. */
function jsonText(raw: string): string | undefined {
  if (!raw.startsWith('{')) return raw.length > 0 && raw.length <= 4 * PREVIEW_MAX ? raw : undefined;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    for (const key of ['content', 'answer', 'text']) {
      const text = value[key];
      if (typeof text === 'string' && text !== '') return text;
    }
  } catch {
    // Not JSON after all.
  }
  return undefined;
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_MAX ? flat.slice(0, PREVIEW_MAX) : flat;
}
