/**
 * The topics a client wants and the ones subscribed on the current connection: subscribed in
 * batches, a refused batch tried topic by topic, refused topics dropped from the wanted set.
 */
import { SdkError, validateTopic } from '@weiyu/protocol';
import type { RealtimeTransport } from '../interfaces.js';
import { isLinkDown, isSubscribeRefusal } from '../retry/policy.js';

/** Options of {@link createSubscriptions}. */
export interface SubscriptionsOptions {
  readonly realtime: Pick<RealtimeTransport, 'subscribe' | 'unsubscribe' | 'isConnected'>;
  /** The user's own topics: always wanted, first, never unsubscribed. */
  readonly ownTopics: readonly string[];
  /** Topics per SUBSCRIBE and UNSUBSCRIBE packet. */
  readonly batchSize: number;
  /** Whether a connection is up and announced (only then are topics subscribed at once). */
  readonly isConnected: () => boolean;
  /** Turns a transport failure into a redacted SdkError. */
  readonly clean: (reason: unknown) => SdkError;
}

/** The wanted and the subscribed topics of one client. */
export interface Subscriptions {
  /** The wanted topics, the user's own first. */
  topics(): readonly string[];
  /** Whether a topic is wanted (O(1): asked for every message received). */
  wants(topic: string): boolean;
  /**
   * Subscribes every wanted topic not yet subscribed on this connection, until none is left or
   * `current()` turns false (the attempt was given up). Refused topics go to `onRefused`.
   */
  subscribeWanted(current: () => boolean, onRefused: (error: SdkError) => void): Promise<void>;
  /** Adds topics to the wanted set and subscribes them now when connected (see the manager). */
  subscribe(list: readonly string[]): Promise<void>;
  /** Removes topics from the wanted set (never the user's own) and unsubscribes them when connected. */
  unsubscribe(list: readonly string[]): Promise<void>;
  /** The connection went away: nothing is subscribed any more. */
  connectionLost(): void;
}

/** Creates the {@link Subscriptions} of one client. */
export function createSubscriptions(options: SubscriptionsOptions): Subscriptions {
  const { realtime, batchSize, isConnected, clean } = options;
  const own = new Set(options.ownTopics);
  /** Wanted topics, in the order they were asked for. */
  const wanted = new Set<string>(options.ownTopics);
  /** Topics subscribed on the current connection. */
  const active = new Set<string>();

  /**
   * Subscribes topics in batches and marks them active. A batch the broker refuses is tried
   * topic by topic; refused topics leave the wanted set and are returned.
   */
  const subscribeTopics = async (list: readonly string[]): Promise<string[]> => {
    const refused: string[] = [];
    for (let i = 0; i < list.length; i += batchSize) {
      const batch = list.slice(i, i + batchSize);
      try {
        await realtime.subscribe(batch, 1);
        for (const topic of batch) active.add(topic);
      } catch (reason) {
        const error = clean(reason);
        if (!isSubscribeRefusal(error)) throw error;
        refused.push(...(await subscribeOneByOne(batch)));
      }
    }
    return refused;
  };

  const subscribeOneByOne = async (batch: readonly string[]): Promise<string[]> => {
    const refused: string[] = [];
    for (const topic of batch) {
      try {
        await realtime.subscribe([topic], 1);
        active.add(topic);
      } catch (single) {
        const error = clean(single);
        if (!isSubscribeRefusal(error)) throw error;
        refused.push(topic);
        wanted.delete(topic);
      }
    }
    return refused;
  };

  return {
    topics: () => [...wanted],
    wants: (topic) => wanted.has(topic),
    async subscribeWanted(current, onRefused) {
      for (;;) {
        if (!current()) return;
        const missing = [...wanted].filter((topic) => !active.has(topic));
        if (missing.length === 0) return;
        const refused = await subscribeTopics(missing);
        if (refused.length > 0) onRefused(refusedError(refused));
      }
    },
    async subscribe(list) {
      for (const topic of list) {
        const valid = validateTopic(topic);
        if (!valid.ok) throw valid.error;
      }
      for (const topic of list) wanted.add(topic);
      if (!isConnected()) return;
      const missing = list.filter((topic) => !active.has(topic));
      if (missing.length === 0) return;
      try {
        const refused = await subscribeTopics([...new Set(missing)]);
        if (refused.length > 0) throw refusedError(refused);
      } catch (reason) {
        const error = clean(reason);
        // The link went down: the topics stay wanted and are subscribed after the reconnect.
        if (isLinkDown(error, realtime.isConnected())) return;
        throw error;
      }
    },
    async unsubscribe(list) {
      const removed = list.filter((topic) => !own.has(topic) && wanted.has(topic));
      for (const topic of removed) wanted.delete(topic);
      const live = removed.filter((topic) => active.has(topic));
      if (live.length === 0 || !isConnected()) return;
      for (const topic of live) active.delete(topic);
      try {
        for (let i = 0; i < live.length; i += batchSize) await realtime.unsubscribe(live.slice(i, i + batchSize));
      } catch (reason) {
        const error = clean(reason);
        if (isLinkDown(error, realtime.isConnected())) return;
        throw error;
      }
    },
    connectionLost: () => active.clear(),
  };
}

function refusedError(refused: readonly string[]): SdkError {
  return new SdkError('not_authorized', `the broker refused the subscription to ${refused.join(', ')}`, {
    details: { topics: refused },
  });
}
