import type { ChatClient, ChatClientEvents, ConnectionState, LocalMessage, SdkError } from '@weiyu/core';
import { type WaitOptions, waitFor } from './wait.js';

/** One recorded event, in the order the client emitted it. */
export type RecordedEvent = {
  [K in keyof ChatClientEvents]: { readonly event: K; readonly payload: ChatClientEvents[K] };
}[keyof ChatClientEvents];

/** Every event of the client (a record, so that a new one cannot be left out). */
const EVENTS: Record<keyof ChatClientEvents, true> = {
  message: true,
  status: true,
  connection: true,
  typing: true,
  receipt: true,
  recall: true,
  refused: true,
  kicked: true,
  error: true,
  gap: true,
};
const EVENT_NAMES = Object.keys(EVENTS) as (keyof ChatClientEvents)[];

/** Everything a client emitted, with typed views and waits. */
export interface EventRecorder {
  readonly all: readonly RecordedEvent[];
  /** Payloads of one event, in order. */
  of<K extends keyof ChatClientEvents>(event: K): ChatClientEvents[K][];
  /** `message` events, optionally only one thread's. */
  messages(topic?: string): LocalMessage[];
  /** Contents of the `message` events of a thread (text as it travels), in order. */
  contents(topic: string): string[];
  /** The connection statuses seen, in order. */
  states(): ConnectionState['status'][];
  errors(): SdkError[];
  /** Waits for an event matching `predicate` and returns its payload. */
  waitFor<K extends keyof ChatClientEvents>(
    event: K,
    predicate?: (payload: ChatClientEvents[K]) => boolean,
    options?: WaitOptions,
  ): Promise<ChatClientEvents[K]>;
  /** Stops recording. */
  stop(): void;
}

/** Records every event of a client from now on. */
export function recordEvents(client: ChatClient): EventRecorder {
  const all: RecordedEvent[] = [];
  const offs = EVENT_NAMES.map((event) =>
    client.on(event, (payload: ChatClientEvents[typeof event]) => {
      all.push({ event, payload } as RecordedEvent);
    }),
  );
  const of = <K extends keyof ChatClientEvents>(event: K): ChatClientEvents[K][] =>
    all.filter((e) => e.event === event).map((e) => e.payload as ChatClientEvents[K]);
  const messages = (topic?: string): LocalMessage[] =>
    of('message').filter((m) => topic === undefined || m.thread.topic === topic);
  return {
    all,
    of,
    messages,
    contents: (topic) => messages(topic).map((m) => m.content),
    states: () => of('connection').map((s) => s.status),
    errors: () => of('error'),
    waitFor: async (event, predicate, options) =>
      await waitFor(() => of(event).find((p) => (predicate ? predicate(p) : true)), {
        message: `a "${event}" event${predicate ? ' matching the predicate' : ''}`,
        ...options,
      }),
    stop: () => {
      for (const off of offs) off();
    },
  };
}
