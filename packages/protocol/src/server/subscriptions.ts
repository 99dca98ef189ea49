import type { ServerMode } from './options.js';

/** What a SUBSCRIBE filter is to the server: an exact topic, a wildcard, or one that closes the connection. */
export type FilterKind = 'exact' | 'wildcard' | 'invalid';

/**
 * Classifies a filter as the real server does: empty, ending in `+` or `/`, more than one `#`,
 * a `#` anywhere but last after a `/`, or a `+` not right after a `/` is invalid (the server
 * closes the connection); any other filter holding `+` or `#` is a wildcard.
 */
export function classifyFilter(filter: string): FilterKind {
  if (filter.length === 0 || filter.endsWith('+') || filter.endsWith('/')) return 'invalid';
  const hashes = filter.split('#').length - 1;
  if (hashes > 1) return 'invalid';
  if (hashes === 1 && !(filter === '#' || filter.endsWith('/#'))) return 'invalid';
  for (let i = filter.indexOf('+'); i !== -1; i = filter.indexOf('+', i + 1)) {
    if (i === 0 || filter[i - 1] !== '/') return 'invalid';
  }
  return hashes > 0 || filter.includes('+') ? 'wildcard' : 'exact';
}

/**
 * Whether a subscription with `filter` receives what is routed to `topic`. The real server
 * finds subscribers with SQL `LIKE %topic%`, so `org/agent/a/v10` receives `org/agent/a/v1`;
 * its wildcards match nothing. `strict` matches exact topics only.
 */
export function filterMatches(filter: string, topic: string, mode: ServerMode): boolean {
  if (topic.length === 0 || classifyFilter(filter) !== 'exact') return false;
  return mode === 'strict' ? filter === topic : filter.includes(topic);
}

/**
 * The topic a MEMBER thread's second copy goes to: `org/member/{a}/{b}` → `org/member/{b}/{a}`;
 * undefined for any other topic (or when both sides are the same member).
 */
export function reversedMemberTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'org' || parts[1] !== 'member') return undefined;
  const [, , self, other] = parts;
  if (!self || !other || self === other) return undefined;
  return `org/member/${other}/${self}`;
}

/**
 * The MQTT CONNACK session-present flag the real server sends: set for a `clean: false`
 * client whose clientId it has seen before, although it keeps no session (nothing was queued).
 */
export function sessionPresentFlag(clean: boolean, clientIdSeenBefore: boolean): boolean {
  return !clean && clientIdSeenBefore;
}

/** The user a clientId `{uid}/{channel}/{deviceUid}` belongs to: the part before the first `/`. */
export function clientIdUser(clientId: string): string {
  const slash = clientId.indexOf('/');
  return slash === -1 ? clientId : clientId.slice(0, slash);
}
