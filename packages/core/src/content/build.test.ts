import { describe, expect, it } from 'vitest';
import type { OutgoingContent } from '../api.js';
import { buildContent, previewContent, referenceContent, typingContent } from './build.js';

function built(input: OutgoingContent): { type: string; content: string } {
  const result = buildContent(input);
  if (!result.ok) throw result.error;
  return result.value;
}

function json(input: OutgoingContent): unknown {
  return JSON.parse(built(input).content);
}

/** Asserts an invalid_content error and returns its message. */
function refused(input: unknown, field?: string): string {
  const result = buildContent(input as OutgoingContent);
  expect(result.ok).toBe(false);
  if (result.ok) return '';
  expect(result.error.code).toBe('invalid_content');
  if (field !== undefined) expect(result.error.details.field).toBe(field);
  return result.error.message;
}

describe('buildContent: text', () => {
  it('passes TEXT through unchanged (not trimmed)', () => {
    expect(built({ type: 'TEXT', text: '  你好 👋\n' })).toEqual({ type: 'TEXT', content: '  你好 👋\n' });
  });

  it.each(['', '   ', '\n\t'])('refuses empty TEXT %j', (text) => {
    expect(refused({ type: 'TEXT', text }, 'text')).toMatch(/TEXT: text must not be empty/);
  });

  it('refuses TEXT without a string', () => {
    expect(refused({ type: 'TEXT' }, 'text')).toMatch(/text must be a string/);
    expect(refused({ type: 'TEXT', text: 42 }, 'text')).toMatch(/got 42/);
  });

  it('passes other text-like and app-defined types through, empty allowed', () => {
    expect(built({ type: 'WELCOME', text: '欢迎' })).toEqual({ type: 'WELCOME', content: '欢迎' });
    expect(built({ type: 'NOTICE', text: '' })).toEqual({ type: 'NOTICE', content: '' });
    expect(built({ type: 'GOODS', text: '{"sku":"1"}' })).toEqual({ type: 'GOODS', content: '{"sku":"1"}' });
    expect(built({ type: 'HOLOGRAM', text: 'future' })).toEqual({ type: 'HOLOGRAM', content: 'future' });
  });

  it('refuses a missing or empty type', () => {
    expect(refused({ text: 'x' }, 'type')).toMatch(/needs a message "type"/);
    expect(refused({ type: ' ', text: 'x' }, 'type')).toMatch(/type/);
    expect(refused(null)).toMatch(/object/);
    expect(refused('TEXT')).toMatch(/object/);
  });
});

