import type { SdkError } from '@weiyu/core';

/**
 * What the Node and the browser build of this package do differently: each entry point passes
 * its build's platform (`platform.node.ts` for Node, `platform.browser.ts` for the `browser`
 * export condition), so a browser bundle carries none of the code only Node needs.
 */
export interface Platform {
  /** The errors of this platform's sockets that mqtt.js passes on as they are, else undefined. */
  readonly classifyError: (error: Error, url: string) => SdkError | undefined;
  /** Prepares mqtt.js's stream just after it was opened (not called for a mini-program's socket). */
  readonly prepareStream: (stream: unknown) => void;
}
