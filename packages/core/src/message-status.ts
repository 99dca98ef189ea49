/**
 * Which status wins when a message's status changes: the one rule for sends, receipts,
 * recalls, the statuses history keeps, and stream chunks.
 */
import type { LocalStatus } from './api.js';

/**
 * How far along a message is. The send's own steps (QUEUED, SENDING, RETRYING, FAILED) and any
 * status this SDK does not rank share the lowest rank, so a send moves freely between them.
 */
export function statusRank(status: LocalStatus): number {
  switch (status) {
    case 'SUCCESS':
      return 2;
    case 'DELIVERED':
      return 3;
    case 'READ':
      return 4;
    case 'RECALL':
      return 5;
    default:
      return 1;
  }
}

/**
 * The status a message shown as `current` moves to when `proposed` comes: RECALL is final and
 * always wins; otherwise a message never moves back (READ stays READ when a DELIVERED comes,
 * DELIVERED stays when the send reports SUCCESS). FAILED → SUCCESS and RETRYING → SUCCESS are
 * forward: a message of mine confirmed after all. Returns `current` when the proposal is refused.
 */
export function advance(current: LocalStatus, proposed: LocalStatus): LocalStatus {
  if (current === 'RECALL' || proposed === 'RECALL') return 'RECALL';
  return statusRank(proposed) < statusRank(current) ? current : proposed;
}

/** Whether `proposed` would change a message shown as `current` (not refused, not the same). */
export function moves(current: LocalStatus, proposed: LocalStatus): boolean {
  return advance(current, proposed) !== current;
}
