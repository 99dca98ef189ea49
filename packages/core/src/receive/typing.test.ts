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

  it('keeps at most maxActive indicators: the stalest ends first, reported inactive', () => {
    const clock = createFakeClock();
    const events: TypingEvent[] = [];
    const tracker = createTypingTracker({ clock, ttlMs: 6_000, maxActive: 3, emit: (e) => events.push(e) });
    for (const uid of ['a', 'b', 'c']) tracker.signal({ thread, user: { uid }, active: true });
    // Renewed: now the freshest.
    tracker.signal({ thread, user: { uid: 'a' }, active: true });
    for (let i = 0; i < 1_000; i++) tracker.signal({ thread, user: { uid: `flood${i}` }, active: true });
    expect(tracker.active()).toBe(3);
    expect(clock.pending()).toBe(3);
    const ended = events.filter((e) => !e.active).map((e) => e.user.uid);
    expect(ended.slice(0, 3)).toEqual(['b', 'c', 'a']);
    expect(ended).toHaveLength(1_000);
    clock.advance(6_000);
    expect(tracker.active()).toBe(0);
  });
});
