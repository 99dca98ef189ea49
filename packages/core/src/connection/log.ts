/** How the connection shows in logs: states and errors, never a token. */
import { SdkError } from '@weiyu/protocol';
import type { ConnectionState } from '../api.js';

/** A state for the logs (errors are redacted before they reach a state). */
export function describeState(state: ConnectionState): string {
  switch (state.status) {
    case 'idle':
      return `idle${state.reason ? ` (${state.reason})` : ''}`;
    case 'connecting':
      return `connecting (attempt ${state.attempt})`;
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return Number.isFinite(state.retryAt)
        ? `reconnecting (attempt ${state.attempt} at ${state.retryAt}${state.error ? `, after ${state.error.code}` : ''})`
        : `reconnecting (attempt ${state.attempt} when back online)`;
    case 'auth-failed':
      return `auth-failed (${state.error.code})`;
    case 'failed':
      return `failed (${state.error.code})`;
    case 'kicked':
      return `kicked (${state.reason})`;
    case 'closed':
      return 'closed';
  }
}

/** An error for the logs: its code and message. */
export function describeError(error: unknown): string {
  if (error instanceof SdkError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
