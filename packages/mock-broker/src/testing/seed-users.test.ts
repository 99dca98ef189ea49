import { describe, expect, it } from 'vitest';
import { loadSeed } from '../seed.js';
import { AGENT, AGENT2, DEMO_THREAD, ORG_UID, VISITOR, VISITOR2 } from './seed-users.js';

describe('seed users', () => {
  const seed = loadSeed();

  it('are the users of the default seed, with their passwords, in its org', () => {
    for (const login of [AGENT, AGENT2, VISITOR, VISITOR2]) {
      expect(seed.users.find((user) => user.uid === login.uid)).toMatchObject({ ...login, orgUid: ORG_UID });
    }
  });

  it('name the seeded thread of the agent and the visitor', () => {
    expect(seed.threads?.find((thread) => thread.uid === DEMO_THREAD.uid)).toMatchObject({
      topic: DEMO_THREAD.topic,
      type: DEMO_THREAD.type,
      participants: [AGENT.uid, VISITOR.uid],
    });
  });
});
