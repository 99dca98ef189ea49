import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatTiming, ConnectionState } from '../api.js';
import type { Environment, EnvironmentChange, RealtimeTransport } from '../interfaces.js';
import { noopLogger } from '../logger.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { createInMemoryNetwork, type InMemoryNetwork } from '../testing/in-memory-network.js';
import { seededRandom } from '../testing/seeded-random.js';
import { resolveTiming } from '../timing.js';
import { KICKED_BY_SAME_CLIENT_ID } from './machine.js';
import { type ConnectionManager, createConnectionManager } from './manager.js';

const UID = 'v1';

/**
 * The real server closes the older connection of a clientId with no packet, and the MQTT
 * transport reports that as a plain network drop: so does this wrapper, instead of the
 * in-memory network's kinder `kicked` code.
 */
function reportedAsPlainDrop(inner: RealtimeTransport): RealtimeTransport {
  return {
    ...inner,
    deviceUid: inner.deviceUid,
    on: (listener) =>
      inner.on((event) =>
        listener(
          event.type === 'disconnected' && event.error?.code === 'kicked'
            ? { type: 'disconnected', error: new SdkError('network', 'The connection was lost') }
            : event,
        ),
      ),
  };
}

function managerOn(
  network: InMemoryNetwork,
  clock: FakeClock,
  seed: number,
  timing: Partial<ChatTiming> = {},
  env?: { readonly environment: Environment },
) {
  const realtime = reportedAsPlainDrop(network.realtime({ deviceUid: 'same-device' }));
  const manager = createConnectionManager({
    realtime,
    auth: { username: UID, accessToken: network.issueToken(UID) },
    user: { uid: UID },
    channel: 'WEB',
    clock,
    random: seededRandom(seed),
    logger: noopLogger,
    timing: resolveTiming(timing),
    ...(env ? { environment: env.environment } : {}),
  });
  const states: ConnectionState[] = [];
  manager.onState((s) => states.push(s));
  const kicks: string[] = [];
  manager.onKicked((reason) => kicks.push(reason));
  return { manager, realtime, states, kicks, connects: () => states.filter((s) => s.status === 'connected').length };
}

/** Two managers forced onto one clientId: the second starts while the first is up and stable. */
async function twoOnOneClientId(seed: number, timing: Partial<ChatTiming> = {}) {
  const clock = createFakeClock(0);
  const network = createInMemoryNetwork({ clock, random: seededRandom(seed) });
  const first = managerOn(network, clock, seed * 10 + 1, timing);
  const second = managerOn(network, clock, seed * 10 + 2, timing);
  void first.manager.start();
  await clock.advanceAsync(60_000);
  void second.manager.start();
  return { clock, network, first, second };
}

const stopped = (m: ConnectionManager) => m.state.status === 'kicked';

describe('a clientId taken over by another connection (closed by the server soon after each connect)', () => {
  it('stops one of two clients on one clientId within a few connections, kicked same-client-id, and it stays stopped', async () => {
    const { clock, network, first, second } = await twoOnOneClientId(1);
    for (let t = 0; t < 10 * 60_000 && !stopped(first.manager) && !stopped(second.manager); t += 100) {
      await clock.advanceAsync(100);
    }
    const [loser, winner] = stopped(first.manager) ? [first, second] : [second, first];
    expect(loser.manager.state).toEqual({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
    expect(loser.kicks).toEqual([KICKED_BY_SAME_CLIENT_ID]);
    expect(loser.connects()).toBeLessThanOrEqual(4);
    const attempts = network.stats().connectAttempts;
    await clock.advanceAsync(10 * 60_000);
    expect(network.stats().connectAttempts).toBe(attempts);
    expect(winner.manager.state.status).toBe('connected');
    expect(winner.kicks).toEqual([]);
    expect(clock.pending()).toBeGreaterThan(0); // the winner's wake-detection tick only
    await Promise.all([first.manager.dispose(), second.manager.dispose()]);
  });

  it('stops the loop with the default timing, whatever the jitter (20 seeds)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { clock, first, second } = await twoOnOneClientId(seed);
      let t = 0;
      for (; t < 30 * 60_000 && !stopped(first.manager) && !stopped(second.manager); t += 500) {
        await clock.advanceAsync(500);
      }
      expect(stopped(first.manager) || stopped(second.manager), `seed ${seed}`).toBe(true);
      expect(first.connects() + second.connects(), `seed ${seed}`).toBeLessThanOrEqual(12);
      await Promise.all([first.manager.dispose(), second.manager.dispose()]);
    }
  });

  it('takeoverLimit 0 turns the rule off: the two keep taking turns', async () => {
    const { clock, first, second } = await twoOnOneClientId(3, { takeoverLimit: 0 });
    await clock.advanceAsync(10 * 60_000);
    expect(first.manager.state.status).not.toBe('kicked');
    expect(second.manager.state.status).not.toBe('kicked');
    expect(first.connects() + second.connects()).toBeGreaterThan(12);
    await Promise.all([first.manager.dispose(), second.manager.dispose()]);
  });
});

