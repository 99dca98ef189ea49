import type { MessageType } from '../names.js';

/** Broadcast only, never stored (SPEC §2): typing, processing, preview and continue signals. */
export const NEVER_STORED_TYPES: readonly MessageType[] = ['TYPING', 'PROCESSING', 'PREVIEW', 'CONTINUE'];

/**
 * What the server does with a message of a type besides broadcasting it: `store` it (content
 * and the stored signals REACTION, PLAYBACK, QUOTATION, KICKOFF, SHAKE…), apply it as a
 * `receipt` (DELIVERED, READ) or a `recall` to the message its content names, or nothing (`transient`).
 */
export type MessageKind = 'store' | 'receipt' | 'recall' | 'transient';

/** The {@link MessageKind} of a message type; unknown types are stored. */
export function messageKind(type: MessageType): MessageKind {
  if (type === 'DELIVERED' || type === 'READ') return 'receipt';
  if (type === 'RECALL') return 'recall';
  return NEVER_STORED_TYPES.includes(type) ? 'transient' : 'store';
}
