import { WebSocket } from 'ws';
import type { MiniProgramSocketApi, SocketTask, SocketTaskFailure } from '../mini-program-socket.js';

/** How the fake behaves like one platform or another. */
export interface FakeSocketApiOptions {
  /** Alipay: `connectSocket` returns a SocketTask only with `multiple: true`. */
  readonly taskOnlyWhenMultiple?: boolean;
  /** uni-app: `connectSocket` returns a SocketTask only when a callback is given. */
  readonly taskOnlyWithCallback?: boolean;
  /** Fail every `connectSocket` at once with this `errMsg` (a URL outside the allowed domains). */
  readonly refuse?: string;
}

/** One `connectSocket` call as the fake saw it. */
export interface OpenedSocket {
  readonly url: string;
  readonly protocols: readonly string[] | undefined;
  readonly multiple: boolean | undefined;
}

/** A fake `wx` (or `my`, `uni`) whose SocketTasks are real WebSockets (`ws`), as strict as WeChat about what they take. */
export interface FakeSocketApi extends MiniProgramSocketApi {
  readonly opened: OpenedSocket[];
  /** `send` calls refused because `data` was neither a string nor an ArrayBuffer (WeChat refuses those). */
  readonly refusedSends: unknown[];
  /** Frames sent, as bytes. */
  readonly sentFrames: Uint8Array[];
  /** Closes every open socket from the client side with code 1006-like abruptness. */
  terminateAll(): void;
}

/** The fake SocketTask API over `ws`: `onX` register listeners, `send`/`close` take option objects. */
export function createFakeSocketApi(options: FakeSocketApiOptions = {}): FakeSocketApi {
  const opened: OpenedSocket[] = [];
  const refusedSends: unknown[] = [];
  const sentFrames: Uint8Array[] = [];
  const sockets = new Set<WebSocket>();
  const api: FakeSocketApi = {
    opened,
    refusedSends,
    sentFrames,
    terminateAll() {
      for (const socket of sockets) socket.terminate();
    },
    connectSocket(request) {
      opened.push({ url: request.url, protocols: request.protocols, multiple: request.multiple });
      if (options.refuse !== undefined) {
        const failure: SocketTaskFailure = { errMsg: `connectSocket:fail ${options.refuse}` };
        setTimeout(() => request.fail?.(failure), 0);
        return options.taskOnlyWhenMultiple && !request.multiple ? undefined : idleTask();
      }
      if (options.taskOnlyWhenMultiple && !request.multiple) return undefined;
      if (options.taskOnlyWithCallback && !request.fail && !request.complete) return undefined;
      const socket = new WebSocket(request.url, request.protocols);
      socket.binaryType = 'arraybuffer';
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      return taskOver(socket, refusedSends, sentFrames);
    },
  };
  return api;
}

/** A SocketTask that never opens (its request failed). */
function idleTask(): SocketTask {
  return {
    send: ({ fail }) => fail?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' }),
    close: ({ fail }) => fail?.(),
    onOpen() {},
    onClose() {},
    onError() {},
    onMessage() {},
  };
}

function taskOver(socket: WebSocket, refusedSends: unknown[], sentFrames: Uint8Array[]): SocketTask {
  socket.on('error', () => {});
  return {
    send({ data, success, fail }) {
      if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
        refusedSends.push(data);
        fail?.({ errMsg: 'sendSocketMessage:fail parameter error: data should be String or ArrayBuffer' });
        return;
      }
      if (socket.readyState !== WebSocket.OPEN) {
        fail?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
        return;
      }
      sentFrames.push(typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data.slice(0)));
      socket.send(data, (error) => (error ? fail?.({ errMsg: error.message }) : success?.()));
    },
    close({ code = 1000, reason = '', success, fail }) {
      if (code !== 1000 && (code < 3000 || code > 4999)) {
        fail?.();
        return;
      }
      if (socket.readyState === WebSocket.CLOSED) {
        fail?.();
        return;
      }
      socket.close(code, reason);
      success?.();
    },
    onOpen: (listener) => socket.on('open', () => listener()),
    onClose: (listener) => socket.on('close', (code, reason) => listener({ code, reason: reason.toString() })),
    onError: (listener) => socket.on('error', (error) => listener({ errMsg: error.message })),
    onMessage: (listener) =>
      socket.on('message', (data) => listener({ data: data instanceof ArrayBuffer ? data : String(data) })),
  };
}
