import { MESSAGE_STATUSES } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { LocalStatus } from './api.js';
import { advance, moves } from './message-status.js';

const MAIN = ['QUEUED', 'SENDING', 'RETRYING', 'FAILED', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'] as const;

/** advance(row, column), written out: rows are the status shown, columns the one proposed. */
const EXPECTED: Record<(typeof MAIN)[number], readonly LocalStatus[]> = {
  //          QUEUED    SENDING    RETRYING    FAILED    SUCCESS    DELIVERED    READ    RECALL
  QUEUED: ['QUEUED', 'SENDING', 'RETRYING', 'FAILED', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'],
  SENDING: ['QUEUED', 'SENDING', 'RETRYING', 'FAILED', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'],
  RETRYING: ['QUEUED', 'SENDING', 'RETRYING', 'FAILED', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'],
  FAILED: ['QUEUED', 'SENDING', 'RETRYING', 'FAILED', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'],
  SUCCESS: ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'DELIVERED', 'READ', 'RECALL'],
  DELIVERED: ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'READ', 'RECALL'],
  READ: ['READ', 'READ', 'READ', 'READ', 'READ', 'READ', 'READ', 'RECALL'],
  RECALL: ['RECALL', 'RECALL', 'RECALL', 'RECALL', 'RECALL', 'RECALL', 'RECALL', 'RECALL'],
};

/** Statuses of the server this SDK does not rank, and one it has never heard of. */
const UNRANKED: readonly LocalStatus[] = [
  ...MESSAGE_STATUSES.filter((s) => !(MAIN as readonly string[]).includes(s)),
  'SOMETHING_NEWER',
];

describe('advance: which status wins', () => {
  for (const current of MAIN) {
    it(`shown ${current}`, () => {
      expect(MAIN.map((proposed) => advance(current, proposed))).toEqual(EXPECTED[current]);
    });
  }

  it('ranks every other status with the send’s own steps', () => {
    expect(UNRANKED).toContain('TIMEOUT');
    for (const other of UNRANKED) {
      for (const status of MAIN) {
        // Shown as an unranked status, anything proposed is taken (it ranks no lower).
        expect(advance(other, status), `${other} ← ${status}`).toBe(status);
        // Proposed over a status that ranks above the send's steps, it is refused.
        const expected = ['SUCCESS', 'DELIVERED', 'READ', 'RECALL'].includes(status) ? status : other;
        expect(advance(status, other), `${status} ← ${other}`).toBe(expected);
      }
    }
  });

  it('returns either the current or the proposed status, and RECALL is final', () => {
    const all = [...MAIN, ...UNRANKED];
    for (const current of all) {
      for (const proposed of all) {
        const next = advance(current, proposed);
        expect([current, proposed]).toContain(next);
        if (current === 'RECALL' || proposed === 'RECALL') expect(next).toBe('RECALL');
        expect(moves(current, proposed)).toBe(next !== current);
      }
    }
  });

  it('names the cases the rule exists for', () => {
    expect(advance('READ', 'DELIVERED')).toBe('READ');
    expect(advance('DELIVERED', 'SUCCESS')).toBe('DELIVERED');
    expect(advance('FAILED', 'SUCCESS')).toBe('SUCCESS');
    expect(advance('RECALL', 'SUCCESS')).toBe('RECALL');
    expect(advance('FAILED', 'SENDING')).toBe('SENDING');
    expect(advance('RETRYING', 'SUCCESS')).toBe('SUCCESS');
    expect(advance('SUCCESS', 'RETRYING')).toBe('SUCCESS');
  });
});
