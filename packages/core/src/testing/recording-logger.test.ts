import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { createRecordingLogger } from './recording-logger.js';

describe('createRecordingLogger', () => {
  it('keeps every line with its level and data, errors included', () => {
    const logger = createRecordingLogger();
    logger.debug('plain');
    logger.warn('failed', { error: new SdkError('timeout', 'no answer in 5 s'), attempt: 2 });
    logger.error('odd', { big: 10n });
    expect(logger.lines).toEqual([
      'debug plain',
      'warn failed {"error":{"name":"SdkError","code":"timeout","message":"no answer in 5 s"},"attempt":2}',
      'error odd {"big":"10"}',
    ]);
  });

  it('never throws on a cycle', () => {
    const logger = createRecordingLogger();
    const data: Record<string, unknown> = { name: 'loop' };
    data.self = data;
    logger.info('cycle', data);
    expect(logger.lines).toEqual(['info cycle {"name":"loop","self":"[circular]"}']);
  });
});
