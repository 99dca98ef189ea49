import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import { type MachineStep, runMachine, type TimerAction } from './runner.js';

type State = { readonly n: number; readonly armed: boolean };
type Event =
  | { readonly type: 'arm'; readonly ms: number }
  | { readonly type: 'disarm' }
  | { readonly type: 'fired'; readonly n: number }
  | { readonly type: 'noop' };
type Action = { readonly type: 'log'; readonly text: string };

function transition(state: State, event: Event): MachineStep<State, Action | TimerAction<'t'>> {
  switch (event.type) {
    case 'arm':
      return { state: { n: state.n + 1, armed: true }, actions: [{ type: 'set-timer', timer: 't', ms: event.ms }] };
    case 'disarm':
      return { state: { ...state, armed: false }, actions: [{ type: 'clear-timer', timer: 't' }] };
    case 'fired':
      return { state: { ...state, armed: false }, actions: [{ type: 'log', text: `fired ${event.n}` }] };
    case 'noop':
      return { state, actions: [] };
  }
}

function setup() {
  const clock = createFakeClock();
  const log: string[] = [];
  const changes: Array<[number, number]> = [];
  const runner = runMachine<State, Event, Action, 't'>(
    {
      transition,
      timerEvent: (_timer, when) => ({ type: 'fired', n: when.n }),
      perform: (action) => log.push(action.text),
      onChange: (state, previous) => changes.push([previous.n, state.n]),
    },
    { n: 0, armed: false },
    clock,
  );
  return { clock, log, changes, runner };
}

describe('runMachine', () => {
  it('fires a timer with the event built from the state it was set in', async () => {
    const { clock, log, runner } = setup();
    runner.send({ type: 'arm', ms: 100 });
    expect(runner.hasTimer('t')).toBe(true);
    await clock.advance(99);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['fired 1']);
    expect(runner.hasTimer('t')).toBe(false);
  });

  it('restarts a timer that is set again, and clears it on clear-timer', async () => {
    const { clock, log, runner } = setup();
    runner.send({ type: 'arm', ms: 100 });
    await clock.advance(50);
    runner.send({ type: 'arm', ms: 100 });
    await clock.advance(60);
    expect(log).toEqual([]);
    await clock.advance(40);
    expect(log).toEqual(['fired 2']);
    runner.send({ type: 'arm', ms: 10 });
    runner.send({ type: 'disarm' });
    await clock.advance(100);
    expect(log).toEqual(['fired 2']);
  });

  it('calls onChange only when the state changed', () => {
    const { changes, runner } = setup();
    runner.send({ type: 'noop' });
    expect(changes).toEqual([]);
    runner.send({ type: 'arm', ms: 5 });
    expect(changes).toEqual([[0, 1]]);
  });

  it('ignores events and clears timers once stopped', async () => {
    const { clock, log, runner } = setup();
    runner.send({ type: 'arm', ms: 10 });
    runner.stop();
    expect(runner.stopped).toBe(true);
    expect(runner.hasTimer('t')).toBe(false);
    await clock.advance(20);
    runner.send({ type: 'arm', ms: 1 });
    expect(runner.state.n).toBe(1);
    expect(log).toEqual([]);
  });
});
