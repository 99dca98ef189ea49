import { decodeMessage, type WireMessage } from '@weiyu/protocol';
import {
  cloneWireMessage,
  freezeWireMessage,
  type HistoryOrder,
  type HistoryPageOf,
  isFrozenWireMessage,
  LoginGuard,
  type MessageResponseJson,
  mayUseTopic,
  type PageRefusal,
  type RecallEffect,
  type ServerDirectory,
  type ServerMode,
  ServerRules,
  type ThreadResponseJson,
} from '@weiyu/protocol/server';
import { checkThread, checkUser, loadSeed } from './seed.js';
import { type TokenProblem, TokenSigner } from './token.js';
import type {
  MockLogger,
  MockOrg,
  MockThread,
  MockUser,
  MockWorkgroup,
  RestFault,
  SeedData,
  TimeFormat,
} from './types.js';
import { UploadStore } from './uploads.js';

/** Options of {@link MockServerState}. */
export interface MockServerStateOptions {
  /** Seed data or a path to a seed JSON file; default `seed/default.json`. */
  seed?: SeedData | string;
  /** `bytedesk` (default): the real server, open to everyone; `strict`: token user = sender, access rules. */
  mode?: ServerMode;
  /** How long a stored message takes to appear in REST history (the server writes in batches); default 5,000 ms. */
  historyLagMs?: number;
  /** History order: `updatedAt` (default, the real server) or `createdAt` (older mocks). */
  historyOrder?: HistoryOrder;
  /** What RECALL does: `delete` (default, the real server) or `mark` (older mocks: status RECALL). */
  recall?: RecallEffect;
  /** Secret that signs access tokens; random per state when absent. */
  tokenSecret?: string;
  /** Lifetime of issued tokens; default 24 hours. */
  tokenTtlMs?: number;
  /** How `createdAt` is written; default `shanghai` (`yyyy-MM-dd HH:mm:ss`). */
  timeFormat?: TimeFormat;
  /** The clock (epoch ms); default `Date.now`. */
  now?: () => number;
  /** Randomness for fault rates, 0..1; default `Math.random`. */
  random?: () => number;
  /** Where it logs (default: nowhere). */
  logger?: MockLogger;
  /** The largest file the upload endpoints take, in bytes (default 10 MiB); uploads are kept in memory. */
  maxUploadBytes?: number;
}

/** A user as the login endpoint returns it (no password). */
export interface PublicUser {
  /** The user's uid. */
  uid: string;
  /** The login name. */
  username: string;
  /** Display name. */
  nickname: string;
  /** Avatar image URL; `''` when none. */
  avatar: string;
  /** A user type name (AGENT, VISITOR, …). */
  type: string;
}

/** What {@link MockServerState.login} returns. */
export interface MockLoginResult {
  /** A signed access token: the MQTT password and the REST bearer token. */
  accessToken: string;
  /** Who logged in. */
  user: PublicUser;
}

/** What a login over REST gets: the result, or the server's refusal (wrong password, locked account). */
export type LoginAttempt =
  | {
      /** Logged in. */
      ok: true;
      /** The token and the user. */
      result: MockLoginResult;
    }
  | {
      /** Refused. */
      ok: false;
      /** The server's message (how many attempts are left, or that the account is locked). */
      message: string;
      /** Whether the account is locked now. */
      locked: boolean;
    };

/** Where a message came from: the MQTT topic it was published to, the user who sent it (when authenticated). */
export interface RouteContext {
  /** The MQTT topic it was published to; absent for REST. */
  publishTopic?: string;
  /** The authenticated sender, when known. */
  senderUid?: string;
}

/** Why {@link MockServerState.route} refused a message. */
export type RouteRefusal =
  | {
      /** Dropped as the server drops it (no status, no thread, a bad time, …). */
      kind: 'invalid';
      /** Why, for logs. */
      reason: string;
    }
  | {
      /** Refused by the `strict` access rules. */
      kind: 'forbidden';
      /** Why, for logs. */
      reason: string;
    };

