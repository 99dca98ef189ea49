/**
 * The playground in a real browser (Debian's Chromium via playwright-core) against a real mock
 * broker: two SDK clients in one page, messages both ways with receipts, REST fallback when the
 * realtime link is down, the outbox across a reload, the offline switch. Every wait is a DOM
 * condition with a deadline.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MockBroker } from '@weiyu/mock-broker';
import { AGENT, DEMO_THREAD, VISITOR, VISITOR2 } from '@weiyu/mock-broker/testing';
import { normalizeMessage } from '@weiyu/protocol';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  appRoot,
  byTestId,
  expectNoDuplicates,
  expectNoneSending,
  openPlayground,
  type PlaygroundSession,
  row,
  sendText,
  snapshot as snapshotOf,
  startSite,
  uidOfText,
  WAIT_MS,
  waitConnected,
  waitStatus,
} from './harness.js';

let site: Awaited<ReturnType<typeof startSite>> | undefined;
let session: PlaygroundSession | undefined;

beforeAll(async () => {
  site = await startSite();
});

afterEach(async () => {
  const s = session;
  session = undefined;
  if (s !== undefined) {
    expect(s.pageErrors, 'uncaught errors in the page').toEqual([]);
    await s.close();
  }
});

afterAll(async () => {
  await session?.close();
  await site?.close();
});

/** What a row shows at one moment, read at once (its status changes between tries). */
interface RowView {
  readonly status: string | null;
  readonly text: string | null;
  readonly retryButtons: number;
  readonly outbox: string | null;
}

function rowView(page: Page, role: 'agent' | 'visitor', uid: string): Promise<RowView> {
  return page.evaluate(
    ({ role, uid }) => {
      const row = document.querySelector(`[data-testid="${role}-message-${uid}"]`);
      return {
        status: row?.getAttribute('data-status') ?? null,
        text: row?.querySelector(`[data-testid="${role}-status-${uid}"]`)?.textContent ?? null,
        retryButtons: row?.querySelectorAll(`[data-testid="${role}-retry-${uid}"]`).length ?? 0,
        outbox: row?.getAttribute('data-outbox') ?? null,
      };
    },
    { role, uid },
  );
}

async function open(
  brokerOptions: Parameters<typeof openPlayground>[2] = {},
  setup: Parameters<typeof openPlayground>[3] = {},
): Promise<PlaygroundSession> {
  if (site === undefined) throw new Error('site not started');
  session = await openPlayground(site.site, site.browser, brokerOptions, setup);
  await waitConnected(session.page, 'agent');
  await waitConnected(session.page, 'visitor');
  return session;
}

/** The server's clock for seeding: history older than its write lag is stored already. */
const seedClock = { offset: 0 };

/**
 * `count` texts `h0` (oldest) … from the visitor stored on the demo thread, one a second of server
 * time ending minutes ago (the real server writes history ~5 s late), as the server keeps them.
 */
function storeHistory(broker: MockBroker, count: number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    seedClock.offset = -(count + 120 - i) * 1_000;
    const wire = normalizeMessage({
      uid: `seed${String(i).padStart(28, '0')}`,
      type: 'TEXT',
      content: `h${i}`,
      status: 'SENDING',
      createdAt: '2024-01-01 00:00:00',
      channel: 'WEB',
      user: { uid: VISITOR.uid, type: 'VISITOR' },
      thread: { uid: DEMO_THREAD.uid, topic: DEMO_THREAD.topic, type: 'AGENT', user: { uid: VISITOR.uid } },
      extra: '{"orgUid":"org_demo"}',
    });
    expect(broker.state.route(wire).ok).toBe(true);
    texts.push(`h${i}`);
  }
  seedClock.offset = 0;
  return texts;
}

/** The texts of a pane's rows, top to bottom. */
async function rowTexts(page: Page, role: 'agent' | 'visitor'): Promise<string[]> {
  return (await snapshotOf(page))[role].texts;
}

