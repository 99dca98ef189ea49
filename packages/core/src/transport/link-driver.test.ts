import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { createMinimalAbortController } from '../connection/abort.js';
import type { RealtimeConnectOptions, RealtimeEvent } from '../interfaces.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createRecordingLogger } from '../testing/recording-logger.js';
import { processDeviceUids } from './device-uid.js';
import { createLinkDriver, type DrivenLink, type LinkOwner, type LinkState } from './link-driver.js';

/** A link in memory: the test says when the broker accepts it and when its socket closes. */
class FakeLink implements DrivenLink {
  state: LinkState = { status: 'connecting' };
  failConnect: ((error: SdkError) => void) | undefined;
  readonly closed: Promise<void>;
  goodbyes = 0;
  #markClosed = () => {};

  constructor(
    readonly options: RealtimeConnectOptions,
    readonly owner: LinkOwner<FakeLink>,
    readonly onConnack: (sessionPresent: boolean) => void,
  ) {
    this.closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
  }

  accept(sessionPresent: boolean): void {
    this.state = { status: 'connected', lastError: undefined };
    this.onConnack(sessionPresent);
  }

  abandon(): boolean {
    const state = this.state;
    if (state.status === 'closed') return false;
    this.state = { status: 'closing', requested: state.status === 'closing' && state.requested, announced: false };
    return true;
  }

  sayGoodbye(): boolean {
    if (this.state.status !== 'connected') return false;
    this.goodbyes += 1;
    this.state = { status: 'closing', requested: true, announced: true };
    return true;
  }

  /** The socket closed: the driver lets go, and an announced connection says `disconnected`. */
  closeSocket(): void {
    const state = this.state;
    this.state = { status: 'closed' };
    this.owner.forget(this);
    this.failConnect?.(new SdkError('connection_refused', 'closed before the CONNACK'));
    this.#markClosed();
    if (state.status === 'closing' && state.announced) this.owner.emit({ type: 'disconnected', error: undefined });
  }
}

const OPTIONS: RealtimeConnectOptions = { clientId: 'u/web/d', username: 'u', password: 'token' };

function setup(deviceUid: string | undefined, open?: () => never) {
  const clock = createFakeClock();
  const logger = createRecordingLogger();
  const links: FakeLink[] = [];
  const driver = createLinkDriver<FakeLink>({
    settings: { logUrl: 'fake://broker', connectTimeoutMs: 5_000, deviceUid, logger },
    logPrefix: 'fake',
    clock,
    open: (options, owner, onConnack) => {
      open?.();
      const link = new FakeLink(options, owner, onConnack);
      links.push(link);
      return link;
    },
    openFailed: (error) => new SdkError('connection_refused', `Could not open (${String(error)})`, { cause: error }),
  });
  return { driver, clock, logger, links };
}

/** The link the driver opened last; fails the test when it opened none. */
function last(links: readonly FakeLink[]): FakeLink {
  const link = links.at(-1);
  if (!link) throw new Error('no link was opened');
  return link;
}

