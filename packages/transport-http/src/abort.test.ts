import { getEventListeners } from 'node:events';
import { toRestJson } from '@weiyu/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, MESSAGE, serve } from './http-transport.fixtures.js';
import { createHttpTransport } from './index.js';

afterEach(closeServers);

describe('one signal for many requests', () => {
  it('puts one listener on the caller’s signal however many requests share it: no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    // Answers once all 30 are in: they are in flight together.
    const held: Array<() => void> = [];
    const { baseUrl } = await serve((_req, res) => {
      held.push(() =>
        res.writeHead(200).end(JSON.stringify({ code: 200, message: 'ok', data: JSON.stringify(toRestJson(MESSAGE)) })),
      );
      if (held.length === 30) for (const answer of held) answer();
    });
    const rest = createHttpTransport({ baseUrl, timeoutMs: 10_000 });
    // A client passes one signal (its own life) to every REST call it makes.
    const life = new AbortController();
    const listeners = (): number => getEventListeners(life.signal, 'abort').length;
    const sends = Array.from({ length: 30 }, () => rest.sendMessage(MESSAGE, { signal: life.signal, channel: 'WEB' }));
    expect(listeners()).toBe(1);
    await Promise.all(sends);
    expect(listeners()).toBe(1);
    // An abort still reaches every request in flight.
    const aborted = Array.from({ length: 12 }, () =>
      rest.sendMessage(MESSAGE, { signal: life.signal, channel: 'WEB' }).then(
        () => 'sent',
        (error: { code?: string }) => error.code,
      ),
    );
    expect(listeners()).toBe(1);
    life.abort();
    expect(await Promise.all(aborted)).toEqual(Array(12).fill('closed'));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  });
});
