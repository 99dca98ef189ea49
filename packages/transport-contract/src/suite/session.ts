import type { AuthErrorCode } from 'aedes';
import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';
import { nextEvent, rejection } from '../wait.js';

/** A session with a real broker: the bytes go through, CONNECT carries what was given, refusals are classified. */
export function sessionTests(h: Harness): void {
  it('connects, subscribes, publishes and receives binary payloads', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const result = await t.connect(USER);
    expect(result).toEqual({ sessionPresent: false });
    expect(t.isConnected()).toBe(true);

    await t.subscribe(['org/agent/a1/v1'], 1);
    const payload = new Uint8Array(256).map((_, i) => i);
    const received = nextEvent(t, 'message');
    await t.publish('org/agent/a1/v1', payload, 1);
    const event = await received;
    expect(event).toEqual({ type: 'message', topic: 'org/agent/a1/v1', payload });
    expect(event.type === 'message' && event.payload.constructor).toBe(Uint8Array);

    await t.publish('org/agent/a1/v1', new Uint8Array([0, 1, 2]).subarray(1), 0);
    const second = await nextEvent(t, 'message');
    expect(second.type === 'message' && [...second.payload]).toEqual([1, 2]);

    await t.unsubscribe(['org/agent/a1/v1']);
  });

  it('sends clientId, username, password, MQTT 3.1.1, clean=false and keepalive as given', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url, { keepalive: 20 });
    await t.connect(USER);
    expect(b.connects).toHaveLength(1);
    const packet = b.connects[0];
    expect(packet?.clientId).toBe(USER.clientId);
    expect(packet?.username).toBe(USER.username);
    expect(packet?.password?.toString()).toBe(USER.password);
    expect(packet?.protocolVersion).toBe(4);
    expect(packet?.protocolId).toBe('MQTT');
    expect(packet?.clean).toBe(false);
    expect(packet?.keepalive).toBe(20);
  });

  it('reports a kept session after reconnecting with clean=false', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    await t.connect(USER);
    await t.subscribe(['user/u1'], 1);
    await t.close();
    expect(await t.connect(USER)).toEqual({ sessionPresent: true });
  });

  it('rejects a wrong password with bad_credentials, without the password in the message', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const error = await rejection(t.connect({ ...USER, password: 'wrong-token' }));
    expect(error.code).toBe('bad_credentials');
    expect(error.details).toMatchObject({ returnCode: 4 });
    expect(error.message).not.toContain('wrong-token');
    expect(t.isConnected()).toBe(false);
  });

  it('maps CONNACK 5 to not_authorized and 2 to bad_credentials', async () => {
    let returnCode = 5;
    const { url } = await h.startBroker({
      authenticate(_client, _username, _password, done) {
        done(Object.assign(new Error('no'), { returnCode: returnCode as AuthErrorCode }), null);
      },
    });
    expect((await rejection(h.transport(url).connect(USER))).code).toBe('not_authorized');
    returnCode = 2;
    expect((await rejection(h.transport(url).connect(USER))).code).toBe('bad_credentials');
  });

  it('rejects a refused subscription with not_authorized and stays connected', async () => {
    const b = await h.startBroker({
      authorizeSubscribe(_client, subscription, callback) {
        callback(null, subscription.topic.startsWith('user/u1') ? subscription : null);
      },
    });
    const t = h.transport(b.url);
    await t.connect(USER);
    await t.subscribe(['user/u1'], 1);
    const error = await rejection(t.subscribe(['user/someone-else'], 1));
    expect(error.code).toBe('not_authorized');
    expect(t.isConnected()).toBe(true);
  });
}
