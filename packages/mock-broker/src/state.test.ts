import { readFileSync } from 'node:fs';
import { encodeMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-guard.js';
import { DEFAULT_SEED_PATH, loadSeed } from './seed.js';
import { MockServerState } from './state.js';
import { THREAD_TOPIC, textMessage } from './testing/helpers.js';
import { TokenSigner } from './token.js';

describe('TokenSigner', () => {
  it('round-trips, and refuses forged, expired and malformed tokens', () => {
    const signer = new TokenSigner('s');
    const token = signer.sign({ sub: 'u1', exp: 2000 });
    expect(signer.verify(token, 1000)).toEqual({ ok: true, claims: { sub: 'u1', exp: 2000 } });
    expect(signer.verify(token, 2000)).toEqual({ ok: false, problem: 'expired' });
    expect(new TokenSigner('other').verify(token, 1000)).toEqual({ ok: false, problem: 'forged' });
    const [body, mac] = token.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ sub: 'admin', exp: 2000 })).toString('base64url')}.${mac}`;
    expect(signer.verify(tampered, 1000)).toEqual({ ok: false, problem: 'forged' });
    expect(signer.verify('nodot', 1000)).toEqual({ ok: false, problem: 'malformed' });
    expect(body).toBeTruthy();
  });
});

describe('PacketSizeGuard', () => {
  it('follows packet boundaries across chunks and trips on the first packet over the limit', () => {
    const guard = new PacketSizeGuard(100);
    // PINGREQ (0 remaining), a 100-byte packet split in three, then a 101-byte one.
    expect(guard.accept(Buffer.from([0xc0, 0x00]))).toBe(true);
    expect(guard.accept(Buffer.from([0x30, 100, ...Buffer.alloc(40)]))).toBe(true);
    expect(guard.accept(Buffer.alloc(60))).toBe(true);
    expect(guard.accept(Buffer.from([0x30, 101]))).toBe(false);
  });

  it('reads multi-byte remaining lengths', () => {
    const guard = new PacketSizeGuard(10_240);
    expect(guard.accept(Buffer.from([0x30, 0x80, 0x50]))).toBe(true); // 10,240
    expect(new PacketSizeGuard(10_240).accept(Buffer.from([0x30, 0x81, 0x50]))).toBe(false); // 10,241
  });
});

describe('MockServerState', () => {
  it('loads the default seed file', () => {
    const seed = loadSeed();
    expect(seed).toEqual(JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')));
    expect(seed.users.map((u) => u.username)).toEqual(['agent', 'agent2', 'visitor', 'visitor2']);
  });

  it('rejects a bad seed with a clear error', () => {
    expect(() => new MockServerState({ seed: { users: [{ uid: 'x' }] } as never })).toThrow(/username/);
    expect(() => new MockServerState({ seed: '/nonexistent/seed.json' })).toThrow(/cannot read seed file/);
  });

  it('applies the access rules', () => {
    const state = new MockServerState();
    state.addUser({ uid: 'outsider', username: 'o', password: 'o', nickname: 'O', type: 'AGENT', orgUid: 'org_other' });
    state.addThread({ uid: 'g', topic: 'org/group/g1', type: 'GROUP', participants: ['agent_demo'] });
    const can = (uid: string, topic: string) => state.canAccess(uid, topic);
    expect(can('agent_demo', 'user/agent_demo')).toBe(true);
    expect(can('agent_demo', 'user/visitor_demo')).toBe(false);
    expect(can('agent_demo', 'system/agent_demo')).toBe(true);
    expect(can('agent_demo', 'org/org_demo')).toBe(true);
    expect(can('outsider', 'org/org_demo')).toBe(false);
    expect(can('visitor_demo', THREAD_TOPIC)).toBe(true);
    expect(can('visitor_demo2', THREAD_TOPIC)).toBe(false);
    expect(can('agent_demo2', 'org/workgroup/workgroup_demo/visitor_demo2')).toBe(true);
    expect(can('outsider', 'org/workgroup/workgroup_demo/visitor_demo2')).toBe(false);
    expect(can('visitor_demo2', 'org/workgroup/workgroup_demo/visitor_demo2')).toBe(true);
    expect(can('agent_demo', 'org/member/agent_demo/agent_demo2')).toBe(true);
    expect(can('agent_demo', 'org/group/g1')).toBe(true);
    expect(can('agent_demo2', 'org/group/g1')).toBe(false);
    expect(can('agent_demo', 'org/agent/+/visitor_demo')).toBe(false);
    expect(can('ghost', 'user/ghost')).toBe(false);
  });

  it('routes bytes, keeps the echo order, and refuses what the server drops', () => {
    const state = new MockServerState({ now: () => 0 });
    const echoes: string[] = [];
    state.onEcho((topic, m) => echoes.push(`${topic}:${m.uid}:${m.status}:${m.createdAt}`));
    const m = textMessage({ uid: 'a' });
    expect(state.routeBytes(encodeMessage(m), THREAD_TOPIC)).toMatchObject({ ok: true, stored: true });
    expect(state.routeBytes(encodeMessage(m), THREAD_TOPIC)).toMatchObject({ ok: true, stored: false });
    expect(state.routeBytes(new Uint8Array([0xff]), THREAD_TOPIC)).toMatchObject({ ok: false, kind: 'invalid' });
    expect(state.route(textMessage({ status: '' }) as never, { publishTopic: THREAD_TOPIC })).toMatchObject({
      ok: false,
    });
    expect(echoes).toEqual([
      `${THREAD_TOPIC}:a:SUCCESS:1970-01-01 08:00:00`,
      `${THREAD_TOPIC}:a:SUCCESS:1970-01-01 08:00:00`,
    ]);
  });

  it('counts REST fault times down and honours rate', () => {
    const state = new MockServerState({ random: () => 0.5 });
    state.setRestFault({ code: 500, rate: 0.4 });
    expect(state.takeRestFault()).toBeUndefined();
    state.setRestFault({ code: 500, rate: 0.6, times: 2 });
    expect(state.takeRestFault()).toMatchObject({ code: 500 });
    expect(state.takeRestFault()).toMatchObject({ code: 500 });
    expect(state.takeRestFault()).toBeUndefined();
    expect(state.restFault).toBeUndefined();
  });
});
