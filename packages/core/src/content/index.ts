/**
 * Message content: builders for what the app sends and a parser for what it receives
 * (SPEC §1.7 and §5). Pure functions; none of them throws.
 */
export {
  type BuiltContent,
  buildContent,
  type PreviewOptions,
  previewContent,
  referenceContent,
  typingContent,
} from './build.js';
export { isMediaUrl } from './fields.js';
export { parseContent } from './parse.js';
export { isReferenceType, isTextLikeType, REFERENCE_TYPES, TEXT_LIKE_TYPES } from './text-like.js';
