/**
 * Paging back through a thread's REST history to the first message where nothing is missing
 * before it: what the thread missed while this client was away. The real server keeps no
 * offline queue, so catch-up (driver.ts) runs this after every connect whatever the broker does.
 */
import type { WireMessage } from '@weiyu/protocol';
import type { RestCallOptions, RestTransport } from '../interfaces.js';

/** Options of {@link fetchMissed}. */
export interface FetchMissedOptions {
  readonly rest: RestTransport;
  readonly topic: string;
  readonly pageSize: number;
  readonly maxPages: number;
  /** Whether paging may stop at a message: nothing is missing before it (a stop point). */
  readonly isKnown: (uid: string) => boolean;
  readonly call?: RestCallOptions;
}

/** What {@link fetchMissed} found. */
export interface MissedMessages {
  /** The messages newer than the newest known one, oldest first. */
  readonly messages: WireMessage[];
  readonly pages: number;
  /**
   * The known message paging stopped at, as history has it now: its stored status may have
   * moved on (a READ receipt sent while this client was away).
   */
  readonly boundary?: WireMessage;
}

/**
 * Pages through a topic's history, newest first, until a known uid (or the oldest page, or
 * `maxPages`), and returns what was missed, oldest first. Rejects when a REST call fails.
 */
export async function fetchMissed(options: FetchMissedOptions): Promise<MissedMessages> {
  const newestFirst: WireMessage[] = [];
  const taken = new Set<string>();
  for (let pageNumber = 0; pageNumber < options.maxPages; pageNumber++) {
    const page = await options.rest.queryTopic(
      { topic: options.topic, pageNumber, pageSize: options.pageSize },
      options.call,
    );
    for (const message of page.messages) {
      if (options.isKnown(message.uid)) {
        return { messages: newestFirst.reverse(), pages: pageNumber + 1, boundary: message };
      }
      // New messages arriving while we page push older ones onto the next page: take each once.
      if (taken.has(message.uid)) continue;
      taken.add(message.uid);
      newestFirst.push(message);
    }
    if (page.last || page.messages.length === 0) {
      return { messages: newestFirst.reverse(), pages: pageNumber + 1 };
    }
  }
  return { messages: newestFirst.reverse(), pages: options.maxPages };
}
