import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SdkError } from './error.js';
import {
  buildTopic,
  isThreadTopic,
  type ParsedTopic,
  parseTopic,
  threadUserUid,
  topics,
  validateTopic,
} from './topics.js';

const shapes: Array<[string, ParsedTopic, string]> = [
  ['user', { kind: 'user', uid: 'u1' }, 'user/u1'],
  ['system', { kind: 'system', uid: 'u1' }, 'system/u1'],
  ['org', { kind: 'org', orgUid: 'o1' }, 'org/o1'],
  ['agent', { kind: 'agent', agentUid: 'a1', visitorUid: 'v1' }, 'org/agent/a1/v1'],
  ['workgroup', { kind: 'workgroup', workgroupUid: 'w1', visitorUid: 'v1' }, 'org/workgroup/w1/v1'],
  ['robot', { kind: 'robot', robotUid: 'r1', visitorUid: 'v1' }, 'org/robot/r1/v1'],
  ['member', { kind: 'member', selfUid: 'm1', otherUid: 'm2' }, 'org/member/m1/m2'],
  ['group', { kind: 'group', groupUid: 'g1' }, 'org/group/g1'],
];

describe('topics', () => {
  it.each(shapes)('%s: builds, parses and builds back', (_kind, parsed, topic) => {
    expect(buildTopic(parsed)).toBe(topic);
    expect(parseTopic(topic)).toEqual({ ok: true, value: parsed });
    expect(validateTopic(topic)).toEqual({ ok: true, value: topic });
  });

  it('has a builder per shape, without a leading slash', () => {
    expect(topics.user('u1')).toBe('user/u1');
    expect(topics.system('u1')).toBe('system/u1');
    expect(topics.org('o1')).toBe('org/o1');
    expect(topics.agent('a1', 'v1')).toBe('org/agent/a1/v1');
    expect(topics.workgroup('w1', 'v1')).toBe('org/workgroup/w1/v1');
    expect(topics.robot('r1', 'v1')).toBe('org/robot/r1/v1');
    expect(topics.member('m1', 'm2')).toBe('org/member/m1/m2');
    expect(topics.group('g1')).toBe('org/group/g1');
  });

  it('tells thread topics from personal ones', () => {
    const threads = shapes.filter(([, parsed]) => isThreadTopic(parsed)).map(([kind]) => kind);
    expect(threads).toEqual(['agent', 'workgroup', 'robot', 'member', 'group']);
  });

  it.each([
    ['an empty uid', () => topics.user('')],
    ['a + wildcard', () => topics.user('+')],
    ['a # wildcard', () => topics.group('a#')],
    ['a slash inside a uid', () => topics.agent('a/b', 'v1')],
    ['an empty visitor uid', () => topics.workgroup('w1', '')],
    ['a NUL character', () => topics.robot('r\u0000', 'v1')],
  ])('a builder refuses %s with invalid_topic', (_label, build) => {
    expect(build).toThrow(SdkError);
    try {
      build();
    } catch (error) {
      expect(error instanceof SdkError && error.code).toBe('invalid_topic');
    }
  });

  it('buildTopic refuses a slash inside a uid', () => {
    expect(() => buildTopic({ kind: 'member', selfUid: 'a/b', otherUid: 'c' })).toThrow(SdkError);
  });

  it.each([
    ['a leading slash', '/user/u1'],
    ['a + wildcard', 'org/agent/+/v1'],
    ['a # wildcard', 'org/#'],
    ['# in a segment', 'user/a#b'],
    ['an empty segment', 'org//a1/v1'],
    ['a trailing slash', 'user/u1/'],
    ['the empty topic', ''],
    ['an unknown first segment', 'team/t1'],
    ['an unknown thread kind', 'org/channel/c1/v1'],
    ['too many segments', 'org/agent/a1/v1/extra'],
    ['too few segments', 'org/agent/a1'],
    ['a group with a visitor', 'org/group/g1/v1'],
    ['a bare word', 'user'],
  ])('parseTopic refuses %s (%j)', (_label, topic) => {
    const result = parseTopic(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_topic');
  });

  it('validateTopic accepts unknown exact shapes but refuses wildcards, empty segments, a leading slash', () => {
    expect(validateTopic('team/t1/x').ok).toBe(true);
    for (const bad of ['/team', 'team/+', '#', 'a//b', '', 'a/']) {
      const result = validateTopic(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('invalid_topic');
    }
  });

  it('build → parse round-trips for any uid without slash, wildcard or NUL; parse never throws', () => {
    const uid = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 20 })
      .filter((s) => !/[/+#]/.test(s) && !s.includes('\u0000'));
    fc.assert(
      fc.property(fc.constantFrom(...shapes), uid, uid, ([, template], a, b) => {
        const parsed = withUids(template, a, b);
        expect(parseTopic(buildTopic(parsed))).toEqual({ ok: true, value: parsed });
      }),
      { seed: 11, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (topic) => {
        const result = parseTopic(topic);
        if (!result.ok) expect(result.error.code).toBe('invalid_topic');
      }),
      { seed: 12, numRuns: 1000 },
    );
  });
});

describe('threadUserUid', () => {
  it.each([
    ['the agent, on an agent thread', 'org/agent/a1/v1', 'a1', 'v1'],
    ['the visitor, on an agent thread', 'org/agent/a1/v1', 'v1', 'v1'],
    ['an agent, on a workgroup thread', 'org/workgroup/w1/v1', 'a7', 'v1'],
    ['the visitor, on a robot thread', 'org/robot/r1/v1', 'v1', 'v1'],
    ['the visitor, on an LLM robot thread', 'org/robot/r1/v1/x9', 'v1', 'v1'],
    ['an agent, on a unified thread', 'org/unified/u1/v1', 'a1', 'v1'],
    ['an agent, on the side channel', 'org/agent/a1/v1_internal', 'a1', 'v1'],
    ['the first member', 'org/member/m1/m2', 'm1', 'm2'],
    ['the second member (the reversed copy)', 'org/member/m1/m2', 'm2', 'm1'],
    ['someone else on a member thread', 'org/member/m1/m2', 'x', 'm2'],
    ['a group member', 'org/group/g1', 'm1', 'g1'],
  ])('names the thread user for %s', (_who, topic, self, expected) => {
    expect(threadUserUid(topic, self)).toBe(expected);
  });

  it.each([
    'user/u1',
    'system/u1',
    'org/o1',
    'org/queue/q1',
    'org/agent/a1',
    'org/agent/a1/v1/extra',
    'org/agent/a1/',
    'org/agent/+/v1',
    'other/agent/a1/v1',
    '',
  ])('names nobody on %j', (topic) => {
    expect(threadUserUid(topic, 'a1')).toBe('');
  });
});

function withUids(template: ParsedTopic, a: string, b: string): ParsedTopic {
  switch (template.kind) {
    case 'user':
    case 'system':
      return { kind: template.kind, uid: a };
    case 'org':
      return { kind: 'org', orgUid: a };
    case 'agent':
      return { kind: 'agent', agentUid: a, visitorUid: b };
    case 'workgroup':
      return { kind: 'workgroup', workgroupUid: a, visitorUid: b };
    case 'robot':
      return { kind: 'robot', robotUid: a, visitorUid: b };
    case 'member':
      return { kind: 'member', selfUid: a, otherUid: b };
    case 'group':
      return { kind: 'group', groupUid: a };
  }
}
