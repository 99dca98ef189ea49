/**
 * Who is in the default seed (`seed/default.json`), with the passwords they log in with, for
 * tests and demos against a default-seeded mock broker. `seed-users.test.ts` checks them
 * against the file.
 */

/** A user of the default seed as a test logs in with it. */
export interface SeedLogin {
  /** The user's uid. */
  readonly uid: string;
  /** The login name (`POST /auth/v1/login`). */
  readonly username: string;
  /** The password. */
  readonly password: string;
}

/** The demo agent (客服小微), on {@link DEMO_THREAD} with {@link VISITOR}. */
export const AGENT: SeedLogin = { uid: 'agent_demo', username: 'agent', password: 'agent123' };
/** A second agent (客服小语), on its own thread with {@link VISITOR2}. */
export const AGENT2: SeedLogin = { uid: 'agent_demo2', username: 'agent2', password: 'agent123' };
/** The demo visitor (访客). */
export const VISITOR: SeedLogin = { uid: 'visitor_demo', username: 'visitor', password: 'visitor123' };
/** A second visitor (访客二). */
export const VISITOR2: SeedLogin = { uid: 'visitor_demo2', username: 'visitor2', password: 'visitor123' };

/** The organisation every seeded user belongs to. */
export const ORG_UID = 'org_demo';

/** The seeded agent ↔ visitor thread. */
export const DEMO_THREAD = {
  /** The thread's uid. */
  uid: 'thread_demo',
  /** Its topic: {@link AGENT} with {@link VISITOR}. */
  topic: 'org/agent/agent_demo/visitor_demo',
  /** An agent thread. */
  type: 'AGENT',
} as const;
