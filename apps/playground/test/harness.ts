/**
 * Browser-test harness: builds the page once with Vite's build API, serves it on a free port,
 * starts a mock broker per test on free ports, drives Debian's Chromium with playwright-core.
 * Everything it starts, it closes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MockBroker } from '@weiyu/mock-broker';
import { startTestBroker, type TestBrokerOptions } from '@weiyu/mock-broker/testing';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import { type StaticServer, startStaticServer } from '../scripts/static-server.mjs';

export const appRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Short deadlines for the page under test (query parameters the page reads). */
export const TEST_TIMING = {
  echoTimeoutMs: 1_500,
  sendDeadlineMs: 15_000,
  reconnectBaseMs: 300,
  reconnectMaxMs: 1_500,
  stableAfterMs: 2_000,
  connectTimeoutMs: 5_000,
} as const;

/** How long any one DOM condition may take before the test fails. */
export const WAIT_MS = 20_000;

export type Role = 'agent' | 'visitor';

/** Builds the playground into a temp dir and serves it; launches Chromium. */
export async function startSite(): Promise<{
  readonly site: StaticServer;
  readonly browser: Browser;
  close(): Promise<void>;
}> {
  const outDir = await mkdtemp(join(tmpdir(), 'weiyu-playground-'));
  let site: StaticServer | undefined;
  let browser: Browser | undefined;
  try {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      root: appRoot,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
    // The broker URLs come per test in the query string; config.json stays empty.
    site = await startStaticServer({ root: outDir, port: 0, config: {} });
    // launch() gives every run a new, empty temporary user-data dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    await browser?.close().catch(() => {});
    await site?.close().catch(() => {});
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
  const started = { site, browser };
  return {
    ...started,
    async close() {
      await started.browser.close().catch(() => {});
      await started.site.close().catch(() => {});
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

export interface PlaygroundSession {
  readonly broker: MockBroker;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Errors the page threw (uncaught), to assert none. */
  readonly pageErrors: string[];
  readonly url: string;
  close(): Promise<void>;
}

/** What a test sets up before the page opens. */
export interface PageSetup {
  /** More query parameters for the page (timings such as `catchUpPageSize`). */
  readonly query?: Readonly<Record<string, string | number>>;
  /** Runs on the broker before the page opens (stored history, more threads). */
  readonly seed?: (broker: MockBroker) => void;
}

/** A fresh broker (free ports) and a fresh browser context (empty storage) on the page. */
export async function openPlayground(
  site: StaticServer,
  browser: Browser,
  brokerOptions: TestBrokerOptions = {},
  setup: PageSetup = {},
): Promise<PlaygroundSession> {
  const broker = await startTestBroker(brokerOptions);
  try {
    setup.seed?.(broker);
  } catch (error) {
    await broker.close();
    throw error;
  }
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  const params = new URLSearchParams({ mqtt: broker.mqttUrl, http: broker.httpUrl });
  for (const [key, value] of Object.entries({ ...TEST_TIMING, ...setup.query })) params.set(key, String(value));
  const url = `${site.url}?${params.toString()}`;
  await page.goto(url);
  return {
    broker,
    context,
    page,
    pageErrors,
    url,
    async close() {
      await context.close().catch(() => {});
      await broker.close().catch(() => {});
    },
  };
}

export const byTestId = (page: Page, id: string): Locator => page.locator(`[data-testid="${id}"]`);

export async function waitConnected(page: Page, role: Role, timeout = WAIT_MS): Promise<void> {
  await page.waitForSelector(`[data-testid="${role}-connection"][data-status="connected"]`, { timeout });
}

/** Types and sends a text in a pane; returns the uid of the row that appeared for it. */
export async function sendText(page: Page, role: Role, text: string): Promise<string> {
  await byTestId(page, `${role}-text`).fill(text);
  await byTestId(page, `${role}-send-text`).click();
  return uidOfText(page, role, text);
}

/** The uid of the (single) row showing `text` in a pane, once it shows. */
export async function uidOfText(page: Page, role: Role, text: string, timeout = WAIT_MS): Promise<string> {
  const row = byTestId(page, `${role}-messages`).locator('li.message', { hasText: text });
  await row.first().waitFor({ timeout });
  const uid = await row.first().getAttribute('data-uid');
  if (uid === null) throw new Error(`row for ${JSON.stringify(text)} has no data-uid`);
  return uid;
}

export function row(page: Page, role: Role, uid: string): Locator {
  return byTestId(page, `${role}-message-${uid}`);
}

/** Waits until the row of `uid` in a pane shows one of `statuses`. */
export async function waitStatus(
  page: Page,
  role: Role,
  uid: string,
  statuses: readonly string[],
  timeout = WAIT_MS,
): Promise<void> {
  await expect
    .poll(
      () =>
        row(page, role, uid)
          .getAttribute('data-status', { timeout: 1_000 })
          .catch(() => null),
      {
        timeout,
        interval: 100,
        message: `${role} row ${uid} to become ${statuses.join('|')}`,
      },
    )
    .toSatisfy((status: string | null) => status !== null && statuses.includes(status));
}

/** What both panes show: uids per pane and how many rows each text has. */
export async function snapshot(
  page: Page,
): Promise<Record<Role, { uids: string[]; statuses: string[]; texts: string[] }>> {
  return page.evaluate(() => {
    const read = (role: string) => {
      const rows = [...document.querySelectorAll<HTMLElement>(`[data-testid="${role}-messages"] li.message`)];
      return {
        uids: rows.map((r) => r.dataset.uid ?? ''),
        statuses: rows.map((r) => r.dataset.status ?? ''),
        texts: rows.map((r) => r.querySelector('.content')?.textContent ?? ''),
      };
    };
    return { agent: read('agent'), visitor: read('visitor') };
  });
}

/** No uid shown twice in a pane, and no text of `texts` shown more than once in a pane. */
export async function expectNoDuplicates(page: Page, texts: readonly string[] = []): Promise<void> {
  const shown = await snapshot(page);
  for (const role of ['agent', 'visitor'] as const) {
    const { uids } = shown[role];
    expect(new Set(uids).size, `${role} shows a uid twice: ${uids.join(',')}`).toBe(uids.length);
    for (const text of texts) {
      expect(
        shown[role].texts.filter((t) => t === text).length,
        `${role} shows "${text}" more than once`,
      ).toBeLessThanOrEqual(1);
    }
  }
}

/** Within the send deadline, no row is left sending or queued. */
export async function expectNoneSending(page: Page, timeout = TEST_TIMING.sendDeadlineMs + 10_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const shown = await snapshot(page);
        return [...shown.agent.statuses, ...shown.visitor.statuses].filter(
          (s) => s === 'SENDING' || s === 'QUEUED' || s === 'RETRYING',
        );
      },
      { timeout, interval: 200, message: 'rows left sending' },
    )
    .toEqual([]);
}

/** POSTs to the mock broker's admin API, as the fault panel does. */
export async function admin(broker: MockBroker, path: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${broker.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
}