describe('drops that are not a takeover', () => {
  async function oneManager(timing: Partial<ChatTiming>) {
    const clock = createFakeClock(0);
    const network = createInMemoryNetwork({ clock, random: seededRandom(5) });
    const env = controllableEnvironment();
    const one = managerOn(network, clock, 7, { reconnectBaseMs: 1_000, reconnectMaxMs: 1_000, ...timing }, env);
    void one.manager.start();
    await clock.advanceAsync(100);
    /** Waits for the next connection (at most a minute). */
    const reconnected = async (): Promise<void> => {
      for (let t = 0; t < 60_000 && one.manager.state.status !== 'connected'; t += 10) await clock.advanceAsync(10);
      expect(one.manager.state.status).toBe('connected');
    };
    /** Waits for the next connection, then drops it `afterMs` after it is up. */
    const dropAfter = async (afterMs: number): Promise<void> => {
      await reconnected();
      await clock.advanceAsync(afterMs);
      network.faults.dropConnections();
    };
    return { clock, network, env, dropAfter, reconnected, ...one };
  }

  it('two short connections, then one that lasts: the count starts again', async () => {
    const t = await oneManager({ stableAfterMs: 15_000, takeoverLimit: 3 });
    await t.dropAfter(1_000);
    await t.dropAfter(1_000);
    await t.dropAfter(20_000);
    await t.dropAfter(1_000);
    await t.dropAfter(1_000);
    await t.reconnected();
    await t.dropAfter(1_000);
    expect(t.manager.state).toEqual({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
    expect(t.kicks).toEqual([KICKED_BY_SAME_CLIENT_ID]);
  });

  it('takeoverWithinMs sets what counts as short', async () => {
    const t = await oneManager({ stableAfterMs: 15_000, takeoverWithinMs: 500, takeoverLimit: 2 });
    await t.dropAfter(600);
    await t.dropAfter(600);
    await t.reconnected();
    await t.dropAfter(400);
    await t.dropAfter(400);
    expect(t.manager.state).toMatchObject({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
  });

  it('a failed connect attempt between short connections starts the count again', async () => {
    const t = await oneManager({ takeoverLimit: 3 });
    await t.dropAfter(500);
    await t.dropAfter(500);
    // The reconnect after the second short connection fails.
    t.network.faults.refuseConnections(true);
    await t.clock.advanceAsync(1_100);
    expect(t.manager.state).toMatchObject({ status: 'reconnecting', error: { code: 'connection_refused' } });
    t.network.faults.refuseConnections(false);
    await t.dropAfter(500);
    await t.dropAfter(500);
    await t.reconnected();
    await t.dropAfter(500);
    expect(t.manager.state).toMatchObject({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
  });

  it('a close for a protocol error, or a drop while offline, is not counted', async () => {
    const t = await oneManager({ takeoverLimit: 2 });
    await t.dropAfter(500);
    await t.reconnected();
    // The server closes the link for a packet over its limit: a reason of its own, not a takeover.
    await t.realtime.publish('user/v1', new Uint8Array(20_000), 1).catch(() => undefined);
    expect(t.manager.state).toMatchObject({ status: 'reconnecting', error: { code: 'protocol' } });
    await t.dropAfter(500);
    await t.reconnected();
    t.env.change('offline');
    await t.dropAfter(500);
    t.env.change('online');
    await t.dropAfter(500);
    await t.reconnected();
    await t.dropAfter(500);
    expect(t.manager.state).toMatchObject({ status: 'kicked', reason: KICKED_BY_SAME_CLIENT_ID });
  });
});

function controllableEnvironment() {
  let online = true;
  const listeners = new Set<(c: EnvironmentChange) => void>();
  const environment: Environment = {
    isOnline: () => online,
    isVisible: () => true,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const change = (c: 'online' | 'offline'): void => {
    online = c === 'online';
    for (const l of listeners) l(c);
  };
  return { environment, change };
}
