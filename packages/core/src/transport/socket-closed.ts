import { SdkError } from '@weiyu/protocol';
import type { RealtimeEvent } from '../interfaces.js';
import type { LinkState } from './link-driver.js';

/** What the link knew, besides its state, when its socket closed. */
export interface SocketClosedFacts {
  /** Whether its connect() was still open (the link's `failConnect` was set). */
  readonly attempting: boolean;
  /** The broker's URL as error messages show it (no credentials). */
  readonly logUrl: string;
  /** The socket's own error, if it reported one: it explains a close before the CONNACK. */
  readonly socketError: SdkError | undefined;
}

/** What a link must do once its socket closed: see {@link socketClosedOutcome}. */
export interface SocketClosedOutcome {
  /** What its still open connect() fails with; undefined when connect() had settled. */
  readonly connectError: SdkError | undefined;
  /** What every request still waiting on the link (for an ack) rejects with. */
  readonly requestError: SdkError;
  /** The event to emit, when connect() had announced the connection; undefined: none is due. */
  readonly disconnected: Extract<RealtimeEvent, { type: 'disconnected' }> | undefined;
}

/**
 * Decides, from a link's state when its socket closed, what the link must do: fail its connect()
 * (with the socket's error, else `connection_refused`), reject its waiting requests (`closed` when
 * the close was asked for, else the error that broke the connection, else `network` with the
 * socket's error as cause) and announce `disconnected` only when connect() had resolved. Pure:
 * the link still stops its own timers, rejects its requests and emits.
 *
 * @example
 * const { connectError, requestError, disconnected } = socketClosedOutcome(state, {
 *   attempting: failConnect !== undefined,
 *   logUrl: 'wss://broker.example/websocket',
 *   socketError: undefined,
 * });
 */
export function socketClosedOutcome(
  state: Exclude<LinkState, { status: 'closed' }>,
  facts: SocketClosedFacts,
): SocketClosedOutcome {
  const { attempting, logUrl, socketError } = facts;
  const requested = state.status === 'closing' && state.requested;
  const requestError = requested
    ? new SdkError('closed', 'The connection was closed')
    : ((state.status === 'connected' ? state.lastError : undefined) ??
      new SdkError('network', `The connection to ${logUrl} was lost`, socketError ? { cause: socketError } : {}));
  // A connection whose connect() had not resolved yet was never announced: no `disconnected`.
  const announced = !attempting && (state.status === 'connected' || (state.status === 'closing' && state.announced));
  return {
    connectError: attempting ? (socketError ?? closedBeforeConnack(logUrl)) : undefined,
    requestError,
    disconnected: announced ? { type: 'disconnected', error: requested ? undefined : requestError } : undefined,
  };
}

function closedBeforeConnack(logUrl: string): SdkError {
  return new SdkError(
    'connection_refused',
    `The WebSocket to ${logUrl} closed before the broker answered: is the server up and the path right?`,
  );
}
