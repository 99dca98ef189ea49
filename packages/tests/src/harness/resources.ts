/**
 * What keeps this process alive (`process.getActiveResourcesInfo()`: sockets, timers, servers),
 * counted by kind, to check that a disposed client left nothing behind.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How many resources of each kind keep the process alive now. */
export type ResourceCounts = ReadonlyMap<string, number>;

/** Counts the active resources by kind. */
export function activeResources(): ResourceCounts {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/**
 * The resources by kind once they stopped changing for `stableMs` (what an earlier test or a
 * server's start left closing is gone), or as they are after `timeoutMs`: a baseline to compare with.
 */
export async function settledResources(stableMs = 300, timeoutMs = 3_000): Promise<ResourceCounts> {
  const deadline = Date.now() + timeoutMs;
  let last = activeResources();
  let since = Date.now();
  for (;;) {
    await sleep(25, undefined, { ref: false });
    const now = activeResources();
    if (!sameCounts(now, last)) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= stableMs || Date.now() >= deadline) {
      return now;
    }
  }
}

function sameCounts(a: ResourceCounts, b: ResourceCounts): boolean {
  return a.size === b.size && [...a].every(([kind, count]) => b.get(kind) === count);
}

/** The kinds with more resources now than in `baseline`, and how many more. */
export function excess(baseline: ResourceCounts, now: ResourceCounts = activeResources()): Record<string, number> {
  const more: Record<string, number> = {};
  for (const [kind, count] of now) {
    const extra = count - (baseline.get(kind) ?? 0);
    if (extra > 0) more[kind] = extra;
  }
  return more;
}

/**
 * Waits until no kind has more resources than in `baseline`, and stays so for `stableMs` (a
 * closed socket takes a turn or two to go, on both ends, and a server may still be accepting a
 * connection opened a moment before), and returns `{}`; or returns what is still in excess at
 * the deadline. The test runner's own resources are in the baseline.
 */
export async function excessAfter(
  baseline: ResourceCounts,
  timeoutMs: number,
  stableMs = 300,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let cleanSince: number | undefined;
  for (;;) {
    // Polled on an unref'd timer, which is not an active resource itself.
    await sleep(25, undefined, { ref: false });
    const more = excess(baseline);
    const now = Date.now();
    if (Object.keys(more).length > 0) cleanSince = undefined;
    else cleanSince ??= now;
    if (cleanSince !== undefined && now - cleanSince >= stableMs) return {};
    if (now >= deadline) return more;
  }
}