describe('buildContent: media', () => {
  it('IMAGE writes {url, width?, height?, label?} and leaves undefined fields out', () => {
    expect(built({ type: 'IMAGE', url: 'https://cdn.example.com/a.png' }).content).toBe(
      '{"url":"https://cdn.example.com/a.png"}',
    );
    expect(
      json({
        type: 'IMAGE',
        url: 'http://x.io/a.png',
        width: 640,
        height: 480,
        label: '图',
        extra: 1,
      } as OutgoingContent),
    ).toEqual({ url: 'http://x.io/a.png', width: 640, height: 480, label: '图' });
    expect(json({ type: 'IMAGE', url: 'http://x.io/a.png', width: undefined })).toEqual({ url: 'http://x.io/a.png' });
  });

  it('IMAGE also takes the guide form, the URL in text', () => {
    expect(json({ type: 'IMAGE', text: 'https://cdn.example.com/a.png' })).toEqual({
      url: 'https://cdn.example.com/a.png',
    });
  });

  it('FILE writes {url, name, size, type (the MIME type), label?, hash?}', () => {
    expect(
      json({
        type: 'FILE',
        url: 'https://cdn.example.com/报告.pdf',
        name: '报告.pdf',
        size: 1024,
        mimeType: 'application/pdf',
        hash: 'abc',
      }),
    ).toEqual({
      url: 'https://cdn.example.com/报告.pdf',
      name: '报告.pdf',
      size: 1024,
      type: 'application/pdf',
      hash: 'abc',
    });
    expect(json({ type: 'FILE', url: 'https://x.io/f', name: 'f', size: 0 })).toEqual({
      url: 'https://x.io/f',
      name: 'f',
      size: 0,
    });
  });

  it('VIDEO, VOICE and AUDIO write the shapes of SPEC §5', () => {
    expect(
      json({
        type: 'VIDEO',
        url: 'https://x.io/v.mp4',
        coverUrl: 'https://x.io/v.jpg',
        duration: 12.5,
        width: 1920,
        height: 1080,
        format: 'mp4',
        mimeType: 'video/mp4',
        size: 99,
        caption: '视频',
      }),
    ).toEqual({
      url: 'https://x.io/v.mp4',
      coverUrl: 'https://x.io/v.jpg',
      duration: 12.5,
      width: 1920,
      height: 1080,
      format: 'mp4',
      mimeType: 'video/mp4',
      size: 99,
      caption: '视频',
    });
    expect(json({ type: 'VOICE', url: 'https://x.io/v.amr', duration: 3, format: 'amr', caption: 'hi' })).toEqual({
      url: 'https://x.io/v.amr',
      duration: 3,
      format: 'amr',
      caption: 'hi',
    });
    expect(json({ type: 'AUDIO', url: 'https://x.io/a.mp3', duration: 180, format: 'mp3' })).toEqual({
      url: 'https://x.io/a.mp3',
      duration: 180,
      format: 'mp3',
    });
  });

  it.each([
    ['a relative path', '/files/a.png'],
    ['no scheme', 'cdn.example.com/a.png'],
    ['ftp', 'ftp://x.io/a.png'],
    ['javascript:', 'javascript:alert(1)'],
    ['a blob: URL (means nothing on the other side)', 'blob:https://x.io/1234'],
    ['a data: URL (too big for a packet)', 'data:image/png;base64,AAAA'],
    ['no host', 'https:///a.png'],
    ['a blank in the host', 'https://x .io/a.png'],
    ['a blank at the end', 'https://x.io/a.png '],
    ['a newline', 'https://x.io/a\n.png'],
    ['the empty string', ''],
  ])('refuses a media URL with %s', (_label, url) => {
    expect(refused({ type: 'IMAGE', url }, 'url')).toMatch(/IMAGE: url must be an absolute http\(s\) URL/);
  });

  it('refuses a non-string URL and a missing URL', () => {
    expect(refused({ type: 'VIDEO', url: 42 }, 'url')).toMatch(/got 42/);
    expect(refused({ type: 'AUDIO' }, 'url')).toMatch(/got undefined/);
  });

  it('refuses a bad VIDEO coverUrl', () => {
    expect(refused({ type: 'VIDEO', url: 'https://x.io/v', coverUrl: 'cover.jpg' }, 'coverUrl')).toMatch(/coverUrl/);
  });

  it.each([
    ['size', { size: -1 }],
    ['size', { size: Number.NaN }],
    ['size', { size: Number.POSITIVE_INFINITY }],
    ['size', { size: '1024' }],
    ['size', {}],
    ['name', { name: '', size: 1 }],
    ['name', { name: '   ', size: 1 }],
    ['name', { name: undefined, size: 1 }],
    ['mimeType', { size: 1, mimeType: 'pdf' }],
    ['hash', { size: 1, hash: 5 }],
    ['label', { size: 1, label: null }],
  ])('refuses a FILE with a bad %s (%o)', (field, override) => {
    const input = { type: 'FILE', url: 'https://x.io/f', name: 'f.txt', ...override };
    expect(refused(input, field)).toMatch(new RegExp(`FILE: ${field}`));
  });

  it.each([
    ['width', { width: -1 }],
    ['height', { height: Number.NaN }],
    ['label', { label: 7 }],
  ])('refuses an IMAGE with a bad %s', (field, override) => {
    expect(refused({ type: 'IMAGE', url: 'https://x.io/a', ...override }, field)).toMatch(field);
  });

  it.each([
    ['duration', { duration: -0.5 }],
    ['format', { format: 3 }],
  ])('refuses VOICE with a bad %s', (field, override) => {
    expect(refused({ type: 'VOICE', url: 'https://x.io/a', ...override }, field)).toMatch(field);
  });

  it('writes -0 as 0', () => {
    expect(built({ type: 'IMAGE', url: 'https://x.io/a', width: -0 }).content).toBe(
      '{"url":"https://x.io/a","width":0}',
    );
  });
});

