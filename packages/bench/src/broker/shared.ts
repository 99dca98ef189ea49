/** What the broker run and its broker process share: the IPC messages. */

/** How a client of the run logs in: the clientId's user part, the MQTT username and password. */
export interface BrokerLogin {
  readonly clientIdUser: string;
  readonly username: string;
  readonly password: string;
}

/** The brokers the run compares (see server.ts). */
export const BROKER_KINDS = ['aedes', 'aedes-frames', 'mock'] as const;

/** One of {@link BROKER_KINDS}. */
export type BrokerKind = (typeof BROKER_KINDS)[number];

/** The broker process is up. */
export interface BrokerReady {
  readonly type: 'ready';
  readonly kind: BrokerKind;
  /** MQTT over WebSocket. */
  readonly url: string;
  readonly sender: BrokerLogin;
  readonly receiver: BrokerLogin;
}

/** What the run asks the broker process: its CPU time so far (process.cpuUsage()), or to close. */
export type BrokerCommand = { readonly id: number } & ({ readonly cmd: 'cpu' } | { readonly cmd: 'close' });
