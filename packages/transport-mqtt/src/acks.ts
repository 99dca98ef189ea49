import { SdkError } from '@weiyu/core';

/** What an ack is for, as its error messages say it: `publish to t`, `subscribe to a, b`, … */
export interface AckSubject {
  readonly verb: 'publish to' | 'subscribe to' | 'unsubscribe from';
  readonly topics: string | readonly string[];
}

/** The text of an operation for its error messages, made only when one is needed. */
export function describeAck({ verb, topics }: AckSubject): string {
  return `${verb} ${typeof topics === 'string' ? topics : topics.join(', ')}`;
}

/** The monotonic time in ms where the platform has one (Node, browsers), else the wall clock. */
const monotonicNow: () => number =
  typeof performance !== 'undefined' && typeof performance.now === 'function'
    ? () => performance.now()
    : () => Date.now();

/**
 * One operation the broker acknowledges (a PUBACK, SUBACK or UNSUBACK; a QoS 0 publish once
 * written). It settles once: on the ack, an error, the link going down, or its deadline.
 */
export class Ack implements AckSubject {
  readonly verb: AckSubject['verb'];
  readonly topics: AckSubject['topics'];
  /** When it times out, on {@link monotonicNow}'s clock. */
  readonly deadline: number;
  readonly #resolve: () => void;
  readonly #reject: (error: SdkError) => void;
  readonly #acks: Acks;
  #settled = false;

  constructor(acks: Acks, subject: AckSubject, resolve: () => void, reject: (error: SdkError) => void) {
    this.verb = subject.verb;
    this.topics = subject.topics;
    this.deadline = monotonicNow() + acks.timeoutMs;
    this.#acks = acks;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Settles it: resolved without an error, rejected with one. Later calls do nothing. */
  settle(error?: SdkError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#acks.delete(this);
    if (error) this.#reject(error);
    else this.#resolve();
  }
}

/**
 * The operations of one link waiting for their acks, each with its deadline. All have the same
 * timeout, so the order they came in is the order of their deadlines: one timer, armed for the
 * oldest, serves them all (a timer per publish cost a timer object, a closure and a timer list
 * insertion and removal each).
 */
export class Acks {
  readonly timeoutMs: number;
  /** What the expiry error names as the silent side (the broker's URL, for logs). */
  readonly #url: string;
  /** Oldest first: a Set keeps insertion order and deletes in O(1). */
  readonly #waiting = new Set<Ack>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, url: string) {
    this.timeoutMs = timeoutMs;
    this.#url = url;
  }

  /** How many are waiting. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Starts waiting for an ack: `settle` it when it comes; the deadline is kept here. */
  add(ack: Ack): void {
    this.#waiting.add(ack);
    this.#timer ??= setTimeout(this.#expire, this.timeoutMs);
  }

  /** Stops waiting for one (it settled). */
  delete(ack: Ack): void {
    this.#waiting.delete(ack);
    if (this.#waiting.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Settles every one waiting with the error of `errorOf` (the link went down). */
  failAll(errorOf: (ack: Ack) => SdkError): void {
    for (const ack of [...this.#waiting]) ack.settle(errorOf(ack));
  }

  /** The timer fired: those whose deadline passed time out; the timer goes on for the oldest left. */
  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = monotonicNow();
    for (const ack of this.#waiting) {
      if (ack.deadline > now) {
        this.#timer ??= setTimeout(this.#expire, ack.deadline - now);
        return;
      }
      ack.settle(
        new SdkError('timeout', `${this.#url} did not acknowledge the ${describeAck(ack)} within ${this.timeoutMs} ms`),
      );
    }
  };
}
