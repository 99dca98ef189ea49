import { SdkError } from '@weiyu/protocol';

/**
 * Why a topic may not go on the wire as an exact topic, or `undefined` when it may. Wildcards
 * never match on the Weiyu server and make it (or any MQTT broker, in a PUBLISH) drop the
 * connection; MQTT forbids an empty topic and the NUL character.
 */
function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'it is empty';
  if (topic.includes('+') || topic.includes('#')) return 'it holds a wildcard (+ or #)';
  if (topic.includes('\u0000')) return 'it holds a NUL character';
  return undefined;
}

/** An `invalid_topic` error for the first topic that may not go on the wire, or `undefined` when all may. */
export function refuseInexactTopics(topics: readonly string[], what: string): SdkError | undefined {
  for (const topic of topics) {
    const problem = topicProblem(topic);
    if (problem !== undefined) {
      return new SdkError('invalid_topic', `Cannot ${what} "${topic}": exact topics only, and ${problem}`, {
        details: { topic },
      });
    }
  }
  return undefined;
}
