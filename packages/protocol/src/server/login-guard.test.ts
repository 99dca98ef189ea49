import { describe, expect, it } from 'vitest';
import { LoginGuard } from './login-guard.js';

describe('LoginGuard', () => {
  it('counts down the tries, locks for 10 minutes on the third, and forgets after the lock', () => {
    const guard = new LoginGuard();
    const t = 1_000_000;
    expect(guard.check('agent', t)).toBeUndefined();
    expect(guard.fail('agent', t)).toEqual({ message: '用户名或密码错误，还可尝试2次', locked: false });
    expect(guard.fail('agent', t + 1)).toEqual({ message: '用户名或密码错误，还可尝试1次', locked: false });
    expect(guard.fail('agent', t + 2)).toEqual({ message: '密码错误次数过多，账户已被锁定10分钟', locked: true });
    expect(guard.check('agent', t + 2)).toEqual({ message: '账户已被锁定，请10分0秒后重试', locked: true });
    expect(guard.check('agent', t + 2 + 9 * 60_000 + 30_000)?.message).toBe('账户已被锁定，请30秒后重试');
    expect(guard.check('other', t + 3)).toBeUndefined();
    expect(guard.check('agent', t + 2 + 10 * 60_000)).toBeUndefined();
    expect(guard.fail('agent', t + 2 + 10 * 60_000).message).toBe('用户名或密码错误，还可尝试2次');
  });

  it('a right password forgets the failures; failures older than the window are forgotten', () => {
    const guard = new LoginGuard();
    guard.fail('agent', 0);
    guard.fail('agent', 1);
    guard.succeed('agent');
    expect(guard.fail('agent', 2).message).toContain('2次');
    expect(guard.fail('agent', 2 + 60 * 60_000).message).toContain('2次');
  });
});
