import { describe, expect, it } from 'vitest';
import type { EnvironmentChange } from '../interfaces.js';
import { createManualEnvironment } from './manual-environment.js';

describe('createManualEnvironment', () => {
  it('is online and visible by default, or as told', () => {
    const env = createManualEnvironment();
    expect([env.isOnline(), env.isVisible()]).toEqual([true, true]);
    const away = createManualEnvironment({ online: false, visible: false });
    expect([away.isOnline(), away.isVisible()]).toEqual([false, false]);
  });

  it('changes state and tells every listener until it unsubscribes', () => {
    const env = createManualEnvironment();
    const seen: EnvironmentChange[] = [];
    const stop = env.subscribe((change) => seen.push(change));
    expect(env.listenerCount()).toBe(1);
    env.change('offline');
    env.change('hidden');
    expect([env.isOnline(), env.isVisible()]).toEqual([false, false]);
    env.change('online');
    env.change('visible');
    expect([env.isOnline(), env.isVisible()]).toEqual([true, true]);
    stop();
    env.change('offline');
    expect(seen).toEqual(['offline', 'hidden', 'online', 'visible']);
    expect(env.listenerCount()).toBe(0);
  });
});
