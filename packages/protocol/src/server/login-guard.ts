/** Options of {@link LoginGuard}: the real server's defaults. */
export interface LoginGuardOptions {
  /** Wrong passwords before the account is locked; default 3. */
  readonly maxFailures?: number;
  /** How long the lock lasts; default 10 minutes. */
  readonly lockMs?: number;
  /** How long a failure counts; default 1 hour. */
  readonly failureWindowMs?: number;
}

/** Why a login is refused before its password is checked, or what a wrong password gets. */
export interface LoginRefusal {
  /** The envelope's message, in the server's words. */
  readonly message: string;
  /** Whether the account is locked (now or by this failure). */
  readonly locked: boolean;
}

interface Failures {
  count: number;
  /** When the count is forgotten. */
  expiresAt: number;
  lockedUntil?: number;
}

/**
 * The real server's defence against password guessing (all answered HTTP 200 `{code: -1,
 * data: false}`): a wrong password says how many tries are left ("用户名或密码错误，还可尝试N次"), the
 * last one locks the account for 10 minutes, and a locked account is refused whatever the
 * password. Per username; time is passed in.
 */
export class LoginGuard {
  readonly #maxFailures: number;
  readonly #lockMs: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, Failures>();

  constructor(options: LoginGuardOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 3;
    this.#lockMs = options.lockMs ?? 10 * 60 * 1000;
    this.#windowMs = options.failureWindowMs ?? 60 * 60 * 1000;
  }

  /** The refusal of a locked account, or undefined when the password may be checked. */
  check(username: string, now: number): LoginRefusal | undefined {
    const entry = this.#current(username, now);
    if (entry?.lockedUntil === undefined) return undefined;
    const left = Math.ceil((entry.lockedUntil - now) / 1000);
    const minutes = Math.floor(left / 60);
    const time = minutes > 0 ? `${minutes}分${left % 60}秒` : `${left}秒`;
    return { message: `账户已被锁定，请${time}后重试`, locked: true };
  }

  /** Counts a wrong password; the answer says how many tries are left, or that the account is now locked. */
  fail(username: string, now: number): LoginRefusal {
    const entry = this.#current(username, now) ?? { count: 0, expiresAt: now + this.#windowMs };
    entry.count += 1;
    this.#failures.set(username, entry);
    const left = this.#maxFailures - entry.count;
    if (left > 0) return { message: `用户名或密码错误，还可尝试${left}次`, locked: false };
    entry.lockedUntil = now + this.#lockMs;
    return { message: `密码错误次数过多，账户已被锁定${Math.round(this.#lockMs / 60_000)}分钟`, locked: true };
  }

  /** A right password forgets the failures. */
  succeed(username: string): void {
    this.#failures.delete(username);
  }

  /** The live failure count of a username; an ended lock or window forgets it. */
  #current(username: string, now: number): Failures | undefined {
    const entry = this.#failures.get(username);
    if (!entry) return undefined;
    const lockOver = entry.lockedUntil !== undefined && entry.lockedUntil <= now;
    if (lockOver || (entry.lockedUntil === undefined && entry.expiresAt <= now)) {
      this.#failures.delete(username);
      return undefined;
    }
    return entry;
  }
}
