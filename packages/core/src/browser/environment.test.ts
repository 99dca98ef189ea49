import { describe, expect, it } from 'vitest';
import { alwaysOnlineEnvironment } from '../environment.js';
import type { EnvironmentChange } from '../interfaces.js';
import { createBrowserEnvironment } from './environment.js';

/** A minimal EventTarget (Node's own would do, but core's tests compile without Node types). */
function target() {
  const listeners = new Map<string, Set<() => void>>();
  return {
    addEventListener(type: string, l: () => void) {
      const set = listeners.get(type) ?? new Set();
      set.add(l);
      listeners.set(type, set);
    },
    removeEventListener(type: string, l: () => void) {
      listeners.get(type)?.delete(l);
    },
    dispatch(type: string) {
      for (const l of listeners.get(type) ?? []) l();
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}

describe('createBrowserEnvironment', () => {
  it('reports online/offline and visibility changes, and stops listening', () => {
    const win = target();
    const doc = Object.assign(target(), { visibilityState: 'visible' });
    const nav = { onLine: true };
    const env = createBrowserEnvironment({ window: win, document: doc, navigator: nav });
    expect(env.isOnline()).toBe(true);
    expect(env.isVisible()).toBe(true);
    const seen: EnvironmentChange[] = [];
    const off = env.subscribe((c) => seen.push(c));
    nav.onLine = false;
    win.dispatch('offline');
    expect(env.isOnline()).toBe(false);
    doc.visibilityState = 'hidden';
    doc.dispatch('visibilitychange');
    expect(env.isVisible()).toBe(false);
    doc.visibilityState = 'visible';
    doc.dispatch('visibilitychange');
    win.dispatch('online');
    expect(seen).toEqual(['offline', 'hidden', 'visible', 'online']);
    off();
    expect(win.count() + doc.count()).toBe(0);
    win.dispatch('offline');
    expect(seen).toHaveLength(4);
  });

  it('without browser globals acts as always online and visible', () => {
    const env = createBrowserEnvironment();
    expect(env.isOnline()).toBe(true);
    expect(env.isVisible()).toBe(true);
    env.subscribe(() => {})();
  });
});

describe('alwaysOnlineEnvironment', () => {
  it('is online and visible and never changes', () => {
    expect(alwaysOnlineEnvironment.isOnline()).toBe(true);
    expect(alwaysOnlineEnvironment.isVisible()).toBe(true);
    alwaysOnlineEnvironment.subscribe(() => {
      throw new Error('never called');
    })();
  });
});
