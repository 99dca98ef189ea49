import { isSignalMessageType } from '../names.js';
import { isThreadChangeMessageType } from '../thread-changes.js';

/**
 * Whether a stored message of this type counts in a thread's unread count: content, not the
 * stored signals (reactions, quotations, …) nor the thread's own changes (closed, transferred),
 * as the official agent client counts them.
 */
export function countsAsUnread(type: string): boolean {
  return !isSignalMessageType(type) && !isThreadChangeMessageType(type);
}
