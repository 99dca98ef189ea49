/**
 * Where the page finds the broker and who the two panes are. Sources, later ones win:
 * built-in defaults (the mock broker's seed on its default ports), `/config.json` (written by
 * the start script), then query parameters (`?mqtt=…&http=…`, timings such as `echoTimeoutMs`).
 */
import type { ChatThread, ChatTiming } from '@weiyu/core';

export interface PaneLogin {
  readonly username: string;
  readonly password: string;
}

export interface PlaygroundConfig {
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly orgUid: string;
  readonly thread: ChatThread;
  readonly agent: PaneLogin;
  readonly visitor: PaneLogin;
  /** Overrides of the client's deadlines (tests shorten them). */
  readonly timing: Partial<ChatTiming>;
}

export const DEFAULT_CONFIG: PlaygroundConfig = {
  mqttUrl: 'ws://127.0.0.1:9885/websocket',
  httpUrl: 'http://127.0.0.1:9003',
  orgUid: 'org_demo',
  thread: { uid: 'thread_demo', topic: 'org/agent/agent_demo/visitor_demo', type: 'AGENT' },
  agent: { username: 'agent', password: 'agent123' },
  visitor: { username: 'visitor', password: 'visitor123' },
  timing: {},
};

const TIMING_KEYS = [
  'echoTimeoutMs',
  'sendDeadlineMs',
  'reconnectBaseMs',
  'reconnectMaxMs',
  'stableAfterMs',
  'connectTimeoutMs',
  'typingTtlMs',
  'typingThrottleMs',
  'catchUpPageSize',
  'catchUpMaxPages',
] as const satisfies readonly (keyof ChatTiming)[];

type ConfigFile = Partial<{
  mqttUrl: string;
  httpUrl: string;
  orgUid: string;
  thread: ChatThread;
  agent: PaneLogin;
  visitor: PaneLogin;
  timing: Partial<ChatTiming>;
}>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function login(value: unknown): PaneLogin | undefined {
  if (!isRecord(value)) return undefined;
  const username = str(value, 'username');
  const password = str(value, 'password');
  return username === undefined || password === undefined ? undefined : { username, password };
}

function thread(value: unknown): ChatThread | undefined {
  if (!isRecord(value)) return undefined;
  const uid = str(value, 'uid');
  const topic = str(value, 'topic');
  const type = str(value, 'type');
  return uid === undefined || topic === undefined || type === undefined ? undefined : { uid, topic, type };
}

function timing(value: unknown): Partial<ChatTiming> {
  const out: Partial<Record<(typeof TIMING_KEYS)[number], number>> = {};
  if (!isRecord(value)) return out;
  for (const key of TIMING_KEYS) {
    const v = value[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  return out;
}

/** Reads `/config.json`; a missing or broken file means "use the defaults". */
async function readConfigFile(): Promise<ConfigFile> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (!response.ok) return {};
    const body: unknown = await response.json();
    if (!isRecord(body)) return {};
    const file: ConfigFile = { timing: timing(body.timing) };
    const mqttUrl = str(body, 'mqttUrl');
    const httpUrl = str(body, 'httpUrl');
    const orgUid = str(body, 'orgUid');
    const t = thread(body.thread);
    const agent = login(body.agent);
    const visitor = login(body.visitor);
    if (mqttUrl !== undefined) file.mqttUrl = mqttUrl;
    if (httpUrl !== undefined) file.httpUrl = httpUrl;
    if (orgUid !== undefined) file.orgUid = orgUid;
    if (t !== undefined) file.thread = t;
    if (agent !== undefined) file.agent = agent;
    if (visitor !== undefined) file.visitor = visitor;
    return file;
  } catch {
    return {};
  }
}

export async function loadConfig(search: string): Promise<PlaygroundConfig> {
  const file = await readConfigFile();
  const params = new URLSearchParams(search);
  const queryTiming: Record<string, number> = {};
  for (const key of TIMING_KEYS) {
    const raw = params.get(key);
    if (raw !== null && raw !== '') queryTiming[key] = Number(raw);
  }
  return {
    mqttUrl: params.get('mqtt') ?? file.mqttUrl ?? DEFAULT_CONFIG.mqttUrl,
    httpUrl: (params.get('http') ?? file.httpUrl ?? DEFAULT_CONFIG.httpUrl).replace(/\/+$/, ''),
    orgUid: file.orgUid ?? DEFAULT_CONFIG.orgUid,
    thread: file.thread ?? DEFAULT_CONFIG.thread,
    agent: file.agent ?? DEFAULT_CONFIG.agent,
    visitor: file.visitor ?? DEFAULT_CONFIG.visitor,
    timing: { ...file.timing, ...timing(queryTiming) },
  };
}
