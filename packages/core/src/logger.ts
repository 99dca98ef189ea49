import { SdkError } from '@weiyu/protocol';
import type { Logger } from './interfaces.js';

/** What replaces a secret in logged text. */
export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret (tokens, passwords) in `text` with `[redacted]`.
 * Empty secrets are ignored; longer secrets are replaced first, so one that contains another
 * never leaves a piece behind.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const sorted = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  sorted.sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of sorted) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * An error safe to show and log: when its message or its cause's message holds a secret, a copy
 * with the secret replaced and without the cause; otherwise the error itself.
 */
export function redactError(error: SdkError, secrets: readonly (string | undefined)[]): SdkError {
  const message = redact(error.message, secrets);
  const cause = error.cause instanceof Error ? error.cause.message : typeof error.cause === 'string' ? error.cause : '';
  const details = safeJson(error.details);
  if (message === error.message && redact(cause, secrets) === cause && redact(details, secrets) === details) {
    return error;
  }
  let safeDetails: Record<string, unknown> = {};
  try {
    safeDetails = JSON.parse(redact(details, secrets)) as Record<string, unknown>;
  } catch {
    // Details that do not survive JSON are dropped rather than risk a secret.
  }
  return new SdkError(error.code, message, { details: safeDetails });
}

/**
 * Wraps a logger so that no secret (the access token) can reach it, whatever the data: the
 * message and every string value are redacted, the secrets asked at every write.
 */
export function redactingLogger(inner: Logger, secrets: () => readonly string[]): Logger {
  const scrub = (message: string, data?: Record<string, unknown>): [string, Record<string, unknown>?] => {
    const list = secrets();
    if (list.length === 0) return data === undefined ? [message] : [message, data];
    const text = redact(message, list);
    if (data === undefined) return [text];
    const clean: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data))
      clean[key] = typeof value === 'string' ? redact(value, list) : value;
    return [text, clean];
  };
  return {
    debug: (m, d) => inner.debug(...scrub(m, d)),
    info: (m, d) => inner.info(...scrub(m, d)),
    warn: (m, d) => inner.warn(...scrub(m, d)),
    error: (m, d) => inner.error(...scrub(m, d)),
  };
}

/** A logger that drops everything: the default of every client. */
export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A log level; each includes the ones after it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** The console methods the console logger writes to. */
export interface ConsoleLike {
  /** Writes a debug line (`console.debug`). */
  debug(...args: unknown[]): void;
  /** Writes an info line (`console.info`). */
  info(...args: unknown[]): void;
  /** Writes a warning (`console.warn`). */
  warn(...args: unknown[]): void;
  /** Writes an error (`console.error`). */
  error(...args: unknown[]): void;
}

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** The lowest level written (default `info`). */
  readonly level?: LogLevel;
  /** Put before every message (default `[weiyu]`). */
  readonly prefix?: string;
  /** Where to write (default the global `console`). */
  readonly console?: ConsoleLike;
  /**
   * Secrets to keep out of the logs, asked at every write (they change when tokens are
   * refreshed). Core never logs a token; this is a second line of defence for app data.
   */
  readonly secrets?: () => readonly (string | undefined)[];
}

/**
 * A {@link Logger} writing to the console, at `level` and above. Data is written as JSON with
 * every secret replaced by `[redacted]`.
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const prefix = options.prefix ?? '[weiyu]';
  const target = options.console ?? (globalThis as { console?: ConsoleLike }).console;
  const write =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, data?: Record<string, unknown>): void => {
      if (!target || LEVELS[level] < threshold) return;
      const secrets = options.secrets?.() ?? [];
      const line = `${prefix} ${message}`;
      if (data === undefined) target[level](redact(line, secrets));
      else target[level](redact(line, secrets), redact(safeJson(data), secrets));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** JSON of log data that never throws (cycles, bigint) and shows errors by code and message. */
function safeJson(data: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(data, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        return code === undefined ? { name: value.name, message: value.message } : { code, message: value.message };
      }
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[circular]';
        seen.add(value);
      }
      return value;
    });
  } catch {
    return '[unserialisable]';
  }
}

/** What a listener threw, for the logs: its message. */
export function describeThrown(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
