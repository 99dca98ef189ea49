/**
 * Ids of unbounded length cannot bloat a client. The real server checks no uid (SPEC §2) and takes
 * packets up to 10,240 bytes, so anyone may post a message with a 9 KB uid or sender uid into a
 * thread; the client keeps uids for long (thousands in its duplicate filter), so each such message
 * it took would cost it kilobytes. Against the real mock broker, which stores and routes them as
 * the real server does: over MQTT and from REST history, such a message is a `decode_failed`
 * error event, is not kept (the same uid again is an error again, not a duplicate), and the next
 * good message arrives.
 */

import {
  AGENT,
  DEMO_THREAD,
  NO_HISTORY_LAG,
  startTestBroker,
  type TestBroker,
  VISITOR,
} from '@weiyu/mock-broker/testing';
import { encodeMessage, formatServerTime, MAX_UID_LENGTH, type WireMessageInit } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClient } from './harness/client.js';
import { connectRaw, type RawClient } from './harness/raw-mqtt.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
/** Long, yet the PUBLISH stays within the server's 10,240-byte packet limit. */
const LONG = 'h'.repeat(9_000);

function message(over: WireMessageInit): WireMessageInit {
  return {
    uid: 'a'.repeat(32),
    type: 'TEXT',
    content: 'hello',
    status: 'SENDING',
    createdAt: formatServerTime(Date.now()),
    channel: 'WEB',
    extra: '{"orgUid":"org_demo"}',
    user: { uid: AGENT.uid, nickname: 'agent', type: 'AGENT' },
    thread: { uid: DEMO_THREAD.uid, topic: TOPIC, type: DEMO_THREAD.type, user: { uid: VISITOR.uid } },
    ...over,
  };
}

/** A third party on the thread: the server checks nothing of what it posts. */
async function attacker(broker: TestBroker): Promise<RawClient> {
  return await connectRaw(broker.mqttUrl, {
    clientId: `${AGENT.uid}/WEB/attacker`,
    username: AGENT.username,
    password: broker.login(AGENT.username, AGENT.password).accessToken,
  });
}

async function post(raw: RawClient, over: WireMessageInit): Promise<void> {
  await raw.client.publishAsync(TOPIC, Buffer.from(encodeMessage(message(over))), { qos: 1 });
}

/** The client's `decode_failed` errors for an id over its limit, by field. */
function longIdErrors(visitor: TestClient): string[] {
  return visitor.events
    .errors()
    .filter((e) => e.code === 'decode_failed' && e.details.limit === MAX_UID_LENGTH)
    .map((e) => String(e.details.field));
}

describe('ids over their limit', () => {
  test('over MQTT: a 9 KB uid or sender uid is an error event, not kept, and the next good message arrives', async () => {
    // History at once: live messages are not held back for the write lag after the subscription.
    await using broker = await startTestBroker(NO_HISTORY_LAG);
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await using raw = await attacker(broker);
    await post(raw, { uid: LONG });
    // The same uid again: not a duplicate of something kept, refused again.
    await post(raw, { uid: LONG, content: 'again' });
    await post(raw, { uid: 'b'.repeat(32), type: 'TYPING', content: '', user: { uid: LONG } });
    await post(raw, { uid: 'c'.repeat(32), content: 'good afterwards' });

    await visitor.events.waitFor('message', (m) => m.content === 'good afterwards');
    expect(longIdErrors(visitor)).toEqual(['uid', 'uid', 'user.uid']);
    expect(visitor.events.messages().map((m) => m.content)).toEqual(['good afterwards']);
    expect(visitor.events.of('typing')).toEqual([]);
    expect(visitor.client.isConnected()).toBe(true);
  });

  test('from REST history: a stored 9 KB uid is an error event at catch-up, not shown, and the good one after it is', async () => {
    // History at once: what was posted is in history when the visitor catches up.
    await using broker = await startTestBroker(NO_HISTORY_LAG);
    {
      await using raw = await attacker(broker);
      await post(raw, { uid: LONG });
      await post(raw, { uid: 'c'.repeat(32), content: 'good afterwards' });
      await waitFor(() => broker.history(TOPIC).length >= 2, { message: 'both posts in history' });
    }
    // The server stored it as it stores anything.
    expect(broker.history(TOPIC).some((m) => m.uid === LONG)).toBe(true);

    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await visitor.events.waitFor('message', (m) => m.content === 'good afterwards');
    await waitFor(() => longIdErrors(visitor).length > 0, { message: 'the error for the long uid' });
    expect(longIdErrors(visitor)).toEqual(['uid']);
    expect(visitor.events.messages().some((m) => m.uid === LONG)).toBe(false);
    expect(
      visitor.client
        .timeline(TOPIC)
        .get()
        .messages.some((m) => m.uid === LONG),
    ).toBe(false);
  });
});
