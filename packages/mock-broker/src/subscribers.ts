import { clientIdUser, type ServerRules } from '@weiyu/protocol/server';
import type { Client } from 'aedes';

/**
 * The real server's own fan-out, in place of aedes' MQTT matching: what each client asked for
 * (UNSUBSCRIBE is a no-op unless the rules honour it), matched to a routed topic by the rules
 * (substrings on the real server, wildcards never), delivered with the routed topic.
 */
export class Subscribers {
  readonly #rules: ServerRules;
  readonly #byClient = new Map<Client, Set<string>>();

  constructor(rules: ServerRules) {
    this.#rules = rules;
  }

  /** Records granted filters of a client. */
  add(client: Client, filters: readonly string[]): void {
    const set = this.#byClient.get(client) ?? new Set<string>();
    for (const filter of filters) set.add(filter);
    this.#byClient.set(client, set);
  }

  /** UNSUBSCRIBE: forgets filters only where the rules honour it (`strict`). */
  remove(client: Client, filters: readonly string[]): void {
    if (!this.#rules.unsubscribeHonoured) return;
    const set = this.#byClient.get(client);
    for (const filter of filters) set?.delete(filter);
  }

  /** A closed client subscribes to nothing. */
  forget(client: Client): void {
    this.#byClient.delete(client);
  }

  /**
   * The live clients that receive what is routed to `topic`, each once: those whose filters match
   * it, and those of `owners` (users the server subscribed itself, as the owners of a thread).
   */
  receivers(topic: string, owners: readonly string[] = []): Client[] {
    const found: Client[] = [];
    for (const [client, filters] of this.#byClient) {
      if (client.closed) continue;
      if (owners.length > 0 && owners.includes(clientIdUser(client.id))) {
        found.push(client);
        continue;
      }
      for (const filter of filters) {
        if (this.#rules.matches(filter, topic)) {
          found.push(client);
          break;
        }
      }
    }
    return found;
  }
}
