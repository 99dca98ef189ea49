/**
 * The docs' code, copied as written and run: every README's quick start (English and Chinese)
 * and every TypeScript block of the migration guides, each against a mock broker of its own on
 * free ports where it names the default ports. A doc that drifts from the API fails here.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBroker } from '@weiyu/mock-broker/testing';
import { SDK_ERROR_CODES } from '@weiyu/protocol';
import { afterAll, describe, expect, test, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const snippets = join(root, 'packages/tests/.snippets');

const READMES = [
  'README.md',
  'packages/protocol/README.md',
  'packages/core/README.md',
  'packages/transport-mqtt/README.md',
  'packages/transport-ws/README.md',
  'packages/transport-http/README.md',
  'packages/mock-broker/README.md',
] as const;

/** Docs whose every ```ts block is a program of its own. */
const GUIDES = ['docs/migrating-from-the-guide.md'] as const;

/** `README.md` → `README.zh-CN.md`. */
const chinese = (file: string): string => file.replace(/\.md$/, '.zh-CN.md');

interface Block {
  readonly file: string;
  /** Line of the opening fence, for the test name. */
  readonly line: number;
  readonly code: string;
}

/** Every ```ts block of a doc, in order. */
function tsBlocks(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
    const line = text.slice(0, match.index).split('\n').length;
    blocks.push({ file, line, code: match[1] ?? '' });
  }
  return blocks;
}

/** The first TypeScript block of a README: its quick start. */
function quickStart(file: string): Block {
  const first = tsBlocks(file)[0];
  if (!first) throw new Error(`${file} has no \`\`\`ts quick start`);
  return first;
}

/**
 * The other quick starts of a README: blocks that open with `// Quick start: …` (a feature's own
 * section). The Chinese twin shows the same code (checked below), so the English one is run.
 */
function moreQuickStarts(file: string): Block[] {
  return tsBlocks(file)
    .slice(1)
    .filter((block) => block.code.startsWith('// Quick start:'));
}

const RUN: readonly Block[] = [
  ...READMES.flatMap((readme) => [quickStart(readme), quickStart(chinese(readme)), ...moreQuickStarts(readme)]),
  ...GUIDES.flatMap((guide) => [...tsBlocks(guide), ...tsBlocks(chinese(guide))]),
];

/**
 * What a block says it prints: `console.log(…); // SUCCESS` (or `你好`) as the quick starts write
 * it, and `console.log(…); // → text` for any text.
 */
function promisedOutputs(code: string): string[] {
  const promised: string[] = [];
  for (const line of code.split('\n')) {
    if (!/console\.log\(/.test(line)) continue;
    const arrow = /\/\/ → (.+)$/.exec(line);
    if (arrow?.[1]) promised.push(arrow[1].trim());
    for (const word of ['SUCCESS', '你好']) if (new RegExp(`// .*${word}`).test(line)) promised.push(word);
  }
  return promised;
}

afterAll(() => rmSync(snippets, { recursive: true, force: true }));

describe('doc code runs as written', () => {
  test.each(RUN.map((block) => [`${block.file}:${block.line}`, block] as const))('%s', async (_name, block) => {
    await using broker = await startTestBroker();
    const code = block.code
      .replaceAll('ws://127.0.0.1:9885/websocket', broker.mqttUrl)
      .replaceAll('http://127.0.0.1:9003', broker.httpUrl);
    mkdirSync(snippets, { recursive: true });
    const file = join(snippets, `${block.file.replaceAll('/', '_').replace(/\.md$/, '')}_${block.line}.ts`);
    writeFileSync(file, code);
    const logged: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
    try {
      await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
    } finally {
      log.mockRestore();
    }
    // Where the code promises an outcome in a comment, it must be what it printed.
    for (const promised of promisedOutputs(code)) {
      expect(logged.join('\n'), `${block.file}:${block.line} printed:\n${logged.join('\n')}`).toContain(promised);
    }
  });
});

describe('Chinese twins', () => {
  const PAIRS = [...READMES, ...GUIDES].map((file) => [file, chinese(file)] as const);

  test.each(PAIRS)('%s and %s link to each other at the top', (english, twin) => {
    const top = (file: string) => readFileSync(join(root, file), 'utf8').split('\n').slice(0, 4).join('\n');
    const name = (file: string) => file.split('/').pop() ?? file;
    expect(top(english)).toContain(`](${name(twin)})`);
    expect(top(twin)).toContain(`](${name(english)})`);
  });

  test.each(PAIRS)('%s: every error code it names, %s names too', (english, twin) => {
    const named = (file: string) => {
      const text = readFileSync(join(root, file), 'utf8');
      return SDK_ERROR_CODES.filter((code) => text.includes(`\`${code}\``));
    };
    const inTwin = new Set(named(twin));
    expect(named(english).filter((code) => !inTwin.has(code))).toEqual([]);
  });

  test.each(READMES.map((file) => [file, chinese(file)] as const))(
    "%s: what %s shows beyond its quick start is the English README's code, so none of it goes unrun",
    (english, twin) => {
      const englishCode = new Set(tsBlocks(english).map((block) => block.code));
      for (const block of tsBlocks(twin).slice(1)) {
        expect(englishCode.has(block.code), `${twin}:${block.line} is not in ${english}`).toBe(true);
      }
    },
  );
});
