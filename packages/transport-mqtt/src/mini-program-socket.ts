/**
 * WeChat / Alipay mini-programs and uni-app have no `WebSocket`: they open sockets with
 * `connectSocket()`, which returns a SocketTask. This file adapts a SocketTask to the few
 * members of a browser `WebSocket` that mqtt.js's browser stream uses, so the transport runs
 * there on mqtt.js's own browser code path (not its `wx`/`ali` builders, which keep one socket
 * per program in module state and send a Buffer's whole backing memory instead of the view).
 */
import { SdkError } from '@weiyu/core';
import { MINI_PROGRAM_SCHEMES } from './options.js';

/** What a SocketTask's failure callbacks receive. */
export interface SocketTaskFailure {
  /** The reason, on WeChat and uni-app. */
  readonly errMsg?: string;
  /** The reason, on Alipay. */
  readonly errorMessage?: string;
}

/** The part of a mini-program SocketTask (`wx`, `uni`, `my`) the transport uses. */
export interface SocketTask {
  /** Sends a frame (binary for MQTT). */
  send(options: {
    data: ArrayBuffer | string;
    success?: () => void;
    fail?: (failure: SocketTaskFailure) => void;
  }): void;
  /** Closes the socket. */
  close(options: { code?: number; reason?: string; success?: () => void; fail?: () => void }): void;
  /** Calls `listener` once the socket is open. */
  onOpen(listener: () => void): void;
  /** Calls `listener` when the socket closes. */
  onClose(listener: (result?: { code?: number; reason?: string }) => void): void;
  /** Calls `listener` when the socket fails. */
  onError(listener: (failure?: SocketTaskFailure) => void): void;
  /** Calls `listener` with each frame received. */
  onMessage(listener: (result: { data: ArrayBuffer | string }) => void): void;
}

/**
 * Anything with the mini-program `connectSocket()`: `wx` (WeChat), `my` (Alipay), `uni`
 * (uni-app, every platform it builds for).
 */
export interface MiniProgramSocketApi {
  /** Opens a WebSocket and returns its SocketTask. */
  connectSocket(options: {
    url: string;
    protocols?: string[];
    /** Alipay returns a SocketTask only with `multiple: true`; the others ignore it. */
    multiple?: boolean;
    /** uni-app returns a SocketTask only when a callback is given (else a Promise). */
    fail?: (failure: SocketTaskFailure) => void;
    complete?: () => void;
  }): SocketTask | undefined;
}

/** How the transport opens a mini-program socket: the `ws(s)://` URL and a WebSocket factory for mqtt.js. */
export interface MiniProgramSocket {
  /** The same URL with `ws:`/`wss:` in place of `wx:`/`wxs:`/`ali:`/`alis:`: what the socket opens. */
  readonly webSocketUrl: string;
  /** For mqtt.js's `createWebsocket` option. */
  createWebSocket(url: string, protocols: string[]): SocketTaskWebSocket;
}

/**
 * For a `wx://`, `wxs://`, `ali://` or `alis://` URL: the socket to open it with, on `api` or else
 * on the global the scheme names (`wx` for wx/wxs, `my` for ali/alis). Throws `invalid_argument`
 * when there is no such API. Undefined for any other scheme.
 */
export function miniProgramSocket(url: URL, api: MiniProgramSocketApi | undefined): MiniProgramSocket | undefined {
  const scheme = MINI_PROGRAM_SCHEMES[url.protocol];
  if (!scheme) return undefined;
  const found = api ?? (globalThis as Record<string, unknown>)[scheme.global];
  if (!hasConnectSocket(found)) {
    throw new SdkError(
      'invalid_argument',
      `${url.protocol}// needs a mini-program runtime (globalThis.${scheme.global}.connectSocket) or the socketApi option (e.g. uni)`,
    );
  }
  const webSocketUrl = `${scheme.webSocket}${url.href.slice(url.protocol.length)}`;
  return {
    webSocketUrl,
    createWebSocket: (_url, protocols) => new SocketTaskWebSocket(found, webSocketUrl, protocols),
  };
}

function hasConnectSocket(value: unknown): value is MiniProgramSocketApi {
  return typeof (value as { connectSocket?: unknown } | undefined)?.connectSocket === 'function';
}

/** A failure callback's text, whichever platform wrote it. */
function failureText(failure: SocketTaskFailure | undefined): string {
  return failure?.errMsg ?? failure?.errorMessage ?? 'socket error';
}

/** An exact copy in this realm: mqtt.js tests `instanceof ArrayBuffer`, and a view's `.buffer` may be larger. */
function ownArrayBuffer(data: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  const view = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  return view.slice().buffer;
}

type Listener<E> = ((event: E) => void) | null;

/**
 * The members of a browser `WebSocket` mqtt.js's browser stream uses (`readyState`, `send`,
 * `close`, `on*` handlers), over a mini-program SocketTask. Exported for its tests.
 */
export class SocketTaskWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readonly url: string;
  /** Always binary: payloads arrive as ArrayBuffers. */
  binaryType = 'arraybuffer';
  /** SocketTasks do not report their buffer; mqtt.js only uses it to slow down. */
  readonly bufferedAmount = 0;
  readyState = 0;
  onopen: Listener<{ type: 'open' }> = null;
  onmessage: Listener<{ type: 'message'; data: ArrayBuffer | string }> = null;
  onerror: Listener<{ type: 'error'; message: string }> = null;
  onclose: Listener<{ type: 'close'; code: number; reason: string; wasClean: boolean }> = null;
  readonly #task: SocketTask;

  constructor(api: MiniProgramSocketApi, url: string, protocols: string[]) {
    this.url = url;
    let failedEarly: SocketTaskFailure | undefined;
    const task = api.connectSocket({
      url,
      protocols,
      multiple: true,
      fail: (failure) => {
        failedEarly = failure;
        // It may come before mqtt.js set its handlers, and no onClose may follow: report both, later.
        setTimeout(() => {
          this.#fail(failure);
          this.#closed(1006, failureText(failure));
        }, 0);
      },
      complete: () => {},
    });
    if (!task) {
      throw new SdkError('invalid_argument', `connectSocket(${url}) returned no SocketTask`, {
        cause: failedEarly,
      });
    }
    this.#task = task;
    task.onOpen(() => {
      if (this.readyState !== this.CONNECTING) return;
      this.readyState = this.OPEN;
      this.onopen?.({ type: 'open' });
    });
    task.onMessage(({ data }) => {
      if (this.readyState !== this.OPEN) return;
      this.onmessage?.({ type: 'message', data: typeof data === 'string' ? data : ownArrayBuffer(data) });
    });
    task.onError((failure) => this.#fail(failure));
    task.onClose((result) => this.#closed(result?.code ?? 1006, result?.reason ?? ''));
  }

  send(data: ArrayBuffer | ArrayBufferView | string): void {
    if (this.readyState !== this.OPEN) throw new SdkError('not_connected', 'The socket is not open');
    this.#task.send({
      data: typeof data === 'string' ? data : ownArrayBuffer(data),
      fail: (failure) => this.#fail(failure),
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === this.CLOSING || this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSING;
    // A task that cannot close (never opened, already gone) reports nothing more: close it here.
    this.#task.close({ code, reason, fail: () => this.#closed(code, reason) });
  }

  #fail(failure: SocketTaskFailure | undefined): void {
    if (this.readyState === this.CLOSED) return;
    this.onerror?.({ type: 'error', message: failureText(failure) });
  }

  #closed(code: number, reason: string): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSED;
    this.onclose?.({ type: 'close', code, reason, wasClean: code === 1000 });
  }
}
