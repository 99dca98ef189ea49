import { classifyNodeError } from './classify-node-error.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { Platform } from './platform.js';

/** Node: its socket, TLS and `ws` upgrade errors classified, and `ws`'s writes coalesced. */
export const nodePlatform: Platform = { classifyError: classifyNodeError, prepareStream: coalesceWrites };
