import { type RealtimeEvent, type RealtimeTransport, SdkError } from '@weiyu/core';
import { expect } from 'vitest';

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The SdkError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SdkError);
    return error as SdkError;
  }
  throw new Error('expected a rejection');
}

/** Every event `t` emits from now on, in order. */
export function record(t: RealtimeTransport): RealtimeEvent[] {
  const events: RealtimeEvent[] = [];
  t.on((event) => events.push(event));
  return events;
}

/** The next event of this type that `t` emits. */
export function nextEvent(t: RealtimeTransport, type: RealtimeEvent['type']): Promise<RealtimeEvent> {
  return new Promise((resolve) => {
    const off = t.on((event) => {
      if (event.type !== type) return;
      off();
      resolve(event);
    });
  });
}

/** Waits until `condition` holds; fails after `ms`. */
export async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await delay(5);
  }
}

/** TCP sockets of this process whose handle is not closed yet (both ends of a loopback connection count). */
export function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}