/** The outcome of routing one message. */
export type RouteResult =
  | {
      /** Routed. */
      ok: true;
      /** The message as the server processed it (SUCCESS, server time). */
      message: WireMessage;
      /** Whether it was stored now (false for a resend, a signal, a receipt). */
      stored: boolean;
    }
  | ({
      /** Refused. */
      ok: false;
    } & RouteRefusal);

/** How a REST delay fault ended: waited out, cut short by a fault reset, or by the server closing. */
export type RestDelayOutcome = 'elapsed' | 'reset' | 'closed';

/** A processed message on its way to the subscribers of `topic`. */
export type EchoListener = (topic: string, message: WireMessage) => void;

const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The server's memory, shared by the MQTT broker, the HTTP server and the MSW handlers: users,
 * threads, tokens, the login lock, the server rules of `@weiyu/protocol/server` (routing,
 * history, access) and the REST-side faults. No I/O besides reading the seed.
 */
export class MockServerState {
  readonly #users = new Map<string, MockUser>();
  readonly #orgs = new Map<string, MockOrg>();
  readonly #workgroups = new Map<string, MockWorkgroup>();
  readonly #threads = new Map<string, MockThread>();
  /** Visitors by `{orgUid}\n{visitorUid}`, as init finds them again. */
  readonly #visitorKeys = new Map<string, string>();
  readonly #echoListeners = new Set<EchoListener>();
  readonly #held: Array<{ topic: string; message: WireMessage }> = [];
  readonly #signer: TokenSigner;
  readonly #tokenTtlMs: number;
  readonly #logger: MockLogger;
  readonly #loginGuard = new LoginGuard();
  #holdEchoes = false;
  #restFault: RestFault | undefined;
  /** Settlers of the REST delay faults being waited out. */
  readonly #restDelays = new Set<(outcome: RestDelayOutcome) => void>();
  /** The real server's rules: validation, stamping, storage, history, access. */
  readonly rules: ServerRules;
  /** Uploaded files, served back under `/file/…`. */
  readonly uploads: UploadStore;
  /** The clock (epoch ms). */
  readonly now: () => number;
  /** Randomness, 0..1. */
  readonly random: () => number;

