import type { ChatThread } from '@weiyu/core';

/** The default seed of the mock broker (packages/mock-broker/seed/default.json). */
export const AGENT = { username: 'agent', password: 'agent123', uid: 'agent_demo' } as const;
export const AGENT2 = { username: 'agent2', password: 'agent123', uid: 'agent_demo2' } as const;
export const VISITOR = { username: 'visitor', password: 'visitor123', uid: 'visitor_demo' } as const;
export const VISITOR2 = { username: 'visitor2', password: 'visitor123', uid: 'visitor_demo2' } as const;
export const ORG_UID = 'org_demo';

/** The seeded agent ↔ visitor thread. */
export const DEMO_THREAD: ChatThread = {
  uid: 'thread_demo',
  topic: 'org/agent/agent_demo/visitor_demo',
  type: 'AGENT',
};

/** The same thread as the visitor names it (the other side is the agent). */
export const DEMO_THREAD_FOR_VISITOR: ChatThread = {
  ...DEMO_THREAD,
  user: { uid: AGENT.uid, type: 'AGENT' },
};

/** The same thread as the agent names it (the other side is the visitor). */
export const DEMO_THREAD_FOR_AGENT: ChatThread = {
  ...DEMO_THREAD,
  user: { uid: VISITOR.uid, type: 'VISITOR' },
};

/** A TEXT content. */
export function text(value: string): { readonly type: 'TEXT'; readonly text: string } {
  return { type: 'TEXT', text: value };
}
