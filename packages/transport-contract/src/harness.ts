import type { Logger, RealtimeTransport } from '@weiyu/core';
import type { AedesOptions, AuthErrorCode, AuthenticateError } from 'aedes';
import { afterEach } from 'vitest';
import { type AedesServer, startAedesServer } from './aedes-server.js';
import type { Defer } from './servers.js';

/** The options the contract passes to a factory: those every realtime transport of the SDK takes alike. */
export interface ContractTransportOptions {
  /** The broker's `ws://` or `wss://` URL, as the caller wrote it. */
  readonly url: string;
  /** The last part of the clientId; default the process's. */
  readonly deviceUid?: string;
  /** MQTT keepalive in seconds. */
  readonly keepalive?: number;
  /** How long one connect attempt may take until CONNACK (ms). */
  readonly connectTimeoutMs?: number;
  /** How long a publish, subscribe or unsubscribe may wait for the broker's ack (ms). */
  readonly ackTimeoutMs?: number;
  /** Where the transport writes what it does. */
  readonly logger?: Logger;
}

/** A transport under test: the contract of `@weiyu/core`, and the URL it normalized. */
export interface ContractTransport extends RealtimeTransport {
  /** The WebSocket URL it connects to, with `/websocket` added when there was no path. */
  readonly url: string;
}

/** Makes the transport under test from the contract's options (a transport adds what it alone needs). */
export type TransportFactory = (options: ContractTransportOptions) => ContractTransport;

/** The user the brokers of the suite accept, and the CONNECT options the tests pass. */
export const USER = { clientId: 'u1/WEB/device1', username: 'alice', password: 'token-alice' };

/** What the tests of the suite start things with; everything started is closed after each test. */
export interface Harness {
  /** The factory under test, for a transport the test closes itself or never connects. */
  readonly create: TransportFactory;
  /** A transport on `url`, closed after the test. */
  transport(url: string, options?: Omit<ContractTransportOptions, 'url'>): ContractTransport;
  /** A broker that accepts alice with her token and nobody else (hooks in `extra` replace the broker's), closed after the test. */
  startBroker(extra?: AedesOptions): Promise<AedesServer>;
  /** Runs `cleanup` after the test, once its transports are closed. */
  readonly defer: Defer;
}

const aliceOnly: NonNullable<AedesOptions['authenticate']> = (_client, username, password, done) => {
  if (username === USER.username && password?.toString() === USER.password) {
    done(null, true);
    return;
  }
  const error = Object.assign(new Error('bad credentials'), { returnCode: 4 as AuthErrorCode });
  done(error satisfies AuthenticateError, null);
};

/** The harness of one describe block, with the afterEach that closes transports, then servers, then brokers. */
export function useHarness(create: TransportFactory): Harness {
  const transports: ContractTransport[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const brokers: AedesServer[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await Promise.all(cleanups.splice(0).map((c) => c()));
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });
  return {
    create,
    transport(url, options = {}) {
      const t = create({ url, ...options });
      transports.push(t);
      return t;
    },
    async startBroker(extra = {}) {
      const broker = await startAedesServer({ authenticate: aliceOnly, ...extra });
      brokers.push(broker);
      return broker;
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