describe('playground', () => {
  it('loads with both panes connected, each with its own device', async () => {
    const { page, broker } = await open();
    const agentWho = await byTestId(page, 'agent-user').textContent();
    const visitorWho = await byTestId(page, 'visitor-user').textContent();
    expect(agentWho).toContain(AGENT.uid);
    expect(visitorWho).toContain(VISITOR.uid);
    // Two connections, two clientIds, neither kicking the other.
    await expect
      .poll(
        () =>
          broker
            .connections()
            .map((c) => c.userUid)
            .sort(),
        { timeout: WAIT_MS },
      )
      .toEqual([AGENT.uid, VISITOR.uid]);
    expect(new Set(broker.clients()).size).toBe(2);
  });

  it.each([
    ['Web Locks', false],
    ['BroadcastChannel (no Web Locks)', true],
  ])('keeps each pane its device across a reload, and a duplicated tab takes new ones (%s)', async (_, noLocks) => {
    const { page, context, broker, url } = await open();
    if (noLocks) {
      // As on a plain http:// page (not a secure context), where navigator.locks does not exist.
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
      });
    }
    const devices = async (p: Page): Promise<string[]> => {
      const texts = await Promise.all(['agent', 'visitor'].map((role) => byTestId(p, `${role}-user`).textContent()));
      return texts.map((text) => /device (\S+)/.exec(text ?? '')?.[1] ?? '');
    };
    await page.reload();
    await waitConnected(page, 'agent');
    await waitConnected(page, 'visitor');
    expect(await page.evaluate(() => navigator.locks === undefined)).toBe(noLocks);
    const first = await devices(page);
    expect(first.every((d) => d !== '')).toBe(true);
    expect(new Set(first).size).toBe(2);

    await page.reload();
    await waitConnected(page, 'agent');
    await waitConnected(page, 'visitor');
    expect(await devices(page)).toEqual(first);

    // A duplicated tab starts with a copy of the tab's sessionStorage.
    const copied = await page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage)));
    const duplicate = await context.newPage();
    await duplicate.addInitScript((entries: Record<string, string>) => {
      for (const [key, value] of Object.entries(entries)) sessionStorage.setItem(key, value);
    }, copied);
    await duplicate.goto(url);
    await waitConnected(duplicate, 'agent');
    await waitConnected(duplicate, 'visitor');
    const second = await devices(duplicate);
    expect(second.filter((d) => first.includes(d))).toEqual([]);
    // Four clientIds, none kicking another: the first tab stays connected.
    await expect.poll(() => new Set(broker.clients()).size, { timeout: WAIT_MS }).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const role of ['agent', 'visitor']) {
      expect(await byTestId(page, `${role}-connection`).getAttribute('data-status')).toBe('connected');
    }
    expect(await page.locator('[data-event="kicked"]').count()).toBe(0);
    await duplicate.close();
  });

  it('exchanges messages both ways with delivered and read marks, typing and every content kind', async () => {
    const { page } = await open();
    const hello = 'Hello from the visitor';
    const uid = await sendText(page, 'visitor', hello);
    // The agent pane shows it; the agent's client acknowledges delivery by itself.
    await row(page, 'agent', uid).waitFor({ timeout: WAIT_MS });
    await waitStatus(page, 'visitor', uid, ['DELIVERED']);
    // The agent reads it: the visitor sees the read mark.
    await byTestId(page, `agent-read-${uid}`).click();
    await waitStatus(page, 'visitor', uid, ['READ']);
    await expect.poll(() => row(page, 'visitor', uid).locator('.status').textContent()).toContain('read');

    // Typing from the agent shows on the visitor's side.
    await byTestId(page, 'agent-send-typing').click();
    await page.waitForSelector('[data-testid="visitor-typing"][data-active="true"]', { timeout: WAIT_MS });

    const reply = 'Hi! How can I help?';
    const replyUid = await sendText(page, 'agent', reply);
    await row(page, 'visitor', replyUid).waitFor({ timeout: WAIT_MS });
    await waitStatus(page, 'agent', replyUid, ['DELIVERED', 'READ']);

    await byTestId(page, 'agent-send-image').click();
    await byTestId(page, 'agent-send-file').click();
    await byTestId(page, 'agent-send-location').click();
    for (const type of ['IMAGE', 'FILE', 'LOCATION']) {
      await page.waitForSelector(
        `[data-testid="visitor-messages"] li.message[data-type="${type}"][data-mine="false"]`,
        {
          timeout: WAIT_MS,
        },
      );
    }
    await expect
      .poll(() => byTestId(page, 'visitor-messages').locator('li.message[data-type="LOCATION"]').textContent())
      .toContain('Shanghai');

    await expectNoneSending(page);
    await expectNoDuplicates(page, [hello, reply]);
    await mkdir(join(appRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(appRoot, 'test-results', 'playground.png'), fullPage: true });
  });

  it('takes the REST fallback while the realtime link is down, and the other pane shows the message', async () => {
    const { page, broker } = await open();
    // The broker drops the visitor's connection; the pane's switch keeps MQTT refused, so the
    // send cannot sneak back over a quick reconnect.
    await byTestId(page, 'visitor-block-realtime').check();
    await byTestId(page, 'fault-drop-visitor').click();
    await page.waitForSelector('[data-testid="visitor-connection"]:not([data-status="connected"])', {
      timeout: WAIT_MS,
    });
    await expect.poll(() => broker.connections().map((c) => c.userUid), { timeout: WAIT_MS }).toEqual([AGENT.uid]);

    const text = 'Sent while MQTT is down';
    const uid = await sendText(page, 'visitor', text);
    await waitStatus(page, 'visitor', uid, ['SUCCESS', 'DELIVERED', 'READ']);
    // Confirmed while the visitor had no MQTT connection at all: REST carried it.
    expect(await byTestId(page, 'visitor-connection').getAttribute('data-status')).not.toBe('connected');
    expect(broker.connections().map((c) => c.userUid)).toEqual([AGENT.uid]);
    await row(page, 'agent', uid).waitFor({ timeout: WAIT_MS });

    // A plain drop (no switch): the client comes back by itself, and a message sent right
    // after the drop ends sent too.
    await byTestId(page, 'visitor-block-realtime').uncheck();
    await waitConnected(page, 'visitor');
    await byTestId(page, 'fault-drop-visitor').click();
    const after = 'Sent right after a drop';
    const afterUid = await sendText(page, 'visitor', after);
    await waitStatus(page, 'visitor', afterUid, ['SUCCESS', 'DELIVERED', 'READ']);
    await row(page, 'agent', afterUid).waitFor({ timeout: WAIT_MS });
    await waitConnected(page, 'visitor');

    await expectNoneSending(page);
    await expectNoDuplicates(page, [text, after]);
  });

  it('shows a refused message as failed, and Retry sends it again with the same uid', async () => {
    const { page, broker } = await open();
    // No MQTT and a REST server that refuses (code 500): the send fails for good.
    await byTestId(page, 'visitor-block-realtime').check();
    await page.waitForSelector('[data-testid="visitor-connection"]:not([data-status="connected"])', {
      timeout: WAIT_MS,
    });
    await byTestId(page, 'fault-rest-mode').selectOption('code-500');
    await byTestId(page, 'fault-rest').check();
    await expect
      .poll(async () => JSON.stringify(await (await fetch(`${broker.httpUrl}/__admin/state`)).json()), {
        timeout: WAIT_MS,
      })
      .toContain('500');

    const text = 'Refused, then retried';
    const uid = await sendText(page, 'visitor', text);
    await waitStatus(page, 'visitor', uid, ['FAILED']);
    await expect.poll(() => row(page, 'visitor', uid).locator('.error').textContent()).toContain('server_error');
    // Failed for good: out of the outbox, no automatic try left, so the Retry button is the way.
    expect(await rowView(page, 'visitor', uid)).toMatchObject({ text: '⚠ failed', retryButtons: 1, outbox: 'false' });

    await byTestId(page, 'fault-rest').uncheck();
    await byTestId(page, 'visitor-block-realtime').uncheck();
    await waitConnected(page, 'visitor');
    await byTestId(page, `visitor-retry-${uid}`).click();
    await waitStatus(page, 'visitor', uid, ['SUCCESS', 'DELIVERED', 'READ']);
    await row(page, 'agent', uid).waitFor({ timeout: WAIT_MS });
    expect(await byTestId(page, `visitor-retry-${uid}`).count()).toBe(0);
    await expectNoneSending(page);
    await expectNoDuplicates(page, [text]);
  });

  it('recalls a sent message on both panes', async () => {
    const { page } = await open();
    const text = 'Sent by mistake';
    const uid = await sendText(page, 'agent', text);
    await waitStatus(page, 'agent', uid, ['SUCCESS', 'DELIVERED', 'READ']);
    await row(page, 'visitor', uid).waitFor({ timeout: WAIT_MS });
    await byTestId(page, `agent-recall-${uid}`).click();
    await page.waitForSelector(`[data-testid="agent-message-${uid}"][data-recalled="true"]`, { timeout: WAIT_MS });
    await page.waitForSelector(`[data-testid="visitor-message-${uid}"][data-recalled="true"]`, { timeout: WAIT_MS });
    expect(await byTestId(page, `agent-recall-${uid}`).count()).toBe(0);
    await expectNoDuplicates(page, [text]);
  });

  it('keeps a pending message across a reload and delivers it exactly once', async () => {
    const { page, broker } = await open();
    // No echo and no REST: the message cannot be confirmed, so it stays in the outbox.
    await byTestId(page, 'fault-hold-echoes').check();
    await byTestId(page, 'fault-rest').check();
    await expect.poll(async () => (await fetch(`${broker.httpUrl}/__admin/state`)).ok).toBe(true);

    const text = 'Survives a reload';
    const uid = await sendText(page, 'visitor', text);
    // It is in the Web Storage outbox before we pull the plug.
    await expect
      .poll(
        () =>
          page.evaluate(
            (u) =>
              Object.keys(localStorage).some(
                (k) => k.startsWith('weiyu-playground:visitor:sdk:') && (localStorage.getItem(k) ?? '').includes(u),
              ),
            uid,
          ),
        { timeout: WAIT_MS, message: 'the outbox to hold the message' },
      )
      .toBe(true);
    expect(await row(page, 'visitor', uid).getAttribute('data-status')).not.toMatch(/SUCCESS|DELIVERED|READ/);

    await page.reload();
    // Back from storage, shown once, before anything is confirmed.
    await row(page, 'visitor', uid).waitFor({ timeout: WAIT_MS });
    await admin(broker, '/__admin/faults/reset', {});

    await waitStatus(page, 'visitor', uid, ['SUCCESS', 'DELIVERED', 'READ'], 30_000);
    await row(page, 'agent', uid).waitFor({ timeout: WAIT_MS });
    await expect.poll(() => page.locator(`[data-testid="visitor-pending"]`).getAttribute('data-count')).toBe('0');
    await expectNoneSending(page);
    await expectNoDuplicates(page, [text]);
    // Stored once on the server too, however many times it was sent.
    expect(broker.history(DEMO_THREAD.topic).filter((m) => m.uid === uid)).toHaveLength(1);
  });

  it('shows a message written offline as pending (a clock, its next try), never failed, with no Retry; it goes by itself', async () => {
    const { page } = await open();
    await byTestId(page, 'agent-offline').check();
    await page.waitForSelector('[data-testid="agent-connection"]:not([data-status="connected"])', { timeout: WAIT_MS });
    const text = 'Written while offline';
    const uid = await sendText(page, 'agent', text);
    await expect.poll(() => byTestId(page, 'agent-pending').getAttribute('data-count'), { timeout: WAIT_MS }).toBe('1');
    // REST fails while offline: the SDK tries again and again, and the row says it is waiting for the next try.
    const seen: RowView[] = [];
    await expect
      .poll(
        async () => {
          const view = await rowView(page, 'agent', uid);
          seen.push(view);
          return view.status;
        },
        { timeout: WAIT_MS, interval: 50, message: 'the row to show RETRYING' },
      )
      .toBe('RETRYING');
    const waiting = seen.at(-1);
    expect(waiting?.text).toMatch(/^🕒 waiting · next try (in \d+ s|now)$/);
    expect(waiting?.retryButtons).toBe(0);
    expect(waiting?.outbox).toBe('true');
    expect(seen.map((v) => v.status)).not.toContain('FAILED');
    expect(await byTestId(page, 'visitor-messages').locator('li.message', { hasText: text }).count()).toBe(0);

    await byTestId(page, 'agent-offline').uncheck();
    await waitConnected(page, 'agent');
    await waitStatus(page, 'agent', uid, ['SUCCESS', 'DELIVERED', 'READ']);
    expect(await uidOfText(page, 'visitor', text)).toBe(uid);
    await expectNoneSending(page);
    await expectNoDuplicates(page, [text]);
  });

  it('"Load older" brings the thread\'s older messages in from history, in order, each once, to the first', async () => {
    // A first catch-up of one page of 10: the pane starts with the newest 10 of 35 stored.
    const { page } = await open(
      { now: () => Date.now() + seedClock.offset },
      { seed: (broker) => storeHistory(broker, 35), query: { catchUpPageSize: 10, catchUpMaxPages: 1 } },
    );
    const all = Array.from({ length: 35 }, (_, i) => `h${i}`);
    await expect.poll(() => rowTexts(page, 'agent'), { timeout: WAIT_MS }).toEqual(all.slice(25));
    const older = byTestId(page, 'agent-older');
    await expect.poll(() => older.getAttribute('data-has-more'), { timeout: WAIT_MS }).toBe('true');
    const button = byTestId(page, 'agent-load-older');

    // Each click adds the 10 before the oldest shown, above it: never a row twice, never out of order.
    for (const expected of [all.slice(15), all.slice(5), all]) {
      await expect.poll(() => button.isEnabled(), { timeout: WAIT_MS }).toBe(true);
      await button.click();
      await expect.poll(() => rowTexts(page, 'agent'), { timeout: WAIT_MS }).toEqual(expected);
    }
    await expect.poll(() => older.getAttribute('data-has-more'), { timeout: WAIT_MS }).toBe('false');
    expect(await button.isDisabled()).toBe(true);
    expect(await byTestId(page, 'agent-older-state').textContent()).toBe('the start of the conversation');
    // The visitor's pane scrolled nothing: it still shows its first catch-up.
    expect(await rowTexts(page, 'visitor')).toEqual(all.slice(25));
    // A live message lands below the loaded history.
    const live = 'Live after scrolling back';
    await sendText(page, 'visitor', live);
    await expect.poll(() => rowTexts(page, 'agent'), { timeout: WAIT_MS }).toEqual([...all, live]);
    await expectNoDuplicates(page, [...all, live]);
  });

  it('uploads a file chosen in the file input and the other pane gets a FILE message whose link serves the bytes', async () => {
    const { page } = await open();
    const bytes = Buffer.from(`notes from the agent ${'✓'.repeat(40)}\n`, 'utf8');
    await byTestId(page, 'agent-upload-input').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: bytes,
    });
    await byTestId(page, 'agent-upload-send').click();
    await expect
      .poll(() => byTestId(page, 'agent-upload-state').getAttribute('data-state'), { timeout: WAIT_MS })
      .toBe('sent');

    const received = byTestId(page, 'visitor-messages').locator('li.message[data-type="FILE"][data-mine="false"]');
    await received.waitFor({ timeout: WAIT_MS });
    const uid = await received.getAttribute('data-uid');
    if (uid === null) throw new Error('FILE row without a uid');
    const link = byTestId(page, `visitor-file-link-${uid}`);
    expect(await link.textContent()).toBe('notes.txt');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/file\//);
    const served = await fetch(href ?? '');
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    await waitStatus(page, 'agent', uid, ['SUCCESS', 'DELIVERED', 'READ']);

    // An upload that cannot go (the pane offline) sends nothing and says so; the file stays chosen.
    await byTestId(page, 'agent-offline').check();
    await byTestId(page, 'agent-upload-input').setInputFiles({
      name: 'second.txt',
      mimeType: 'text/plain',
      buffer: bytes,
    });
    await byTestId(page, 'agent-upload-send').click();
    await expect
      .poll(() => byTestId(page, 'agent-upload-state').getAttribute('data-state'), { timeout: WAIT_MS })
      .toBe('error');
    expect(await byTestId(page, 'agent-upload-state').textContent()).toContain('network');
    expect(await byTestId(page, 'agent-messages').locator('li.message[data-type="FILE"]').count()).toBe(1);
    expect(await byTestId(page, 'agent-pending').getAttribute('data-count')).toBe('0');
    await byTestId(page, 'agent-offline').uncheck();
    await expectNoneSending(page);
    await expectNoDuplicates(page);
  });

  it("lists the agent's threads with unread badges: a visitor's message raises the badge of a thread not open, opening it clears it", async () => {
    const { page, broker } = await open();
    const threads = byTestId(page, 'agent-threads');
    const listed = (): Promise<string[]> =>
      threads.locator('li.thread').evaluateAll((items) => items.map((i) => i.getAttribute('data-uid') ?? ''));
    const unread = (uid: string): Promise<string | null> =>
      byTestId(page, `agent-unread-${uid}`)
        .getAttribute('data-count', { timeout: 1_000 })
        .catch(() => null);
    // From REST (the broker's /api/v1/thread/query): its own thread, open, and its workgroup's.
    await expect
      .poll(async () => (await listed()).sort(), { timeout: WAIT_MS })
      .toEqual(['thread_demo', 'thread_workgroup_demo']);
    expect(await byTestId(page, 'agent-thread-thread_demo').getAttribute('data-selected')).toBe('true');
    expect(await byTestId(page, 'agent-threads-state').getAttribute('data-state')).toBe('loaded');

    // A second visitor starts a thread with the agent: the server delivers it unasked; it joins
    // the list, first, with its unread count, while the agent still looks at the demo thread.
    const topic = `org/agent/${AGENT.uid}/${VISITOR2.uid}`;
    const fromVisitor2 = (uid: string, content: string) =>
      normalizeMessage({
        uid,
        type: 'TEXT',
        content,
        status: 'SENDING',
        createdAt: '2024-01-01 00:00:00',
        channel: 'WEB',
        user: { uid: VISITOR2.uid, type: 'VISITOR', nickname: 'Second visitor' },
        thread: { uid: 'thread_new', topic, type: 'AGENT', user: { uid: AGENT.uid } },
        extra: '{"orgUid":"org_demo"}',
      });
    expect(broker.state.route(fromVisitor2('v2'.padEnd(32, '0'), 'I have a question')).ok).toBe(true);
    await expect.poll(() => unread('thread_new'), { timeout: WAIT_MS }).toBe('1');
    expect((await listed())[0]).toBe('thread_new');
    expect(await byTestId(page, 'agent-thread-thread_new').textContent()).toContain('I have a question');
    expect(broker.state.route(fromVisitor2('v2'.padEnd(31, '0').concat('1'), 'Anyone there?')).ok).toBe(true);
    await expect.poll(() => unread('thread_new'), { timeout: WAIT_MS }).toBe('2');
    expect(await byTestId(page, 'agent-unread-thread_new').textContent()).toBe('2');
    expect((await rowTexts(page, 'agent')).filter((t) => t.includes('question'))).toEqual([]);

    // Opening it shows its conversation and clears its badge.
    await byTestId(page, 'agent-thread-thread_new').click();
    await expect.poll(() => unread('thread_new'), { timeout: WAIT_MS }).toBe('0');
    expect(await byTestId(page, 'agent-thread-thread_new').getAttribute('data-selected')).toBe('true');
    await expect
      .poll(() => rowTexts(page, 'agent'), { timeout: WAIT_MS })
      .toEqual(['I have a question', 'Anyone there?']);

    // Now the demo thread is the one not open: the visitor pane's message raises its badge.
    const text = 'Back on the demo thread';
    const uid = await sendText(page, 'visitor', text);
    await expect.poll(() => unread('thread_demo'), { timeout: WAIT_MS }).toBe('1');
    expect(await rowTexts(page, 'agent')).toEqual(['I have a question', 'Anyone there?']);
    await waitStatus(page, 'visitor', uid, ['DELIVERED']);
    await byTestId(page, 'agent-thread-thread_demo').click();
    await expect.poll(() => unread('thread_demo'), { timeout: WAIT_MS }).toBe('0');
    await row(page, 'agent', uid).waitFor({ timeout: WAIT_MS });
    // Cleared by markRead(thread): its READ reaches the visitor.
    await waitStatus(page, 'visitor', uid, ['READ']);
    expect(await unread('thread_new')).toBe('0');

    // With "auto read" the thread shown is the client's active thread: what arrives is read at once, no badge.
    await byTestId(page, 'agent-auto-read').check();
    const seen = 'Seen while open';
    const seenUid = await sendText(page, 'visitor', seen);
    await waitStatus(page, 'visitor', seenUid, ['READ']);
    expect(await unread('thread_demo')).toBe('0');
    await expectNoDuplicates(page, [text, seen]);
  });
});
