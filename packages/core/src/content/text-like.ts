import type { MessageType } from '@weiyu/protocol';

/**
 * Message types whose content is plain text, shown as it is: the guide's text types (TEXT,
 * WELCOME, NOTICE, TYPING, PROCESSING) and the basic types that carry one plain value
 * (a phone number, an e-mail address, a URL, …). DELIVERED, READ and RECALL also carry a
 * plain string, but it is a message uid: they are references, not text.
 */
export const TEXT_LIKE_TYPES = [
  'TEXT',
  'WELCOME',
  'CONTINUE',
  'SYSTEM',
  'NOTICE',
  'TYPING',
  'PROCESSING',
  'PHONE_NUMBER',
  'EMAILL_ADDRESS',
  'WECHAT_NUMBER',
  'EMAIL',
  'URL',
] as const satisfies readonly MessageType[];

/** Message types whose content is the uid of another message (receipts and recall). */
export const REFERENCE_TYPES = ['DELIVERED', 'READ', 'RECALL'] as const satisfies readonly MessageType[];

const textLike: ReadonlySet<string> = new Set(TEXT_LIKE_TYPES);
const references: ReadonlySet<string> = new Set(REFERENCE_TYPES);

/** Whether messages of this type carry plain text that is shown as it is (see {@link TEXT_LIKE_TYPES}). */
export function isTextLikeType(type: MessageType): boolean {
  return textLike.has(type);
}

/** Whether messages of this type carry the uid of another message (DELIVERED, READ, RECALL). */
export function isReferenceType(type: MessageType): boolean {
  return references.has(type);
}
