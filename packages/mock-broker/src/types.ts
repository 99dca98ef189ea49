import type { UserType } from '@weiyu/protocol';
import type { ServerMode, TimeFormat as ServerTimeFormat } from '@weiyu/protocol/server';

/** An organisation of the seed data. */
export interface MockOrg {
  /** The organisation's uid. */
  uid: string;
  /** Its name. */
  name: string;
}

/** A user the mock server knows: an agent, a visitor, a member… */
export interface MockUser {
  /** The user's uid. */
  uid: string;
  /** What `POST /auth/v1/login` and the MQTT CONNECT `username` take. */
  username: string;
  /** Plain text: this is a test server. */
  password: string;
  /** Display name. */
  nickname: string;
  /** Avatar image URL. */
  avatar?: string;
  /** AGENT, VISITOR, MEMBER, … */
  type: UserType;
  /** The organisation; `org/{orgUid}` is open to its users. Defaults to the first org. */
  orgUid?: string;
}

/** A workgroup: its agents take part in every `org/workgroup/{uid}/{visitorUid}` thread. */
export interface MockWorkgroup {
  /** The workgroup's uid. */
  uid: string;
  /** Its name. */
  name?: string;
  /** Agent uids. */
  agents: string[];
}

/** A conversation the mock server knows. */
export interface MockThread {
  /** The thread's uid. */
  uid: string;
  /** e.g. `org/agent/{agentUid}/{visitorUid}`. */
  topic: string;
  /** A thread type name (AGENT, WORKGROUP, MEMBER, GROUP, …). */
  type: string;
  /** User uids allowed on the topic, besides those the topic itself names. */
  participants: string[];
  /** Its state in the thread list (NEW, CHATTING, CLOSED, …); default `CHATTING`. */
  status?: string;
}

/** What the server starts with: `seed/default.json` unless the `seed` option says otherwise. */
export interface SeedData {
  /** The organisations. */
  orgs?: MockOrg[];
  /** The users who can log in. */
  users: MockUser[];
  /** The workgroups and their agents. */
  workgroups?: MockWorkgroup[];
  /** The threads. */
  threads?: MockThread[];
}

/** Where the mock server writes what it does; every method is optional. */
export interface MockLogger {
  /** Every routed message and packet. */
  debug?(message: string, details?: Record<string, unknown>): void;
  /** Listening, connections, logins. */
  info?(message: string, details?: Record<string, unknown>): void;
  /** Refusals and dropped messages. */
  warn?(message: string, details?: Record<string, unknown>): void;
  /** Failures of the server itself. */
  error?(message: string, details?: Record<string, unknown>): void;
}

/**
 * MQTT sessions: `bytedesk` (default) keeps none, like the real server (a CONNACK may still say
 * session present; nothing is queued for an absent client); `session` keeps aedes persistent
 * sessions (clean: false clients get what was published while they were away) and lets aedes
 * route (MQTT topic matching).
 */
export type CompatMode = 'session' | 'bytedesk';

/**
 * Security: `bytedesk` (default) is the real server (open CONNECT, no access rules, anyone may
 * post into any thread); `strict` is a hardened deployment (token auth at CONNECT, access rules,
 * the sender must be the token's user, an expiring token closes its connection, exact topics).
 */
export type MockMode = ServerMode;

/** How the server writes `createdAt`: current servers `yyyy-MM-dd HH:mm:ss` (Asia/Shanghai), older ones epoch ms. */
export type TimeFormat = ServerTimeFormat;

/** A REST fault: make the REST API fail or slow down (see the README). `{}` clears it. */
export interface RestFault {
  /** HTTP status to answer with (e.g. 500, 503); the envelope's code is `code ?? status`. */
  status?: number;
  /** Envelope code to answer with, on HTTP 200 unless `status` is set (e.g. 500, -1). */
  code?: number;
  /** The envelope's message. */
  message?: string;
  /** Share of requests that fail, 0..1; default 1. `0` clears the fault. */
  rate?: number;
  /** Delay before answering (failed or not), in milliseconds. */
  delayMs?: number;
  /** How many requests fail before the fault clears itself; default: until cleared. */
  times?: number;
}
