/**
 * One small runner for every state machine in core (send, connection, catch-up): a pure
 * transition function gives the next state and actions; the runner keeps the state, runs the
 * actions, and owns the named timers on the injected clock. Timer actions have one shape for
 * all machines; every other action goes to the machine's own `perform`.
 */
import type { Clock, TimerHandle } from '../interfaces.js';

/** Start (or restart) the named timer; when it fires, the machine gets `timerEvent(timer, state)`. */
export interface SetTimer<T extends string> {
  readonly type: 'set-timer';
  readonly timer: T;
  readonly ms: number;
}

/** Stop the named timer if it runs. */
export interface ClearTimer<T extends string> {
  readonly type: 'clear-timer';
  readonly timer: T;
}

/** The timer actions the runner performs itself. */
export type TimerAction<T extends string> = SetTimer<T> | ClearTimer<T>;

/** The result of a transition. `state` is the same object when the event changed nothing. */
export interface MachineStep<S, A> {
  readonly state: S;
  readonly actions: readonly A[];
}

/** A machine as the runner sees it. */
export interface MachineDefinition<S, E, A extends { readonly type: string }, T extends string> {
  /** The pure transition function. */
  transition(state: S, event: E): MachineStep<S, A | TimerAction<T>>;
  /** The event a fired timer delivers, from the state as it was when the timer was set. */
  timerEvent(timer: T, stateWhenSet: S): E;
  /** Runs an action that is not a timer action (I/O, outbox writes, …). */
  perform(action: A, state: S): void;
  /** Called after every transition that changed the state, once its actions have run. */
  onChange?(state: S, previous: S, event: E): void;
}

export interface MachineRunner<S, E, T extends string> {
  /** The state now. */
  readonly state: S;
  /** Feeds one event; ignored once the runner is stopped. */
  send(event: E): void;
  /** Whether the named timer is running. */
  hasTimer(timer: T): boolean;
  /** Clears every timer and ignores further events. */
  stop(): void;
  readonly stopped: boolean;
}

/** Starts a runner at `initial`. Nothing runs until the first `send`. */
export function runMachine<S, E, A extends { readonly type: string }, T extends string>(
  definition: MachineDefinition<S, E, A, T>,
  initial: S,
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
): MachineRunner<S, E, T> {
  return new Runner(definition, initial, clock);
}

/** A class, not closures: the sender makes one per message, so what it allocates counts. */
class Runner<S, E, A extends { readonly type: string }, T extends string> implements MachineRunner<S, E, T> {
  #state: S;
  #stopped = false;
  /**
   * Running timers by name, made with the first timer; a cleared one is set to undefined, never
   * deleted: a plain object keeps its shape, where a Map per runner (one per message) costs more.
   */
  #timers: Partial<Record<T, TimerHandle>> | undefined;

  constructor(
    private readonly definition: MachineDefinition<S, E, A, T>,
    initial: S,
    private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  ) {
    this.#state = initial;
  }

  get state(): S {
    return this.#state;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  send(event: E): void {
    if (this.#stopped) return;
    const previous = this.#state;
    const step = this.definition.transition(previous, event);
    if (step.state === previous && step.actions.length === 0) return;
    this.#state = step.state;
    for (const action of step.actions) {
      if (this.#stopped) break;
      this.#run(action);
    }
    if (this.#state !== previous) this.definition.onChange?.(this.#state, previous, event);
  }

  hasTimer(timer: T): boolean {
    return this.#timers?.[timer] !== undefined;
  }

  stop(): void {
    this.#stopped = true;
    const timers = this.#timers;
    if (timers) for (const timer in timers) this.#clearTimer(timer);
  }

  #run(action: A | TimerAction<T>): void {
    // Timer actions have these two types in every machine; any other action is the machine's own.
    const timer = action as TimerAction<T>;
    if (timer.type === 'set-timer') this.#setTimer(timer.timer, timer.ms);
    else if (timer.type === 'clear-timer') this.#clearTimer(timer.timer);
    else this.definition.perform(action as A, this.#state);
  }

  #clearTimer(timer: T): void {
    const timers = this.#timers;
    const handle = timers?.[timer];
    if (timers === undefined || handle === undefined) return;
    this.clock.clearTimeout(handle);
    timers[timer] = undefined;
  }

  #setTimer(timer: T, ms: number): void {
    this.#clearTimer(timer);
    const stateWhenSet = this.#state;
    const timers: Partial<Record<T, TimerHandle>> = this.#timers ?? {};
    this.#timers = timers;
    const handle = this.clock.setTimeout(() => {
      if (timers[timer] !== handle) return;
      timers[timer] = undefined;
      this.send(this.definition.timerEvent(timer, stateWhenSet));
    }, ms);
    timers[timer] = handle;
  }
}
