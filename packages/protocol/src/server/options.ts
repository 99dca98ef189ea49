/**
 * How the simulated server behaves. `bytedesk` (the default) is the real Bytedesk server as it
 * is (SPEC §2): open CONNECT, no access rules, topics matched as substrings, the PUBLISH topic
 * ignored. `strict` adds what a hardened deployment would have: token authentication, access
 * rules, the sender must be the token's user, exact topics, `thread.topic` = the PUBLISH topic.
 */
export type ServerMode = 'bytedesk' | 'strict';

/** How history is sorted: the real server by `updatedAt` (a receipt moves a message up), old mocks by creation. */
export type HistoryOrder = 'updatedAt' | 'createdAt';

/** What a RECALL does to the stored message: the real server deletes it (soft), old mocks marked it `RECALL`. */
export type RecallEffect = 'delete' | 'mark';

/** How `createdAt` is written: current servers `yyyy-MM-dd HH:mm:ss` (Asia/Shanghai), older ones epoch ms. */
export type TimeFormat = 'shanghai' | 'epoch';

/**
 * When the sender's echo goes out relative to the PUBACK of its publish: synchronous server
 * builds echo before it, the asynchronous build after it. Carried out by the transports.
 */
export type EchoTiming = 'after-puback' | 'before-puback';

/** Options of the server rules; every one has the real server's value as default. */
export interface ServerRulesOptions {
  /** Default `bytedesk`. */
  readonly mode?: ServerMode;
  /** How long a stored message takes to appear in history (batched writes); default 5,000 ms. 0: at once. */
  readonly historyLagMs?: number;
  /** Default `updatedAt`. */
  readonly historyOrder?: HistoryOrder;
  /** Default `delete`. */
  readonly recall?: RecallEffect;
  /** Default `shanghai`. */
  readonly timeFormat?: TimeFormat;
}

/** The options with every default filled in. */
export interface ResolvedServerRulesOptions {
  /** See {@link ServerRulesOptions.mode}. */
  readonly mode: ServerMode;
  /** See {@link ServerRulesOptions.historyLagMs}. */
  readonly historyLagMs: number;
  /** See {@link ServerRulesOptions.historyOrder}. */
  readonly historyOrder: HistoryOrder;
  /** See {@link ServerRulesOptions.recall}. */
  readonly recall: RecallEffect;
  /** See {@link ServerRulesOptions.timeFormat}. */
  readonly timeFormat: TimeFormat;
}

/** The real server's write lag: messages go from a Redis list to the database about every 5 s. */
export const DEFAULT_HISTORY_LAG_MS = 5_000;

/** The page size of `GET /api/v1/message/query/topic` when none is asked for (no cap either way). */
export const DEFAULT_HISTORY_PAGE_SIZE = 10;

/** Fills in the defaults of {@link ServerRulesOptions}. Throws on a negative lag. */
export function resolveServerRulesOptions(options: ServerRulesOptions = {}): ResolvedServerRulesOptions {
  const historyLagMs = options.historyLagMs ?? DEFAULT_HISTORY_LAG_MS;
  if (!(historyLagMs >= 0)) throw new RangeError(`historyLagMs must be ≥ 0, got ${historyLagMs}`);
  return {
    mode: options.mode ?? 'bytedesk',
    historyLagMs,
    historyOrder: options.historyOrder ?? 'updatedAt',
    recall: options.recall ?? 'delete',
    timeFormat: options.timeFormat ?? 'shanghai',
  };
}
