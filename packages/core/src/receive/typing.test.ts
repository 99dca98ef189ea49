import { describe, expect, it } from 'vitest';
import type { TypingEvent } from '../api.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTypingTracker } from './typing.js';

const thread = { uid: 't', topic: 'org/agent/a/v', type: 'AGENT' };

describe('typing tracker', () => {
  it('reports typing, renews it with each signal and ends it by itself after the TTL', () => {
    const clock = createFakeClock();
    const events: TypingEvent[] = [];
    const tracker = createTypingTracker({ clock, ttlMs: 6_000, emit: (e) => events.push(e) });
    tracker.signal({ thread, user: { uid: 'a' }, active: true });
    clock.advance(5_000);
    tracker.signal({ thread, user: { uid: 'a' }, active: true, preview: 'he' });
    clock.advance(5_999);
    expect(events.map((e) => e.active)).toEqual([true, true]);
    clock.advance(1);
    expect(events.map((e) => e.active)).toEqual([true, true, false]);
    expect(tracker.active()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('ends at once on a clear, reports a clear only when active, and leaves no timer on dispose', () => {
    const clock = createFakeClock();
    const events: TypingEvent[] = [];
    const tracker = createTypingTracker({ clock, ttlMs: 6_000, emit: (e) => events.push(e) });
    tracker.signal({ thread, user: { uid: 'a' }, active: false });
    expect(events).toEqual([]);
    tracker.signal({ thread, user: { uid: 'a' }, active: true });
    tracker.signal({ thread, user: { uid: 'a' }, active: false });
    expect(events.map((e) => e.active)).toEqual([true, false]);
    tracker.signal({ thread, user: { uid: 'b' }, active: true });
    tracker.dispose();
    expect(clock.pending()).toBe(0);
  });
});
