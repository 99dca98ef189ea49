import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MockThread, MockUser, MockWorkgroup, SeedData } from './types.js';

/** The path of the seed the server uses when none is given (`seed/default.json` in this package). */
export const DEFAULT_SEED_PATH: string = fileURLToPath(new URL('../seed/default.json', import.meta.url));

/** Reads a seed: an object is checked and copied, a string is a path to a JSON file. Throws on a bad seed. */
export function loadSeed(seed: SeedData | string = DEFAULT_SEED_PATH): SeedData {
  if (typeof seed !== 'string') return checkSeed(structuredClone(seed), 'seed option');
  let text: string;
  try {
    text = readFileSync(seed, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read seed file ${seed}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new Error(`seed file ${seed} is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  return checkSeed(parsed, seed);
}

function checkSeed(value: unknown, source: string): SeedData {
  const fail = (what: string): never => {
    throw new Error(`bad seed (${source}): ${what}`);
  };
  if (!isObject(value)) return fail('not an object');
  if (!Array.isArray(value.users)) return fail('"users" must be an array');
  for (const user of value.users) checkUser(user, fail);
  for (const thread of arrayOrEmpty(value.threads, 'threads', fail)) checkThread(thread, fail);
  for (const group of arrayOrEmpty(value.workgroups, 'workgroups', fail)) checkWorkgroup(group, fail);
  for (const org of arrayOrEmpty(value.orgs, 'orgs', fail)) {
    if (!isObject(org) || typeof org.uid !== 'string') fail('every org needs a string "uid"');
  }
  return value as unknown as SeedData;
}

/** Throws unless `user` is a usable {@link MockUser}. */
export function checkUser(user: unknown, fail: (what: string) => never = defaultFail): asserts user is MockUser {
  if (!isObject(user)) return fail('a user is not an object');
  for (const key of ['uid', 'username', 'password', 'type'] as const) {
    if (typeof user[key] !== 'string' || user[key] === '') fail(`user ${String(user.uid)}: "${key}" must be a string`);
  }
  if (typeof user.uid === 'string' && /[/+#]/.test(user.uid)) fail(`user uid "${user.uid}" may not hold / + or #`);
}

/** Throws unless `thread` is a usable {@link MockThread}. */
export function checkThread(
  thread: unknown,
  fail: (what: string) => never = defaultFail,
): asserts thread is MockThread {
  if (!isObject(thread)) return fail('a thread is not an object');
  for (const key of ['uid', 'topic', 'type'] as const) {
    if (typeof thread[key] !== 'string' || thread[key] === '') {
      fail(`thread ${String(thread.uid)}: "${key}" must be a string`);
    }
  }
  if (!Array.isArray(thread.participants) || !thread.participants.every((p) => typeof p === 'string')) {
    fail(`thread ${String(thread.uid)}: "participants" must be an array of user uids`);
  }
}

function checkWorkgroup(group: unknown, fail: (what: string) => never): asserts group is MockWorkgroup {
  if (!isObject(group) || typeof group.uid !== 'string') return fail('every workgroup needs a string "uid"');
  if (!Array.isArray(group.agents)) fail(`workgroup ${group.uid}: "agents" must be an array of agent uids`);
}

function arrayOrEmpty(value: unknown, name: string, fail: (what: string) => never): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`"${name}" must be an array`);
  return value;
}

function defaultFail(what: string): never {
  throw new Error(what);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
