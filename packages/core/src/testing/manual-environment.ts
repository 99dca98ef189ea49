import type { Environment, EnvironmentChange } from '../interfaces.js';

/** An {@link Environment} that a test switches by hand. */
export interface ManualEnvironment extends Environment {
  /** Goes online, offline, visible or hidden, and tells every listener (even when nothing changed). */
  change(change: EnvironmentChange): void;
  /** How many listeners are subscribed now (a disposed client leaves none). */
  listenerCount(): number;
}

/** A {@link ManualEnvironment}, online and visible unless told otherwise. */
export function createManualEnvironment(
  initial: { readonly online?: boolean; readonly visible?: boolean } = {},
): ManualEnvironment {
  let online = initial.online ?? true;
  let visible = initial.visible ?? true;
  const listeners = new Set<(change: EnvironmentChange) => void>();
  return {
    isOnline: () => online,
    isVisible: () => visible,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    change(change) {
      if (change === 'online' || change === 'offline') online = change === 'online';
      else visible = change === 'visible';
      for (const listener of [...listeners]) listener(change);
    },
    listenerCount: () => listeners.size,
  };
}
