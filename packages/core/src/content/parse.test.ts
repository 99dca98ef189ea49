import { describe, expect, it } from 'vitest';
import type { ParsedContent } from '../api.js';
import { parseContent } from './parse.js';
import { REFERENCE_TYPES, TEXT_LIKE_TYPES } from './text-like.js';

/** Asserts an invalid result and returns its reason. */
function invalid(type: string, raw: string): string {
  const parsed = parseContent(type, raw);
  expect(parsed.kind).toBe('invalid');
  if (parsed.kind !== 'invalid') return '';
  expect(parsed.raw).toBe(raw);
  expect(parsed.error.code).toBe('invalid_content');
  expect(parsed.error.message.startsWith(`${type} content:`)).toBe(true);
  return parsed.error.message;
}

describe('parseContent: text, references, raw', () => {
  it.each(TEXT_LIKE_TYPES.map((t) => [t]))('%s is text, as it came', (type) => {
    expect(parseContent(type, ' 你好 {"url":1} ')).toEqual({ kind: 'text', text: ' 你好 {"url":1} ' });
    expect(parseContent(type, '')).toEqual({ kind: 'text', text: '' });
  });

  it.each(REFERENCE_TYPES.map((t) => [t]))('%s is a reference to a uid', (type) => {
    expect(parseContent(type, 'abc123')).toEqual({ kind: 'reference', uid: 'abc123' });
    expect(parseContent(type, ' abc123\n')).toEqual({ kind: 'reference', uid: 'abc123' });
    expect(parseContent(type, '{"uid":"abc123"}')).toEqual({ kind: 'reference', uid: 'abc123' });
    expect(invalid(type, '')).toMatch(/no message uid/);
    expect(invalid(type, '{"uid":5}')).toMatch(/no message uid/);
  });

  it('keeps other and unknown types raw', () => {
    for (const type of ['CARD', 'GOODS', 'KICKOFF', 'HOLOGRAM', '', 'text']) {
      expect(parseContent(type, '{"a":1}')).toEqual({ kind: 'raw', raw: '{"a":1}' });
    }
  });
});

describe('parseContent: PREVIEW', () => {
  it('reads {v, content, clear, ts}', () => {
    expect(parseContent('PREVIEW', '{"v":1,"content":"正在","clear":false,"ts":1718000000000}')).toEqual({
      kind: 'preview',
      text: '正在',
      clear: false,
      ts: 1718000000000,
    });
    expect(parseContent('PREVIEW', '{"v":1,"content":"","clear":true}')).toEqual({
      kind: 'preview',
      text: '',
      clear: true,
    });
  });

  it('accepts ts and clear as strings and drops a bad ts', () => {
    expect(parseContent('PREVIEW', '{"content":"a","clear":"true","ts":"12"}')).toEqual({
      kind: 'preview',
      text: 'a',
      clear: true,
      ts: 12,
    });
    expect(parseContent('PREVIEW', '{"content":"a","ts":"soon"}')).toEqual({
      kind: 'preview',
      text: 'a',
      clear: false,
    });
  });

  it('takes plain text from older clients', () => {
    expect(parseContent('PREVIEW', 'hello')).toEqual({ kind: 'preview', text: 'hello', clear: false });
  });

  it('is invalid for broken JSON or a non-string content', () => {
    expect(invalid('PREVIEW', '{"content":')).toMatch(/not a JSON object/);
    expect(invalid('PREVIEW', '{"content":5}')).toMatch(/not a string/);
  });
});

