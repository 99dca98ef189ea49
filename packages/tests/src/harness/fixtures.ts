import type { ChatThread } from '@weiyu/core';
import { AGENT, DEMO_THREAD, VISITOR } from '@weiyu/mock-broker/testing';

/** The seeded thread as the visitor names it (the other side is the agent). */
export const DEMO_THREAD_FOR_VISITOR: ChatThread = {
  ...DEMO_THREAD,
  user: { uid: AGENT.uid, type: 'AGENT' },
};

/** The seeded thread as the agent names it (the other side is the visitor). */
export const DEMO_THREAD_FOR_AGENT: ChatThread = {
  ...DEMO_THREAD,
  user: { uid: VISITOR.uid, type: 'VISITOR' },
};

/** A TEXT content. */
export function text(value: string): { readonly type: 'TEXT'; readonly text: string } {
  return { type: 'TEXT', text: value };
}
