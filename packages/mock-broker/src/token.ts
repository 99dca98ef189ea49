import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token says: whose it is and until when (epoch ms). */
export interface TokenClaims {
  sub: string;
  exp: number;
}

/** Why a token was refused. */
export type TokenProblem = 'malformed' | 'forged' | 'expired';

/** Issues and checks access tokens: `base64url(JSON {sub, exp}).base64url(HMAC-SHA256)`. */
export class TokenSigner {
  readonly #secret: Buffer;

  /** @param secret signing secret; random (tokens die with the process) when absent. */
  constructor(secret?: string) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  /** A token for `sub` that expires at `exp` (epoch ms). */
  sign(claims: TokenClaims): string {
    const body = Buffer.from(JSON.stringify({ sub: claims.sub, exp: claims.exp }), 'utf8').toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The claims of a valid token, or why it is not one. */
  verify(token: string, now: number): { ok: true; claims: TokenClaims } | { ok: false; problem: TokenProblem } {
    const dot = token.indexOf('.');
    if (dot <= 0) return { ok: false, problem: 'malformed' };
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'forged' };
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, problem: 'malformed' };
    }
    if (typeof claims !== 'object' || claims === null) return { ok: false, problem: 'malformed' };
    const { sub, exp } = claims as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof exp !== 'number') return { ok: false, problem: 'malformed' };
    if (exp <= now) return { ok: false, problem: 'expired' };
    return { ok: true, claims: { sub, exp } };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