describe('parseContent: media, SPEC §5 shapes', () => {
  it('IMAGE', () => {
    expect(parseContent('IMAGE', '{"url":"https://x.io/a.png","width":640,"height":480,"label":"图"}')).toEqual({
      kind: 'image',
      url: 'https://x.io/a.png',
      width: 640,
      height: 480,
      label: '图',
    });
  });

  it('FILE, with numbers as numeric strings', () => {
    expect(
      parseContent(
        'FILE',
        '{"url":"https://x.io/r.pdf","name":"报告.pdf","size":"1024","type":"application/pdf","label":"l","hash":"h"}',
      ),
    ).toEqual({
      kind: 'file',
      url: 'https://x.io/r.pdf',
      name: '报告.pdf',
      size: 1024,
      mimeType: 'application/pdf',
      label: 'l',
      hash: 'h',
    });
  });

  it('VIDEO, VOICE, AUDIO', () => {
    expect(
      parseContent(
        'VIDEO',
        JSON.stringify({
          url: 'https://x.io/v.mp4',
          coverUrl: 'https://x.io/c.jpg',
          duration: '12.5',
          width: 1,
          height: 2,
          format: 'mp4',
          mimeType: 'video/mp4',
          size: 3,
          caption: 'c',
        }),
      ),
    ).toEqual({
      kind: 'video',
      url: 'https://x.io/v.mp4',
      coverUrl: 'https://x.io/c.jpg',
      duration: 12.5,
      width: 1,
      height: 2,
      format: 'mp4',
      mimeType: 'video/mp4',
      size: 3,
      caption: 'c',
    });
    expect(parseContent('VOICE', '{"url":"https://x.io/v.amr","duration":3,"format":"amr","caption":"c"}')).toEqual({
      kind: 'voice',
      url: 'https://x.io/v.amr',
      duration: 3,
      format: 'amr',
      caption: 'c',
    });
    expect(parseContent('AUDIO', '{"url":"https://x.io/a.mp3","duration":180,"format":"mp3"}')).toEqual({
      kind: 'audio',
      url: 'https://x.io/a.mp3',
      duration: 180,
      format: 'mp3',
    });
  });

  it('drops malformed optional fields and keeps the message', () => {
    expect(
      parseContent(
        'VIDEO',
        '{"url":"https://x.io/v","coverUrl":"javascript:x","duration":"long","width":-5,"format":7,"mimeType":"mp4"}',
      ),
    ).toEqual({ kind: 'video', url: 'https://x.io/v' });
    expect(parseContent('IMAGE', '{"url":"https://x.io/a","width":null,"label":{}}')).toEqual({
      kind: 'image',
      url: 'https://x.io/a',
    });
  });
});

describe('parseContent: the guide own shapes', () => {
  it.each([
    ['IMAGE', { kind: 'image', url: 'https://x.io/a.png' }],
    ['VIDEO', { kind: 'video', url: 'https://x.io/a.png' }],
    ['AUDIO', { kind: 'audio', url: 'https://x.io/a.png' }],
    ['VOICE', { kind: 'voice', url: 'https://x.io/a.png' }],
  ] as const)('%s {url, type}', (type, expected) => {
    expect(parseContent(type, JSON.stringify({ url: 'https://x.io/a.png', type }))).toEqual(expected);
  });

  it('FILE {url, type: "FILE"}: the type is not a MIME type; name from the URL, size 0', () => {
    expect(parseContent('FILE', '{"url":"https://x.io/docs/%E6%8A%A5%E5%91%8A.pdf?x=1","type":"FILE"}')).toEqual({
      kind: 'file',
      url: 'https://x.io/docs/%E6%8A%A5%E5%91%8A.pdf?x=1',
      name: '报告.pdf',
      size: 0,
    });
  });

  it('FILE {url, name, size, type: "FILE"} as the guide sends it', () => {
    expect(parseContent('FILE', '{"url":"https://x.io/f","name":"a.txt","size":12,"type":"FILE"}')).toEqual({
      kind: 'file',
      url: 'https://x.io/f',
      name: 'a.txt',
      size: 12,
    });
  });

  it('FILE with the JSON wrapped a second time inside url (the guide formatter does that)', () => {
    const inner = JSON.stringify({ url: 'https://x.io/f.zip', name: 'f.zip', size: 99, type: 'FILE' });
    expect(parseContent('FILE', JSON.stringify({ url: inner, type: 'FILE' }))).toEqual({
      kind: 'file',
      url: 'https://x.io/f.zip',
      name: 'f.zip',
      size: 99,
    });
  });

  it('LOCATION {latitude, longitude, address, type}', () => {
    expect(
      parseContent('LOCATION', '{"latitude":39.9,"longitude":"116.4","address":"北京","type":"LOCATION"}'),
    ).toEqual({
      kind: 'location',
      latitude: 39.9,
      longitude: 116.4,
      address: '北京',
    });
  });

  it('LOCATION with the JSON wrapped a second time inside address', () => {
    const inner = JSON.stringify({ latitude: 1.5, longitude: -2.5, address: '上海', type: 'LOCATION' });
    expect(parseContent('LOCATION', JSON.stringify({ address: inner, type: 'LOCATION' }))).toEqual({
      kind: 'location',
      latitude: 1.5,
      longitude: -2.5,
      address: '上海',
    });
  });

  it('LOCATION {address, type} without coordinates is invalid (no NaN), the address kept in raw', () => {
    const raw = '{"address":"北京市东城区","type":"LOCATION"}';
    expect(invalid('LOCATION', raw)).toMatch(/"latitude" is missing/);
  });

  it('LOCATION with a missing address gets an empty one', () => {
    expect(parseContent('LOCATION', '{"latitude":0,"longitude":0}')).toEqual({
      kind: 'location',
      latitude: 0,
      longitude: 0,
      address: '',
    });
  });
});

