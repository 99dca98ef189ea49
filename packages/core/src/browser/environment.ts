import type { Environment, EnvironmentChange } from '../interfaces.js';

/** The part of `window` (or any EventTarget) the environment listens to. */
export interface EventTargetLike {
  /** Starts calling `listener` on events of `type`. */
  addEventListener(type: string, listener: () => void): void;
  /** Stops calling `listener` on events of `type`. */
  removeEventListener(type: string, listener: () => void): void;
}

/** The globals a browser environment reads; each defaults to the page's own. */
export interface BrowserEnvironmentOptions {
  /** Receives `online` / `offline` events (default `window`). */
  readonly window?: EventTargetLike;
  /** Receives `visibilitychange` and says `visibilityState` (default `document`). */
  readonly document?: EventTargetLike & {
    /** `'visible'` while the page is shown; `'hidden'` in a background tab. */
    readonly visibilityState?: string;
  };
  /** Says `onLine` (default `navigator`). */
  readonly navigator?: {
    /** `false` when the browser knows it is offline. */
    readonly onLine?: boolean;
  };
}

interface BrowserGlobals {
  window?: EventTargetLike;
  document?: EventTargetLike & { readonly visibilityState?: string };
  navigator?: { readonly onLine?: boolean };
}

/**
 * An {@link Environment} for web pages: `online` / `offline` from the window's events and
 * `navigator.onLine`, `visible` / `hidden` from the document's `visibilitychange`. The
 * connection reconnects at once when the network comes back or the page is shown again.
 * Where a global is missing it acts as if always online and visible.
 */
export function createBrowserEnvironment(options: BrowserEnvironmentOptions = {}): Environment {
  const globals = globalThis as BrowserGlobals;
  const win = options.window ?? globals.window;
  const doc = options.document ?? globals.document;
  const nav = options.navigator ?? globals.navigator;
  return {
    isOnline: () => nav?.onLine !== false,
    isVisible: () => doc?.visibilityState !== 'hidden',
    subscribe(listener: (change: EnvironmentChange) => void): () => void {
      const online = (): void => listener('online');
      const offline = (): void => listener('offline');
      const visibility = (): void => listener(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      win?.addEventListener('online', online);
      win?.addEventListener('offline', offline);
      doc?.addEventListener('visibilitychange', visibility);
      return () => {
        win?.removeEventListener('online', online);
        win?.removeEventListener('offline', offline);
        doc?.removeEventListener('visibilitychange', visibility);
      };
    },
  };
}
