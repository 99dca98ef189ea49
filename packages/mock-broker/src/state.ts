import {
  decodeMessage,
  formatServerTime,
  isKnownThreadType,
  isSignalMessageType,
  parseTopic,
  type WireMessage,
} from '@weiyu/protocol';
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

/** Options of {@link MockServerState}. */
export interface MockServerStateOptions {
  /** Seed data or a path to a seed JSON file; default `seed/default.json`. */
  seed?: SeedData | string;
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
  logger?: MockLogger;
}

/** A user as the login endpoint returns it (no password). */
export interface PublicUser {
  uid: string;
  username: string;
  nickname: string;
  avatar: string;
  type: string;
}

/** What {@link MockServerState.login} returns. */
export interface MockLoginResult {
  accessToken: string;
  user: PublicUser;
}

/** A message in history: receipts, recalls and stream chunks update it in place. */
type StoredMessage = { -readonly [K in keyof WireMessage]: WireMessage[K] };

/** Why {@link MockServerState.route} refused a message. */
export type RouteRefusal = { kind: 'invalid'; reason: string } | { kind: 'forbidden'; reason: string };

/** The outcome of routing one message. */
export type RouteResult = { ok: true; message: WireMessage; stored: boolean } | ({ ok: false } & RouteRefusal);

/** How a REST delay fault ended: waited out, cut short by a fault reset, or by the server closing. */
export type RestDelayOutcome = 'elapsed' | 'reset' | 'closed';

/** A processed message on its way to the subscribers of `topic`. */
export type EchoListener = (topic: string, message: WireMessage) => void;

const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** How far a receipt moves a stored message; RECALL is final. */
const STATUS_RANK: Readonly<Record<string, number>> = { SUCCESS: 0, DELIVERED: 1, READ: 2 };

/**
 * The server's memory and rules, shared by the MQTT broker, the HTTP server and the MSW
 * handlers: users, threads, tokens, access rules, message routing (validate → SUCCESS +
 * server time → history → echo) and the REST-side faults. No I/O besides reading the seed.
 */
export class MockServerState {
  readonly #users = new Map<string, MockUser>();
  readonly #orgs = new Map<string, MockOrg>();
  readonly #workgroups = new Map<string, MockWorkgroup>();
  readonly #threads = new Map<string, MockThread>();
  readonly #historyByTopic = new Map<string, StoredMessage[]>();
  readonly #messagesByUid = new Map<string, StoredMessage>();
  readonly #echoListeners = new Set<EchoListener>();
  readonly #held: Array<{ topic: string; message: WireMessage }> = [];
  readonly #signer: TokenSigner;
  readonly #tokenTtlMs: number;
  readonly #timeFormat: TimeFormat;
  readonly #logger: MockLogger;
  #holdEchoes = false;
  #restFault: RestFault | undefined;
  /** Settlers of the REST delay faults being waited out. */
  readonly #restDelays = new Set<(outcome: RestDelayOutcome) => void>();
  /** The clock (epoch ms). */
  readonly now: () => number;
  /** Randomness, 0..1. */
  readonly random: () => number;