  constructor(options: MockServerStateOptions = {}) {
    this.#signer = new TokenSigner(options.tokenSecret);
    this.#tokenTtlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.#logger = options.logger ?? {};
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.uploads = new UploadStore(
      options.maxUploadBytes === undefined ? {} : { maxFileBytes: options.maxUploadBytes },
    );
    this.rules = new ServerRules({
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.historyLagMs === undefined ? {} : { historyLagMs: options.historyLagMs }),
      ...(options.historyOrder === undefined ? {} : { historyOrder: options.historyOrder }),
      ...(options.recall === undefined ? {} : { recall: options.recall }),
      ...(options.timeFormat === undefined ? {} : { timeFormat: options.timeFormat }),
      directory: this.#directory(),
    });
    const seed = loadSeed(options.seed);
    for (const org of seed.orgs ?? []) this.#orgs.set(org.uid, { ...org });
    for (const group of seed.workgroups ?? []) this.#workgroups.set(group.uid, { ...group, agents: [...group.agents] });
    for (const user of seed.users) this.addUser(user);
    for (const thread of seed.threads ?? []) this.addThread(thread);
  }

  /** `bytedesk` (the real server) or `strict`. */
  get mode(): ServerMode {
    return this.rules.mode;
  }

  // ── directory ───────────────────────────────────────────────────────────────

  /** Adds or replaces a user. Its org defaults to the first org of the seed. */
  addUser(user: MockUser): void {
    checkUser(user);
    const orgUid = user.orgUid ?? this.#orgs.keys().next().value;
    this.#users.set(user.uid, { avatar: '', ...user, ...(orgUid === undefined ? {} : { orgUid }) });
  }

  /** Adds or replaces a thread (keyed by topic). */
  addThread(thread: MockThread): void {
    checkThread(thread);
    this.#threads.set(thread.topic, { ...thread, participants: [...thread.participants] });
    const { uid, topic, type, status } = thread;
    this.rules.seedThread({ uid, topic, type, ...(status === undefined ? {} : { status }) }, this.now());
  }

  /** Adds or replaces a workgroup. */
  addWorkgroup(group: MockWorkgroup): void {
    this.#workgroups.set(group.uid, { ...group, agents: [...group.agents] });
  }

  /** Every user (copies). */
  users(): MockUser[] {
    return [...this.#users.values()].map((u) => ({ ...u }));
  }

  /** Every thread (copies). */
  threads(): MockThread[] {
    return [...this.#threads.values()].map((t) => ({ ...t, participants: [...t.participants] }));
  }

  /** A user by uid. */
  user(uid: string): MockUser | undefined {
    const user = this.#users.get(uid);
    return user && { ...user };
  }

  /** A workgroup by uid (a copy). */
  workgroup(uid: string): MockWorkgroup | undefined {
    const group = this.#workgroups.get(uid);
    return group && { ...group, agents: [...group.agents] };
  }

  /** A thread by topic (a copy). */
  thread(topic: string): MockThread | undefined {
    const thread = this.#threads.get(topic);
    return thread && { ...thread, participants: [...thread.participants] };
  }

  /** The visitor init made for an app's `visitorUid` in an org, or the visitor whose uid it is. */
  visitorByKey(orgUid: string, key: string): MockUser | undefined {
    const user = this.user(this.#visitorKeys.get(`${orgUid}\n${key}`) ?? key);
    return user?.type === 'VISITOR' ? user : undefined;
  }

  /** Remembers which visitor an app's `visitorUid` in an org is. */
  rememberVisitor(orgUid: string, visitorUid: string, uid: string): void {
    this.#visitorKeys.set(`${orgUid}\n${visitorUid}`, uid);
  }

  /** A user by login name. */
  userByUsername(username: string): MockUser | undefined {
    for (const user of this.#users.values()) if (user.username === username) return { ...user };
    return undefined;
  }

  /** What the access rules know of users and threads. */
  #directory(): ServerDirectory {
    return {
      hasUser: (uid) => this.#users.has(uid),
      orgOf: (uid) => this.#users.get(uid)?.orgUid,
      participantsOf: (topic) => this.#threads.get(topic)?.participants,
      agentsOf: (uid) => this.#workgroups.get(uid)?.agents,
      profileOf: (uid) => {
        const user = this.#users.get(uid);
        return user && { nickname: user.nickname, avatar: user.avatar ?? '', type: user.type };
      },
    };
  }

  // ── authentication ──────────────────────────────────────────────────────────

  /** Checks a username and password (no lock, no count: for tests); undefined when wrong. */
  login(username: string, password: string): MockLoginResult | undefined {
    const user = this.userByUsername(username);
    if (!user || user.password !== password) return undefined;
    return { accessToken: this.issueToken(user.uid), user: publicUser(user) };
  }

  /**
   * A login as `POST /auth/v1/login` takes it: a wrong password counts (the third locks the
   * username for 10 minutes), a locked username is refused whatever the password.
   */
  loginAttempt(username: string, password: string): LoginAttempt {
    const now = this.now();
    const locked = this.#loginGuard.check(username, now);
    if (locked) return { ok: false, ...locked };
    const result = this.login(username, password);
    if (!result) return { ok: false, ...this.#loginGuard.fail(username, now) };
    this.#loginGuard.succeed(username);
    return { ok: true, result };
  }

  /** Issues a signed token for a known user. Throws for an unknown uid. */
  issueToken(userUid: string, options: { ttlMs?: number } = {}): string {
    if (!this.#users.has(userUid)) throw new Error(`unknown user "${userUid}"`);
    return this.#signer.sign({ sub: userUid, exp: this.now() + (options.ttlMs ?? this.#tokenTtlMs) });
  }

  /** The user a token belongs to and when it expires, or why it is refused. */
  authenticate(token: string | undefined):
    | {
        /** The token is good. */
        ok: true;
        /** Whose it is. */
        user: MockUser;
        /** When it expires (epoch ms). */
        expiresAt: number;
      }
    | {
        /** The token is refused. */
        ok: false;
        /** Why: no token, a malformed, forged or expired one, or a user no longer known. */
        problem: TokenProblem | 'missing' | 'unknown_user';
      } {
    if (!token) return { ok: false, problem: 'missing' };
    const checked = this.#signer.verify(token, this.now());
    if (!checked.ok) return checked;
    const user = this.user(checked.claims.sub);
    return user ? { ok: true, user, expiresAt: checked.claims.exp } : { ok: false, problem: 'unknown_user' };
  }

  // ── access rules ────────────────────────────────────────────────────────────

  /**
   * The access rules of `strict` mode, whatever the mode: whether a user may use an exact
   * topic (their own `user/` and `system/` topics, their org's `org/` topic, the threads they
   * take part in). The real server has none: see {@link mayUse}.
   */
  canAccess(userUid: string, topic: string): boolean {
    return mayUseTopic(userUid, topic, this.#directory());
  }

  /** Whether the server lets a user use a topic: always in `bytedesk` mode, by {@link canAccess} in `strict`. */
  mayUse(userUid: string, topic: string): boolean {
    return this.rules.mayUse(userUid, topic);
  }

  // ── routing ─────────────────────────────────────────────────────────────────

  /** Decodes protobuf bytes published to `topic` and routes them; malformed bytes are refused. */
  routeBytes(bytes: Uint8Array, topic: string, senderUid?: string): RouteResult {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) return this.#refuse({ kind: 'invalid', reason: decoded.error.message }, topic);
    return this.route(decoded.value, { publishTopic: topic, ...(senderUid === undefined ? {} : { senderUid }) });
  }

  /**
   * Routes a message as the server does (`@weiyu/protocol/server`): drops what it drops,
   * stamps SUCCESS and server time, stores or applies it, and echoes the processed copies to
   * the subscribers of their topics, the sender included.
   */
  route(message: WireMessage, context: RouteContext = {}): RouteResult {
    const topic = message.thread?.topic ?? '';
    const result = this.rules.accept(message, { now: this.now(), ...context });
    if (!result.ok) return this.#refuse({ kind: result.kind, reason: result.reason }, context.publishTopic ?? topic);
    this.#logger.debug?.('routed', {
      topic,
      uid: result.message.uid,
      type: result.message.type,
      stored: result.stored,
    });
    for (const echo of result.echoes) this.emitEcho(echo.topic, echo.message);
    return { ok: true, message: result.message, stored: result.stored };
  }

  /** Refuses a message for the caller, with a log line. */
  #refuse(refusal: RouteRefusal, topic: string): RouteResult {
    this.#logger.warn?.(`message dropped: ${refusal.reason}`, { topic });
    return { ok: false, ...refusal };
  }

  /** Now, as the server writes `createdAt`. */
  serverTime(): string {
    return this.rules.serverTime(this.now());
  }

  /** Stored messages of a topic, oldest first (copies), whether history shows them yet or not. */
  history(topic: string): WireMessage[] {
    return this.rules.stored(topic);
  }

  /** One page of a user's thread list as `GET /api/v1/thread/query` answers it. */
  threadPage(
    userUid: string,
    page: { pageNumber?: number; pageSize?: number },
  ):
    | ({
        /** Answered. */
        ok: true;
      } & HistoryPageOf<ThreadResponseJson>)
    | PageRefusal {
    return this.rules.threadPage(userUid, page);
  }

  /** One page of REST history as the server answers it now (the lag applied). */
  historyPage(
    topic: string,
    page: { pageNumber?: number; pageSize?: number },
  ):
    | ({
        /** Answered. */
        ok: true;
      } & HistoryPageOf<MessageResponseJson>)
    | PageRefusal {
    return this.rules.historyPage(topic, page, this.now());
  }

  /** A stored message by uid (a copy), recalled ones included. */
  message(uid: string): WireMessage | undefined {
    return this.rules.record(uid)?.message;
  }

  /** How many messages are stored. */
  get messageCount(): number {
    return this.rules.storedCount;
  }

  // ── echoes ──────────────────────────────────────────────────────────────────

  /**
   * Listens to processed messages leaving the server; returns the unsubscribe function. The
   * message is frozen and shared with the store and the other listeners.
   */
  onEcho(listener: EchoListener): () => void {
    this.#echoListeners.add(listener);
    return () => this.#echoListeners.delete(listener);
  }

  /**
   * Sends a message to the subscribers of a topic (held back while echoes are held). A message
   * that is not frozen (routed ones are) is copied once and frozen, so no listener can change
   * what another one gets.
   */
  emitEcho(topic: string, message: WireMessage): void {
    const shared = isFrozenWireMessage(message) ? message : freezeWireMessage(cloneWireMessage(message));
    if (this.#holdEchoes) {
      this.#held.push({ topic, message: shared });
      return;
    }
    for (const listener of this.#echoListeners) {
      try {
        listener(topic, shared);
      } catch (cause) {
        this.#logger.error?.('echo listener failed', { cause });
      }
    }
  }

  // ── faults ──────────────────────────────────────────────────────────────────

  /** Whether echoes are held back. */
  get echoesHeld(): boolean {
    return this.#holdEchoes;
  }

  /** How many echoes are held back. */
  get heldEchoCount(): number {
    return this.#held.length;
  }

  /** Holds back echoes (on) or releases the held ones in order and stops holding (off). */
  holdEchoes(on: boolean): void {
    this.#holdEchoes = on;
    if (on) return;
    for (const { topic, message } of this.#held.splice(0)) this.emitEcho(topic, message);
  }

  /** The REST fault in force, if any. */
  get restFault(): RestFault | undefined {
    return this.#restFault && { ...this.#restFault };
  }

  /** Sets the REST fault; `{}`, `{ rate: 0 }` or undefined clears it. */
  setRestFault(fault: RestFault | undefined): void {
    const empty =
      !fault ||
      fault.rate === 0 ||
      fault.times === 0 ||
      (fault.status === undefined && fault.code === undefined && fault.delayMs === undefined);
    this.#restFault = empty ? undefined : { ...fault };
    if (empty) this.releaseRestDelays('reset');
  }

  /**
   * Decides whether the next REST request meets the fault: returns what to apply (a delay
   * and/or a failure), counting down `times`.
   */
  takeRestFault(): RestFault | undefined {
    const fault = this.#restFault;
    if (!fault) return undefined;
    if (this.random() >= (fault.rate ?? 1)) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.#restFault = undefined;
    }
    return { ...fault };
  }

  /** Clears the REST fault (ending the delays being waited out) and releases held echoes. */
  resetFaults(): void {
    this.#restFault = undefined;
    this.releaseRestDelays('reset');
    this.holdEchoes(false);
  }

  /**
   * Waits out a REST delay fault: `elapsed` after `ms`, or earlier `reset` when the faults are
   * cleared and `closed` when the server closes ({@link releaseRestDelays}). The timer is
   * tracked, so nothing is left running once the delays are released.
   */
  restDelay(ms: number): Promise<RestDelayOutcome> {
    return new Promise((resolve) => {
      const settle = (outcome: RestDelayOutcome) => {
        clearTimeout(timer);
        this.#restDelays.delete(settle);
        resolve(outcome);
      };
      const timer = setTimeout(() => settle('elapsed'), ms);
      this.#restDelays.add(settle);
    });
  }

  /** How many REST delays are being waited out. */
  get pendingRestDelays(): number {
    return this.#restDelays.size;
  }

  /** Ends every REST delay now: `reset` lets the requests go on, `closed` makes them give up. */
  releaseRestDelays(outcome: 'reset' | 'closed'): void {
    for (const settle of [...this.#restDelays]) settle(outcome);
  }
}

/** A user as the REST API shows it. */
export function publicUser(user: MockUser): PublicUser {
  return {
    uid: user.uid,
    username: user.username,
    nickname: user.nickname,
    avatar: user.avatar ?? '',
    type: user.type,
  };
}
