import { normalizeMessage, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type {
  RestCallOptions,
  VisitorInitRequest,
  VisitorProfile,
  VisitorThreadRequest,
  VisitorTransport,
} from '../interfaces.js';
import { startVisitor } from './start.js';

const welcomeOn = (topic: string): WireMessage =>
  normalizeMessage({
    uid: 'w1',
    type: 'WELCOME',
    content: '您好',
    status: 'SUCCESS',
    createdAt: '2026-01-02 10:00:00',
    user: { uid: 'agent_1', type: 'AGENT' },
    thread: { uid: 'th1', topic, type: 'WORKGROUP', user: { uid: 'v9' } },
  });

/** A visitor server that answers as given and records what it was asked. */
function server(profile: VisitorProfile, answer: (request: VisitorThreadRequest) => WireMessage) {
  const inits: Array<[VisitorInitRequest, RestCallOptions | undefined]> = [];
  const threads: Array<[VisitorThreadRequest, RestCallOptions | undefined]> = [];
  const rest: VisitorTransport = {
    initVisitor: async (request, options) => {
      inits.push([request, options]);
      return profile;
    },
    requestThread: async (request, options) => {
      threads.push([request, options]);
      return answer(request);
    },
  };
  return { rest, inits, threads };
}

describe('startVisitor', () => {
  it('inits the visitor, asks for their thread with the workgroup, and gives user, thread, welcome and auth', async () => {
    const { rest, inits, threads } = server({ uid: 'v9', visitorUid: 'shop-42', nickname: '小明' }, (r) =>
      welcomeOn(`org/workgroup/${r.sid}/${r.uid}`),
    );
    const session = await startVisitor(rest, {
      orgUid: 'org_1',
      workgroupUid: 'wg_1',
      visitorUid: 'shop-42',
      forceAgent: true,
      profile: { mobile: '123' },
    });

    expect(inits).toEqual([
      [{ orgUid: 'org_1', channel: 'WEB', visitorUid: 'shop-42', extra: { mobile: '123' } }, { visitor: true }],
    ]);
    expect(threads).toEqual([
      [
        {
          uid: 'v9',
          orgUid: 'org_1',
          kind: 'WORKGROUP',
          sid: 'wg_1',
          channel: 'WEB',
          forceAgent: true,
          nickname: '小明',
        },
        { visitor: true },
      ],
    ]);
    expect(session.user).toEqual({ uid: 'v9', type: 'VISITOR', nickname: '小明' });
    expect(session.visitorUid).toBe('shop-42');
    expect(session.orgUid).toBe('org_1');
    expect(session.thread).toEqual({
      uid: 'th1',
      topic: 'org/workgroup/wg_1/v9',
      type: 'WORKGROUP',
      user: { uid: 'v9' },
    });
    expect(session.welcome).toMatchObject({ uid: 'w1', type: 'WELCOME', mine: false, thread: session.thread });
    // No token from the server: a stand-in, so the client connects (the real server takes any password).
    expect(session.auth).toEqual({ username: 'v9', accessToken: 'visitor:v9' });
  });

  it('uses the token the server gives, an agent or a robot, and the channel asked for', async () => {
    const { rest, threads } = server({ uid: 'v9', accessToken: 'tok' }, (r) =>
      welcomeOn(`org/agent/${r.sid}/${r.uid}`),
    );
    const session = await startVisitor(rest, { orgUid: 'org_1', agentUid: 'agent_1', channel: 'WEB_H5' });
    expect(session.auth).toEqual({ username: 'v9', accessToken: 'tok' });
    expect(threads[0]?.[0]).toMatchObject({ kind: 'AGENT', sid: 'agent_1', channel: 'WEB_H5' });
    await startVisitor(server({ uid: 'v9' }, (r) => welcomeOn(`org/robot/${r.sid}/${r.uid}/llm7`)).rest, {
      orgUid: 'org_1',
      robotUid: 'robot_1',
    });
  });

  it('refuses unusable options before any call', async () => {
    const { rest, inits } = server({ uid: 'v9' }, (r) => welcomeOn(`org/workgroup/${r.sid}/${r.uid}`));
    for (const options of [
      { orgUid: '', workgroupUid: 'wg' },
      { orgUid: 'org_1' },
      { orgUid: 'org_1', workgroupUid: 'wg', agentUid: 'a' },
      { orgUid: 'org_1', workgroupUid: 'wg/../x' },
      { orgUid: 'org_1', agentUid: '' },
    ]) {
      await expect(startVisitor(rest, options), JSON.stringify(options)).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
    expect(inits).toEqual([]);
  });

  it('refuses a visitor uid that cannot be one, and a thread that is not this visitor’s with the one asked for', async () => {
    for (const uid of ['', 'a/b', 'x#', 'has space']) {
      const { rest, threads } = server({ uid }, (r) => welcomeOn(`org/workgroup/${r.sid}/${r.uid}`));
      await expect(startVisitor(rest, { orgUid: 'o', workgroupUid: 'wg' })).rejects.toMatchObject({ code: 'protocol' });
      expect(threads).toEqual([]);
    }
    for (const topic of ['org/workgroup/wg/someone_else', 'org/workgroup/other_wg/v9', 'org/workgroup/wg/#', '']) {
      const { rest } = server({ uid: 'v9' }, () => welcomeOn(topic));
      await expect(startVisitor(rest, { orgUid: 'o', workgroupUid: 'wg' }), topic).rejects.toMatchObject({
        code: 'protocol',
      });
    }
  });
});