describe('createLinkDriver', () => {
  it('connects when the link gets its CONNACK, and hands that link out while it is up', async () => {
    const { driver, clock, links, logger } = setup('device-1');
    expect(driver.connected('publish to t')).toEqual(
      new SdkError('not_connected', 'Cannot publish to t: not connected'),
    );
    const connecting = driver.connect(OPTIONS);
    await clock.flush();
    expect(driver.isConnected()).toBe(false);
    last(links).accept(true);
    await expect(connecting).resolves.toEqual({ sessionPresent: true });
    expect(driver.isConnected()).toBe(true);
    expect(driver.connected('publish to t')).toBe(last(links));
    expect(last(links).failConnect).toBeUndefined();
    expect(clock.pending()).toBe(0);
    expect(logger.lines).toEqual([
      'debug fake: connecting {"url":"fake://broker","clientId":"u/web/d"}',
      'info fake: connected {"url":"fake://broker","sessionPresent":true}',
    ]);
  });

  it('refuses an empty clientId', async () => {
    const { driver, links } = setup('device-1');
    await expect(driver.connect({ ...OPTIONS, clientId: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(links).toEqual([]);
  });

  it('fails an attempt with `timeout` at the deadline and drops its link', async () => {
    const { driver, clock, links, logger } = setup('device-1');
    const connecting = driver.connect(OPTIONS);
    const failed = expect(connecting).rejects.toEqual(
      new SdkError('timeout', 'fake://broker did not accept the connection within 5000 ms'),
    );
    await clock.advanceAsync(5_000);
    await failed;
    expect(last(links).state).toEqual({ status: 'closing', requested: false, announced: false });
    expect(driver.connected('x')).toBeInstanceOf(SdkError);
    expect(logger.lines.at(-1)).toContain('debug fake: connect failed');
  });

  it('fails with `closed` when the signal aborts, before or during the attempt', async () => {
    const { driver, clock, links } = setup('device-1');
    const aborted = createMinimalAbortController();
    aborted.abort();
    await expect(driver.connect(OPTIONS, aborted.signal)).rejects.toEqual(
      new SdkError('closed', 'Connect was aborted'),
    );
    expect(links).toEqual([]);
    const controller = createMinimalAbortController();
    const connecting = driver.connect(OPTIONS, controller.signal);
    await clock.flush();
    controller.abort();
    await expect(connecting).rejects.toEqual(new SdkError('closed', 'Connect was aborted'));
    expect(last(links).state.status).toBe('closing');
    expect(clock.pending()).toBe(0);
  });

  it('rejects with what openFailed makes of an error opening the link', async () => {
    const { driver } = setup('device-1', () => {
      throw new Error('no socket');
    });
    await expect(driver.connect(OPTIONS)).rejects.toEqual(
      new SdkError('connection_refused', 'Could not open (Error: no socket)'),
    );
    expect(driver.isConnected()).toBe(false);
  });

  it('opens a new link only once the old socket closed, and the last connect() wins', async () => {
    const { driver, clock, links } = setup('device-1');
    const first = driver.connect(OPTIONS);
    await clock.flush();
    last(links).accept(false);
    await first;
    const old = last(links);
    const second = driver.connect(OPTIONS);
    await clock.flush();
    expect(old.goodbyes).toBe(1);
    expect(driver.isConnected()).toBe(false);
    const third = driver.connect(OPTIONS);
    await clock.flush();
    expect(links).toHaveLength(1);
    old.closeSocket();
    await expect(second).rejects.toEqual(new SdkError('closed', 'The connection was closed while connecting'));
    last(links).closeSocket();
    await clock.flush();
    expect(links).toHaveLength(3);
    last(links).accept(false);
    await expect(third).resolves.toEqual({ sessionPresent: false });
  });

  it('makes a connect() that waits for an old link give up once close() is called', async () => {
    const { driver, clock, links } = setup('device-1');
    const first = driver.connect(OPTIONS);
    await clock.flush();
    last(links).accept(false);
    await first;
    const second = driver.connect(OPTIONS);
    await clock.flush();
    const closing = driver.close();
    last(links).closeSocket();
    await expect(second).rejects.toEqual(new SdkError('closed', 'The connection was closed while connecting'));
    await closing;
    expect(links).toHaveLength(1);
  });

  it('ends an attempt still connecting on close() with `closed`', async () => {
    const { driver, clock, links } = setup('device-1');
    const connecting = driver.connect(OPTIONS);
    await clock.flush();
    const closing = driver.close();
    await expect(connecting).rejects.toEqual(new SdkError('closed', 'The connection was closed while connecting'));
    expect(last(links).state).toEqual({ status: 'closing', requested: true, announced: false });
    last(links).closeSocket();
    await closing;
    expect(clock.pending()).toBe(0);
  });

  it("leases the process's deviceUid, gives it back on close() and warns when another has it at connect()", async () => {
    const { driver, clock, links, logger } = setup(undefined);
    expect(processDeviceUids.take(driver.deviceUid)).toBe(false);
    await driver.close();
    const other = setup(undefined).driver;
    expect(other.deviceUid).toBe(driver.deviceUid);
    const connecting = driver.connect(OPTIONS);
    await clock.flush();
    expect(logger.lines[0]).toContain('warn fake: another transport of this process connects with the same deviceUid');
    last(links).accept(false);
    await connecting;
    // It did not get the id back: its close() must not free the other's lease.
    const closing = driver.close();
    last(links).closeSocket();
    await closing;
    expect(processDeviceUids.take(driver.deviceUid)).toBe(false);
    await other.close();
    expect(processDeviceUids.take(driver.deviceUid)).toBe(true);
    processDeviceUids.release(driver.deviceUid);
  });

  it('keeps the deviceUid of the settings out of the pool', () => {
    const { driver } = setup('mine');
    expect(driver.deviceUid).toBe('mine');
    expect(processDeviceUids.take('mine')).toBe(true);
    processDeviceUids.release('mine');
  });

  it('tells every listener once, logs one that throws, and stops telling one that left', async () => {
    const { driver, clock, links, logger } = setup('device-1');
    const heard: RealtimeEvent[] = [];
    const listener = (event: RealtimeEvent) => heard.push(event);
    driver.on(() => {
      throw new Error('app bug');
    });
    driver.on(listener);
    const stop = driver.on(listener);
    const connecting = driver.connect(OPTIONS);
    await clock.flush();
    last(links).accept(false);
    await connecting;
    const event: RealtimeEvent = { type: 'message', topic: 't', payload: new Uint8Array([1]) };
    last(links).owner.emit(event);
    expect(heard).toEqual([event]);
    expect(logger.lines.at(-1)).toBe('error fake: event listener threw {"type":"message","error":"Error: app bug"}');
    stop();
    last(links).owner.emit(event);
    expect(heard).toEqual([event]);
  });
});
