/**
 * The READMEs' quick starts, copied as written and run: against a mock broker on free ports
 * where they name the default ports, as they are otherwise. A README that drifts from the API
 * fails here.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBroker } from '@weiyu/mock-broker/testing';
import { afterAll, describe, expect, test, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const snippets = join(root, 'packages/tests/.snippets');

const READMES = [
  'README.md',
  'packages/protocol/README.md',
  'packages/core/README.md',
  'packages/transport-mqtt/README.md',
  'packages/transport-http/README.md',
  'packages/mock-broker/README.md',
] as const;

/** The first TypeScript block of a README. */
function quickStart(readme: string): string {
  const text = readFileSync(join(root, readme), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) throw new Error(`${readme} has no \`\`\`ts quick start`);
  return match[1];
}

afterAll(() => rmSync(snippets, { recursive: true, force: true }));

describe('README quick starts run as written', () => {
  test.each(READMES)('%s', async (readme) => {
    await using broker = await startTestBroker();
    const code = quickStart(readme)
      .replaceAll('ws://127.0.0.1:9885/websocket', broker.mqttUrl)
      .replaceAll('http://127.0.0.1:9003', broker.httpUrl);
    mkdirSync(snippets, { recursive: true });
    const file = join(snippets, `${readme.replaceAll('/', '_').replace(/\.md$/, '')}.ts`);
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
    // Where a quick start promises an outcome in a comment, it must be what it printed.
    for (const promised of ['SUCCESS', '你好']) {
      if (new RegExp(`console\\.log\\(.*// .*${promised}`).test(code)) {
        expect(logged.join('\n'), `${readme} printed:\n${logged.join('\n')}`).toContain(promised);
      }
    }
  });
});
