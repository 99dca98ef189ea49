import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnvironmentChange } from '../interfaces.js';
import { noopLogger } from '../logger.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createInMemoryNetwork } from '../testing/in-memory-network.js';
import { createManualEnvironment } from '../testing/manual-environment.js';
import { seededRandom } from '../testing/seeded-random.js';
import { resolveTiming } from '../timing.js';
import { createConnectionManager } from './manager.js';

type Command =
  | { readonly type: 'start' | 'stop' | 'restart' | 'kick' | 'drop' | 'refuse' | 'accept' }
  | { readonly type: 'env'; readonly change: EnvironmentChange }
  | { readonly type: 'wait'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>(
    { type: 'start' },
    { type: 'stop' },
    { type: 'restart' },
    { type: 'kick' },
    { type: 'drop' },
    { type: 'refuse' },
    { type: 'accept' },
  ),
  fc
    .constantFrom<EnvironmentChange>('online', 'offline', 'visible', 'hidden')
    .map((change): Command => ({ type: 'env', change })),
  fc.integer({ min: 0, max: 70_000 }).map((ms): Command => ({ type: 'wait', ms })),
);

describe('connection manager under random operations (property)', () => {
  it('keeps state and transport in agreement, one connection at most, and no timer after terminal states', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), fc.integer(), async (commands, seed) => {
        const clock = createFakeClock(0);
        const network = createInMemoryNetwork({ clock, random: seededRandom(seed) });
        const realtime = network.realtime({ deviceUid: 'tab' });
        const token = network.issueToken('v1');
        const environment = createManualEnvironment();
        const manager = createConnectionManager({
          realtime,
          auth: { username: 'v1', accessToken: token },
          user: { uid: 'v1' },
          channel: 'WEB',
          clock,
          random: seededRandom(seed + 1),
          environment,
          logger: noopLogger,
          timing: resolveTiming(),
        });
        for (const c of commands) {
          switch (c.type) {
            case 'start':
              void manager.start();
              break;
            case 'stop':
              void manager.stop();
              break;
            case 'restart':
              void manager.restart();
              break;
            case 'kick':
              manager.kicked('FORCE_LOGOUT');
              break;
            case 'drop':
              network.faults.dropConnections();
              break;
            case 'refuse':
              network.faults.refuseConnections(true);
              break;
            case 'accept':
              network.faults.refuseConnections(false);
              break;
            case 'env':
              environment.change(c.change);
              break;
            case 'wait':
              await clock.advanceAsync(c.ms);
              break;
          }
          // Let every in-flight step of the network finish (its latency is 1 ms per step).
          await clock.advanceAsync(20);
          const status = manager.state.status;
          expect(network.connections().length).toBeLessThanOrEqual(1);
          if (status === 'connected') expect(realtime.isConnected()).toBe(true);
          if (status !== 'connected' && status !== 'connecting') expect(realtime.isConnected()).toBe(false);
          if (status === 'closed' || status === 'kicked' || status === 'idle' || status === 'auth-failed') {
            expect(clock.pending()).toBe(0);
          }
          if (status === 'reconnecting' && environment.isOnline()) expect(clock.pending()).toBeGreaterThan(0);
        }
        await manager.dispose();
        await clock.advanceAsync(20);
        expect(clock.pending()).toBe(0);
        expect(realtime.isConnected()).toBe(false);
        expect(environment.listenerCount()).toBe(0);
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });
});
