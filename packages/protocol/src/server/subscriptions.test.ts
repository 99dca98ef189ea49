import { describe, expect, it } from 'vitest';
import { classifyFilter, clientIdUser, reversedMemberTopic, sessionPresentFlag } from './subscriptions.js';

describe('server subscriptions', () => {
  it('classifies filters as the server does', () => {
    expect(['a/b', 'org/agent/x/y'].map(classifyFilter)).toEqual(['exact', 'exact']);
    expect(['#', 'a/#', 'a/+/b', '+'].map(classifyFilter)).toEqual(['wildcard', 'wildcard', 'wildcard', 'invalid']);
    expect(['', 'a/', 'a/+', '#/#', 'a/#/b', 'a/b+', '+/a'].map(classifyFilter)).toEqual(Array(7).fill('invalid'));
  });

  it('reverses MEMBER topics only', () => {
    expect(reversedMemberTopic('org/member/a/b')).toBe('org/member/b/a');
    expect(reversedMemberTopic('org/member/a/a')).toBeUndefined();
    expect(reversedMemberTopic('org/agent/a/b')).toBeUndefined();
  });

  it('says session present for a clean:false client seen before, and takes the uid off a clientId', () => {
    expect([sessionPresentFlag(false, true), sessionPresentFlag(true, true), sessionPresentFlag(false, false)]).toEqual(
      [true, false, false],
    );
    expect(clientIdUser('u1/web/d1')).toBe('u1');
    expect(clientIdUser('')).toBe('');
  });
});
