import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { socketClosedOutcome } from './socket-closed.js';

const logUrl = 'wss://broker.example/websocket';
const socketError = new SdkError('host_not_found', `${logUrl} is not an MQTT WebSocket endpoint (HTTP 404)`);
const lost = (cause?: SdkError) =>
  new SdkError('network', `The connection to ${logUrl} was lost`, cause ? { cause } : {});
const closed = new SdkError('closed', 'The connection was closed');

/** The parts of an error that a caller can see. */
const seen = (error: SdkError | undefined) => error && { code: error.code, message: error.message, cause: error.cause };

describe('socketClosedOutcome', () => {
  it('fails a connect attempt that had no CONNACK with connection_refused when the socket said nothing', () => {
    const outcome = socketClosedOutcome({ status: 'connecting' }, { attempting: true, logUrl, socketError: undefined });
    expect(seen(outcome.connectError)).toEqual({
      code: 'connection_refused',
      message: `The WebSocket to ${logUrl} closed before the broker answered: is the server up and the path right?`,
      cause: undefined,
    });
    expect(seen(outcome.requestError)).toEqual(seen(lost()));
    expect(outcome.disconnected).toBeUndefined();
  });

  it("fails a connect attempt with the socket's own error when it reported one", () => {
    const outcome = socketClosedOutcome({ status: 'connecting' }, { attempting: true, logUrl, socketError });
    expect(outcome.connectError).toBe(socketError);
    expect(seen(outcome.requestError)).toEqual(seen(lost(socketError)));
    expect(outcome.disconnected).toBeUndefined();
  });

  it('announces nothing for a connection whose connect() had not resolved yet, CONNACK or not', () => {
    const outcome = socketClosedOutcome(
      { status: 'connected', lastError: undefined },
      { attempting: true, logUrl, socketError: undefined },
    );
    expect(outcome.connectError?.code).toBe('connection_refused');
    expect(outcome.disconnected).toBeUndefined();
  });

  it('reports a connection that was lost as network, with the socket error as its cause', () => {
    const quiet = socketClosedOutcome(
      { status: 'connected', lastError: undefined },
      { attempting: false, logUrl, socketError: undefined },
    );
    expect(quiet.connectError).toBeUndefined();
    expect(seen(quiet.requestError)).toEqual(seen(lost()));
    expect(quiet.disconnected).toEqual({ type: 'disconnected', error: quiet.requestError });

    const told = socketClosedOutcome(
      { status: 'connected', lastError: undefined },
      { attempting: false, logUrl, socketError },
    );
    expect(seen(told.requestError)).toEqual(seen(lost(socketError)));
    expect(told.disconnected?.error).toBe(told.requestError);
  });

  it('reports the error that broke a connection rather than the loss', () => {
    const breach = new SdkError('protocol', `${logUrl}: A second CONNACK`);
    const outcome = socketClosedOutcome(
      { status: 'connected', lastError: breach },
      { attempting: false, logUrl, socketError },
    );
    expect(outcome.requestError).toBe(breach);
    expect(outcome.disconnected).toEqual({ type: 'disconnected', error: breach });
  });

  it('rejects requests with closed and announces a clean disconnected when an announced connection was closed on request', () => {
    const outcome = socketClosedOutcome(
      { status: 'closing', requested: true, announced: true },
      { attempting: false, logUrl, socketError },
    );
    expect(outcome.connectError).toBeUndefined();
    expect(seen(outcome.requestError)).toEqual(seen(closed));
    expect(outcome.disconnected).toEqual({ type: 'disconnected', error: undefined });
  });

  it('announces nothing for an attempt that was given up on request', () => {
    const outcome = socketClosedOutcome(
      { status: 'closing', requested: true, announced: false },
      { attempting: false, logUrl, socketError: undefined },
    );
    expect(seen(outcome.requestError)).toEqual(seen(closed));
    expect(outcome.disconnected).toBeUndefined();
  });

  it('reports an attempt given up by itself (its deadline) as a loss, and announces nothing', () => {
    const outcome = socketClosedOutcome(
      { status: 'closing', requested: false, announced: false },
      { attempting: false, logUrl, socketError },
    );
    expect(seen(outcome.requestError)).toEqual(seen(lost(socketError)));
    expect(outcome.disconnected).toBeUndefined();
  });

  it('reports an announced connection let go without a request as lost', () => {
    const outcome = socketClosedOutcome(
      { status: 'closing', requested: false, announced: true },
      { attempting: false, logUrl, socketError: undefined },
    );
    expect(seen(outcome.requestError)).toEqual(seen(lost()));
    expect(outcome.disconnected).toEqual({ type: 'disconnected', error: outcome.requestError });
  });
});