describe('parseContent: bare URLs from older clients', () => {
  it('IMAGE, VIDEO, AUDIO, VOICE', () => {
    expect(parseContent('IMAGE', 'https://x.io/a.png')).toEqual({ kind: 'image', url: 'https://x.io/a.png' });
    expect(parseContent('VIDEO', ' https://x.io/v.mp4\n')).toEqual({ kind: 'video', url: 'https://x.io/v.mp4' });
    expect(parseContent('AUDIO', 'http://x.io/a.mp3')).toEqual({ kind: 'audio', url: 'http://x.io/a.mp3' });
    expect(parseContent('VOICE', 'https://x.io/v.amr')).toEqual({ kind: 'voice', url: 'https://x.io/v.amr' });
  });

  it('FILE: name from the last path segment, size 0', () => {
    expect(parseContent('FILE', 'https://x.io/a/b/report.pdf#page=2')).toEqual({
      kind: 'file',
      url: 'https://x.io/a/b/report.pdf#page=2',
      name: 'report.pdf',
      size: 0,
    });
    expect(parseContent('FILE', 'https://x.io/')).toEqual({
      kind: 'file',
      url: 'https://x.io/',
      name: 'file',
      size: 0,
    });
    expect(parseContent('FILE', 'https://x.io/%E0%A4%A')).toMatchObject({ kind: 'file', name: '%E0%A4%A' });
  });
});

describe('parseContent: invalid media and locations', () => {
  it.each([
    ['IMAGE', 'not a url', /neither JSON nor an http\(s\) URL/],
    ['IMAGE', 'javascript:alert(1)', /neither JSON/],
    ['IMAGE', '{"url":', /not a JSON object/],
    ['IMAGE', '{}', /"url" is missing/],
    ['IMAGE', '[1]', /neither JSON/],
    ['IMAGE', '{"url":"data:image/png;base64,AA"}', /not an http\(s\) URL/],
    ['FILE', '{"url":"https://x.io/f","size":-1}', /"size" is not a number/],
    ['FILE', '{"url":"https://x.io/f","size":"big"}', /"size" is not a number/],
    ['VIDEO', '', /neither JSON/],
    ['LOCATION', 'https://maps.example.com/?q=1,2', /not a JSON object/],
    ['LOCATION', '{"latitude":91,"longitude":0,"address":""}', /"latitude" is not a number in \[-90, 90\]/],
    ['LOCATION', '{"latitude":0,"longitude":"east","address":""}', /"longitude" is not a number/],
    ['LOCATION', '{"latitude":0,"longitude":200,"address":""}', /"longitude" is not a number in \[-180, 180\]/],
    ['LOCATION', '{"latitude":0,"longitude":0,"address":5}', /"address" is not a string/],
  ])('%s %j', (type, raw, reason) => {
    expect(invalid(type, raw)).toMatch(reason);
  });

  it('never returns NaN in any number', () => {
    const samples: Array<[string, string]> = [
      ['FILE', '{"url":"https://x.io/f","size":"NaN"}'],
      ['IMAGE', '{"url":"https://x.io/f","width":"NaN","height":"Infinity"}'],
      ['LOCATION', '{"latitude":"NaN","longitude":"1","address":""}'],
      ['PREVIEW', '{"content":"a","ts":"NaN"}'],
    ];
    for (const [type, raw] of samples) {
      const numbers = Object.values(parseContent(type, raw)).filter((v) => typeof v === 'number');
      for (const n of numbers) expect(Number.isFinite(n), `${type} ${raw}`).toBe(true);
    }
    expect(parseContent('FILE', '{"url":"https://x.io/f","size":"NaN"}').kind).toBe('invalid');
    expect(parseContent('IMAGE', '{"url":"https://x.io/f","width":"NaN"}')).toEqual({
      kind: 'image',
      url: 'https://x.io/f',
    });
  });

  it('survives hostile inputs given by plain JavaScript', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    const parsed: ParsedContent = parseContent('TEXT', hostile as unknown as string);
    expect(parsed.kind).toBe('invalid');
    expect(parseContent(42 as unknown as string, 'x')).toEqual({ kind: 'raw', raw: 'x' });
  });
});