describe('buildContent: LOCATION', () => {
  it('writes {latitude, longitude, address, label?}', () => {
    expect(json({ type: 'LOCATION', latitude: 39.9, longitude: 116.4, address: '北京', label: '公司' })).toEqual({
      latitude: 39.9,
      longitude: 116.4,
      address: '北京',
      label: '公司',
    });
  });

  it('accepts the extremes of both ranges and an empty address', () => {
    expect(json({ type: 'LOCATION', latitude: -90, longitude: 180, address: '' })).toEqual({
      latitude: -90,
      longitude: 180,
      address: '',
    });
  });

  it.each([
    ['latitude', { latitude: 90.0001 }],
    ['latitude', { latitude: -91 }],
    ['latitude', { latitude: Number.NaN }],
    ['latitude', { latitude: '39.9' }],
    ['latitude', { latitude: undefined }],
    ['longitude', { longitude: 180.5 }],
    ['longitude', { longitude: Number.NEGATIVE_INFINITY }],
    ['address', { address: undefined }],
    ['address', { address: 12 }],
  ])('refuses a bad %s (%o)', (field, override) => {
    const input = { type: 'LOCATION', latitude: 1, longitude: 2, address: 'a', ...override };
    expect(refused(input, field)).toMatch(new RegExp(`LOCATION: ${field}`));
  });
});

describe('buildContent: signals', () => {
  it('TYPING is always empty', () => {
    expect(built({ type: 'TYPING', text: 'ignored' })).toEqual({ type: 'TYPING', content: '' });
    expect(typingContent()).toBe('');
  });

  it('DELIVERED, READ and RECALL carry the uid', () => {
    for (const type of ['DELIVERED', 'READ', 'RECALL']) {
      expect(built({ type, text: 'abc123' })).toEqual({ type, content: 'abc123' });
      expect(refused({ type, text: '' }, 'text')).toMatch(/uid/);
      expect(refused({ type, text: ' abc' }, 'text')).toMatch(/blanks/);
    }
  });

  it('PREVIEW asks for previewContent', () => {
    expect(refused({ type: 'PREVIEW', text: 'x' })).toMatch(/previewContent/);
  });
});

describe('previewContent', () => {
  it('writes {v:1, content, clear, ts}', () => {
    expect(previewContent('正在输入', { ts: 1718000000000 })).toEqual({
      ok: true,
      value: '{"v":1,"content":"正在输入","clear":false,"ts":1718000000000}',
    });
    expect(previewContent('', { ts: 5, clear: true })).toEqual({
      ok: true,
      value: '{"v":1,"content":"","clear":true,"ts":5}',
    });
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])('refuses ts %d', (ts) => {
    const result = previewContent('x', { ts });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_content');
  });

  it('refuses non-string text and non-boolean clear', () => {
    expect(previewContent(5 as unknown as string, { ts: 1 }).ok).toBe(false);
    expect(previewContent('x', { ts: 1, clear: 'yes' as unknown as boolean }).ok).toBe(false);
  });
});

describe('referenceContent', () => {
  it('returns the uid', () => {
    expect(referenceContent('0123abcd')).toEqual({ ok: true, value: '0123abcd' });
  });

  it.each(['', ' ', 'a b', 'abc\n'])('refuses %j', (uid) => {
    const result = referenceContent(uid);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_content');
  });
});