  constructor(options: MockServerStateOptions = {}) {
    this.#signer = new TokenSigner(options.tokenSecret);
    this.#tokenTtlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.#timeFormat = options.timeFormat ?? 'shanghai';
    this.#logger = options.logger ?? {};
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const seed = loadSeed(options.seed);
    for (const org of seed.orgs ?? []) this.#orgs.set(org.uid, { ...org });
    for (const group of seed.workgroups ?? []) this.#workgroups.set(group.uid, { ...group, agents: [...group.agents] });
    for (const user of seed.users) this.addUser(user);
    for (const thread of seed.threads ?? []) this.addThread(thread);
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

  /** A user by login name. */
  userByUsername(username: string): MockUser | undefined {
    for (const user of this.#users.values()) if (user.username === username) return { ...user };
    return undefined;
  }

  // ── authentication ──────────────────────────────────────────────────────────

  /** Checks a login; undefined when the username or password is wrong. */
  login(username: string, password: string): MockLoginResult | undefined {
    const user = this.userByUsername(username);
    if (!user || user.password !== password) return undefined;
    return { accessToken: this.issueToken(user.uid), user: publicUser(user) };
  }

  /** Issues a signed token for a known user. Throws for an unknown uid. */
  issueToken(userUid: string, options: { ttlMs?: number } = {}): string {
    if (!this.#users.has(userUid)) throw new Error(`unknown user "${userUid}"`);
    return this.#signer.sign({ sub: userUid, exp: this.now() + (options.ttlMs ?? this.#tokenTtlMs) });
  }

  /** The user a token belongs to, or why it is refused. */
  authenticate(
    token: string | undefined,
  ): { ok: true; user: MockUser } | { ok: false; problem: TokenProblem | 'missing' | 'unknown_user' } {
    if (!token) return { ok: false, problem: 'missing' };
    const checked = this.#signer.verify(token, this.now());
    if (!checked.ok) return checked;
    const user = this.user(checked.claims.sub);
    return user ? { ok: true, user } : { ok: false, problem: 'unknown_user' };
  }

  // ── access rules ────────────────────────────────────────────────────────────

  /**
   * Whether a user may subscribe and publish to an exact topic: their own `user/` and
   * `system/` topics, their org's `org/` topic, and the threads they take part in (the
   * thread's participants, the uids the topic names, a workgroup's agents).
   */
  canAccess(userUid: string, topic: string): boolean {
    const user = this.#users.get(userUid);
    if (!user) return false;
    const parsed = parseTopic(topic);
    if (!parsed.ok) return false;
    const t = parsed.value;
    switch (t.kind) {
      case 'user':
      case 'system':
        return t.uid === userUid;
      case 'org':
        return user.orgUid === t.orgUid;
      default:
        break;
    }
    if (this.#threads.get(topic)?.participants.includes(userUid)) return true;
    switch (t.kind) {
      case 'agent':
        return t.agentUid === userUid || t.visitorUid === userUid;
      case 'workgroup':
        return t.visitorUid === userUid || (this.#workgroups.get(t.workgroupUid)?.agents.includes(userUid) ?? false);
      case 'robot':
        return t.robotUid === userUid || t.visitorUid === userUid;
      case 'member':
        return t.selfUid === userUid || t.otherUid === userUid;
      case 'group':
        return false;
    }
  }

  // ── routing ─────────────────────────────────────────────────────────────────

  /** Decodes protobuf bytes published to `topic` and routes them; malformed bytes are refused. */
  routeBytes(bytes: Uint8Array, topic: string): RouteResult {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) return this.#refuse({ kind: 'invalid', reason: decoded.error.message }, topic);
    return this.route(decoded.value, topic);
  }

  /**
   * Routes a message published to `topic` as the real server does: validates it (uid,
   * status, thread, a known thread type, thread.topic = topic), sets status SUCCESS and
   * server time, keeps content messages in history (once per uid), applies receipts and
   * recalls to the stored message, and echoes the processed copy to every subscriber of
   * the topic, the sender included. Access is the caller's business.
   */
  route(message: WireMessage, topic: string): RouteResult {
    const problem = validate(message, topic);
    if (problem) return this.#refuse({ kind: 'invalid', reason: problem }, topic);
    const processed: WireMessage = { ...structuredClone(message), status: 'SUCCESS', createdAt: this.serverTime() };
    let stored = false;
    if (processed.type === 'DELIVERED' || processed.type === 'READ') {
      this.#applyReceipt(processed.content, processed.type === 'READ' ? 'READ' : 'DELIVERED', topic);
    } else if (processed.type === 'RECALL') {
      const target = this.#storedOn(processed.content, topic);
      if (target) target.status = 'RECALL';
    } else if (!isSignalMessageType(processed.type)) {
      stored = this.#store(processed, topic);
    }
    this.#logger.debug?.('routed', { topic, uid: processed.uid, type: processed.type, stored });
    this.emitEcho(topic, processed);
    return { ok: true, message: structuredClone(processed), stored };
  }

  /** Refuses a message for the caller, with a log line. */
  #refuse(refusal: RouteRefusal, topic: string): RouteResult {
    this.#logger.warn?.(`message dropped: ${refusal.reason}`, { topic });
    return { ok: false, ...refusal };
  }

  /** Now, as the server writes `createdAt`. */
  serverTime(): string {
    const now = this.now();
    return this.#timeFormat === 'epoch' ? String(now) : formatServerTime(now);
  }

  /** Keeps a content message; a uid seen before is not kept twice (ROBOT_STREAM chunks update it). */
  #store(message: WireMessage, topic: string): boolean {
    const existing = this.#messagesByUid.get(message.uid);
    if (existing) {
      if (message.type === 'ROBOT_STREAM') existing.content = message.content;
      return false;
    }
    const copy = structuredClone(message);
    this.#messagesByUid.set(copy.uid, copy);
    const list = this.#historyByTopic.get(topic);
    if (list) list.push(copy);
    else this.#historyByTopic.set(topic, [copy]);
    return true;
  }

  #storedOn(uid: string, topic: string): StoredMessage | undefined {
    const message = this.#messagesByUid.get(uid);
    return message?.thread?.topic === topic ? message : undefined;
  }

  /** DELIVERED/READ move a stored message forward, never back; a recalled message stays recalled. */
  #applyReceipt(targetUid: string, receipt: 'DELIVERED' | 'READ', topic: string): void {
    const target = this.#storedOn(targetUid, topic);
    if (!target) return;
    const current = STATUS_RANK[target.status];
    const next = STATUS_RANK[receipt];
    if (current !== undefined && next !== undefined && next > current) target.status = receipt;
  }

  /** Stored messages of a topic, oldest first (copies). */
  history(topic: string): WireMessage[] {
    return (this.#historyByTopic.get(topic) ?? []).map((m) => structuredClone(m));
  }

  /** A stored message by uid (a copy). */
  message(uid: string): WireMessage | undefined {
    const message = this.#messagesByUid.get(uid);
    return message && structuredClone(message);
  }

  /** How many messages are stored. */
  get messageCount(): number {
    return this.#messagesByUid.size;
  }

  // ── echoes ──────────────────────────────────────────────────────────────────

  /** Listens to processed messages leaving the server; returns the unsubscribe function. */
  onEcho(listener: EchoListener): () => void {
    this.#echoListeners.add(listener);
    return () => this.#echoListeners.delete(listener);
  }

  /** Sends a message to the subscribers of a topic (held back while echoes are held). */
  emitEcho(topic: string, message: WireMessage): void {
    if (this.#holdEchoes) {
      this.#held.push({ topic, message });
      return;
    }
    for (const listener of this.#echoListeners) {
      try {
        listener(topic, structuredClone(message));
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

/** Why the real server would drop this message, or undefined when it would take it. */
function validate(m: WireMessage, topic: string): string | undefined {
  if (!m.uid) return 'message has no uid';
  if (!m.status) return 'message has no status';
  if (!m.thread) return 'message has no thread';
  if (!m.thread.topic) return 'message has no thread.topic';
  if (!isKnownThreadType(m.thread.type)) return `thread.type "${m.thread.type}" is not a thread type`;
  if (m.thread.topic !== topic) return `thread.topic "${m.thread.topic}" is not the topic "${topic}"`;
  return undefined;
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
