/** How the playground shows SDK values: status labels, content, connection states. */
import type { ConnectionState, LocalMessage, LocalStatus, ParsedContent } from '@weiyu/core';

const STATUS_LABELS: Readonly<Record<string, string>> = {
  QUEUED: 'queued',
  SENDING: 'sending',
  RETRYING: 'waiting',
  SUCCESS: 'sent',
  DELIVERED: 'delivered',
  READ: 'read',
  FAILED: 'failed',
  RECALL: 'recalled',
};

/** The label of a status: sending, waiting, sent, delivered, read, failed… (unknown ones in lower case). */
export function statusLabel(status: LocalStatus): string {
  return STATUS_LABELS[status] ?? status.toLowerCase();
}

/** Ticks next to a message, as chat apps show them. */
export function statusMark(status: LocalStatus): string {
  switch (status) {
    case 'QUEUED':
    case 'SENDING':
      return '…';
    case 'RETRYING':
      return '🕒';
    case 'SUCCESS':
      return '✓';
    case 'DELIVERED':
      return '✓✓';
    case 'READ':
      return '✓✓';
    case 'FAILED':
      return '⚠';
    default:
      return '';
  }
}

/**
 * When a RETRYING message is tried next, as a row says it: `next try in 4 s`, `next try now`
 * (it is due, or waits for the one before it), or `next try when connected` (retryAt Infinity).
 */
export function nextTry(retryAt: number | undefined, now = Date.now()): string {
  if (retryAt === undefined) return 'next try soon';
  if (!Number.isFinite(retryAt)) return 'next try when connected';
  const seconds = Math.ceil((retryAt - now) / 1000);
  return seconds > 0 ? `next try in ${seconds} s` : 'next try now';
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** One line of text for any content (the log, and a fallback in the conversation). */
export function contentSummary(parsed: ParsedContent): string {
  switch (parsed.kind) {
    case 'text':
      return parsed.text;
    case 'image':
      return `[image] ${parsed.url}`;
    case 'file':
      return `[file] ${parsed.name} (${formatBytes(parsed.size)})`;
    case 'video':
      return `[video] ${parsed.url}`;
    case 'voice':
      return `[voice] ${parsed.url}`;
    case 'audio':
      return `[audio] ${parsed.url}`;
    case 'location':
      return `[location] ${parsed.address} (${parsed.latitude}, ${parsed.longitude})`;
    case 'preview':
      return `[preview] ${parsed.text}`;
    case 'reference':
      return `[ref] ${parsed.uid}`;
    case 'raw':
      return parsed.raw;
    case 'invalid':
      return `[invalid: ${parsed.error.message}] ${parsed.raw}`;
  }
}

export function describeMessage(message: LocalMessage): string {
  return `${message.type} ${message.uid.slice(0, 8)} "${contentSummary(message.parsed).slice(0, 60)}"`;
}

export function connectionLabel(state: ConnectionState): string {
  switch (state.status) {
    case 'idle':
      return state.reason === undefined ? 'idle' : `idle (${state.reason})`;
    case 'connecting':
      return state.attempt > 1 ? `connecting (#${state.attempt})` : 'connecting';
    case 'connected':
      return 'connected';
    case 'reconnecting': {
      // No retry is scheduled while the environment reports offline: the client waits for 'online'.
      if (!Number.isFinite(state.retryAt)) return `waiting for the network (#${state.attempt})`;
      const seconds = Math.max(0, Math.round((state.retryAt - Date.now()) / 1000));
      return `reconnecting in ${seconds} s (#${state.attempt})`;
    }
    case 'auth-failed':
      return `auth failed: ${state.error.message}`;
    case 'failed':
      return `failed: ${state.error.message}`;
    case 'kicked':
      return `kicked: ${state.reason}`;
    case 'closed':
      return 'closed';
  }
}
