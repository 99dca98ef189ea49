import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { Logger } from './interfaces.js';
import { type ConsoleLike, createConsoleLogger, noopLogger, REDACTED, redact, redactingLogger } from './logger.js';

function recordingConsole() {
  const lines: Array<[string, unknown[]]> = [];
  const c: ConsoleLike = {
    debug: (...a) => lines.push(['debug', a]),
    info: (...a) => lines.push(['info', a]),
    warn: (...a) => lines.push(['warn', a]),
    error: (...a) => lines.push(['error', a]),
  };
  return { c, lines };
}

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('token abc and abc again, xyz', ['abc', 'xyz'])).toBe(
      `token ${REDACTED} and ${REDACTED} again, ${REDACTED}`,
    );
  });

  it('ignores empty and missing secrets, and replaces longer secrets first', () => {
    expect(redact('hello', ['', undefined])).toBe('hello');
    expect(redact('secret-long', ['secret', 'secret-long'])).toBe(REDACTED);
  });
});

describe('createConsoleLogger', () => {
  it('writes at the level and above, with the prefix', () => {
    const { c, lines } = recordingConsole();
    const logger = createConsoleLogger({ console: c, level: 'warn', prefix: '[t]' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e', { n: 1 });
    expect(lines).toEqual([
      ['warn', ['[t] w']],
      ['error', ['[t] e', '{"n":1}']],
    ]);
  });

  it('keeps secrets out of messages and data, and serialises errors and cycles', () => {
    const { c, lines } = recordingConsole();
    const logger = createConsoleLogger({ console: c, level: 'debug', secrets: () => ['tok123'] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    logger.info('using tok123', {
      error: new SdkError('network', 'failed with tok123'),
      cyclic,
      big: 1n,
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('tok123');
    expect(text).toContain('network');
    expect(text).toContain('[circular]');
  });

  it('silent writes nothing; noop logger does nothing', () => {
    const { c, lines } = recordingConsole();
    createConsoleLogger({ console: c, level: 'silent' }).error('x');
    noopLogger.error('x');
    expect(lines).toEqual([]);
  });
});

describe('redactingLogger', () => {
  it('keeps the secrets of the moment out of the message and every string value', () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const inner: Logger = {
      debug: (m, d) => lines.push([m, d]),
      info: (m, d) => lines.push([m, d]),
      warn: (m, d) => lines.push([m, d]),
      error: (m, d) => lines.push([m, d]),
    };
    let secrets: string[] = [];
    const logger = redactingLogger(inner, () => secrets);
    logger.info('token t1', { a: 't1', n: 1 });
    secrets = ['t1'];
    logger.warn('token t1', { a: 'x t1', n: 1 });
    logger.error('plain');
    expect(lines).toEqual([
      ['token t1', { a: 't1', n: 1 }],
      [`token ${REDACTED}`, { a: `x ${REDACTED}`, n: 1 }],
      ['plain', undefined],
    ]);
  });
});
