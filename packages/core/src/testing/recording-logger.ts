import type { Logger } from '../interfaces.js';

/** A {@link Logger} that keeps every line, for tests to search (for a message, or for a secret that must not be there). */
export interface RecordingLogger extends Logger {
  /** Every call, oldest first, as `${level} ${message} ${data as JSON}` (errors with their name, code and message). */
  readonly lines: string[];
}

/** A new {@link RecordingLogger} with no lines. */
export function createRecordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, data?: Record<string, unknown>): void => {
      lines.push(data === undefined ? `${level} ${message}` : `${level} ${message} ${toJson(data)}`);
    };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** JSON that never throws: errors keep what they say (JSON.stringify writes `{}`); an object met again is `[circular]`. */
function toJson(data: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(data, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return { name: value.name, ...(code === undefined ? {} : { code }), message: value.message };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}
