/**
 * A hostile REST server: a real node:http server on 127.0.0.1 (free port) in front of a sane
 * upstream (the mock broker's REST). Sane, it forwards every request; switched, it answers the
 * send and history calls with garbage, huge or bomb bodies, wrong shapes, endless pages, or not
 * at all (the thread list too, when switched on for it). Login always goes through, so a client can sign in before the server turns.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { normalizeMessage, toRestJson } from '@weiyu/protocol';
import { createPrng } from './prng.js';

/** How the hostile server answers the calls it is switched on for. */
export type HostileAnswer =
  /** Forwarded to the upstream, as is. */
  | { readonly kind: 'sane' }
  /** HTTP 200 with `bytes` random bytes (seeded). */
  | { readonly kind: 'garbage'; readonly bytes: number }
  /** HTTP 200 with an HTML page (a captive portal, a proxy's error page). */
  | { readonly kind: 'not-json' }
  /** HTTP 200, chunked, an envelope whose message goes on for `bytes` bytes: streamed, never held here. */
  | { readonly kind: 'huge'; readonly bytes: number }
  /** HTTP 200, `Content-Encoding: gzip`, `body` as built by {@link gzipBomb}. */
  | { readonly kind: 'gzip-bomb'; readonly body: Buffer }
  /** HTTP 200 `{code: 200, message: 'ok', data}` with `data` as given (a string, a page without a list…). */
  | { readonly kind: 'wrong-shape'; readonly data: unknown }
  /**
   * History only: every page full of messages never seen before, `last: false`, ever more pages.
   * `hangPage`: the first request for that page (after this answer was set) gets no answer, as
   * a page past the client's REST deadline.
   */
  | { readonly kind: 'endless-pages'; readonly topic: string; readonly hangPage?: number }
  /** Reads the request and never answers. */
  | { readonly kind: 'never' }
  /**
   * Forwarded, but held until `open` requests of the route are open at once (then all go on), or
   * `timeoutMs` after the first was held; from then on forwarded at once. Overlap by condition:
   * requests made together are seen together, however slow the machine.
   */
  | { readonly kind: 'gate'; readonly open: number; readonly timeoutMs: number }
  /** The headers, then one byte every `everyMs`, forever. */
  | { readonly kind: 'drip'; readonly everyMs: number };

/** The calls a {@link HostileAnswer} can be switched on for (uploads, the visitor bootstrap and the thread list only when named). */
export type HostileRoute = 'send' | 'history' | 'upload' | 'visitor' | 'threads';

/** A running hostile REST server, closed at the end of its `await using` block. */
export interface HostileRest extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: the `baseUrl` for `createHttpTransport` and for logging in. */
  readonly url: string;
  /** Answers `routes` (default both) with `answer` from now on. */
  set(answer: HostileAnswer, routes?: readonly HostileRoute[]): void;
  /** How many requests a route got so far. */
  requests(route: HostileRoute): number;
  /** Requests of a route not yet answered in full (held by `never`, `drip`, or still streaming). */
  open(route: HostileRoute): number;
  /** The most requests of a route open at once since the start or the last {@link HostileRest.resetPeaks}. */
  peak(route: HostileRoute): number;
  /** Starts counting the peaks afresh (from what is open now). */
  resetPeaks(): void;
  /** The `pageNumber` of every history request so far, in the order they came (a catch-up pass starts at 0). */
  historyPages(): readonly number[];
  /** Client connections open now. */
  sockets(): number;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, HostileRoute>> = {
  'POST /api/v1/message/rest/send': 'send',
  'POST /visitor/api/v1/visitor/message/send': 'send',
  'POST /visitor/api/v1/message/send': 'send',
  'GET /api/v1/message/query/topic': 'history',
  'POST /api/v1/upload/file': 'upload',
  'POST /visitor/api/v1/upload/file': 'upload',
  'POST /visitor/api/v1/init': 'visitor',
  'POST /visitor/api/v1/thread': 'visitor',
  'GET /api/v1/thread/query': 'threads',
};

/** Starts a hostile REST server in front of `upstream` (e.g. a mock broker's `httpUrl`), sane at first. */
export async function startHostileRest(upstream: string): Promise<HostileRest> {
  const answers = new Map<HostileRoute, HostileAnswer>();
  const counts = new Map<HostileRoute, number>();
  const open = new Map<HostileRoute, number>();
  const peaks = new Map<HostileRoute, number>();
  const historyPages: number[] = [];
  /** The endless-pages answers whose `hangPage` was asked for already. */
  const hung = new WeakSet<HostileAnswer>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const lane = { pages: 0 };
  /** The forwards each gate holds; a gate no longer in the map let everything through. */
  const gated = new Map<HostileAnswer, Array<() => void>>();
  const opened = new WeakSet<HostileAnswer>();
  const openGate = (gate: HostileAnswer): void => {
    opened.add(gate);
    for (const go of gated.get(gate) ?? []) go();
    gated.delete(gate);
  };

  const server = createServer((req, res) => {
    const route = ROUTES[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    const answer = (route && answers.get(route)) ?? { kind: 'sane' };
    const pageNumber = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('pageNumber') ?? 0);
    if (route === 'history') historyPages.push(pageNumber);
    if (route) {
      counts.set(route, (counts.get(route) ?? 0) + 1);
      const now = (open.get(route) ?? 0) + 1;
      open.set(route, now);
      peaks.set(route, Math.max(peaks.get(route) ?? 0, now));
      res.on('close', () => open.set(route, (open.get(route) ?? 1) - 1));
    }
    if (answer.kind === 'sane' || (answer.kind === 'gate' && opened.has(answer))) {
      forward(upstream, req, res);
      return;
    }
    if (answer.kind === 'gate') {
      const held = gated.get(answer) ?? [];
      if (held.length === 0) timers.add(setTimeout(() => openGate(answer), answer.timeoutMs));
      held.push(() => forward(upstream, req, res));
      gated.set(answer, held);
      if (route && (open.get(route) ?? 0) >= answer.open) openGate(answer);
      return;
    }
    req.resume();
    if (answer.kind === 'endless-pages' && answer.hangPage === pageNumber && !hung.has(answer)) {
      hung.add(answer);
      return;
    }
    req.on('end', () => answerHostile(answer, res, { timers, lane, pageNumber }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearInterval(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    set(answer, routes = ['send', 'history']) {
      for (const route of routes) answers.set(route, answer);
    },
    requests: (route) => counts.get(route) ?? 0,
    open: (route) => open.get(route) ?? 0,
    peak: (route) => peaks.get(route) ?? 0,
    resetPeaks: () => {
      peaks.clear();
      for (const [route, now] of open) peaks.set(route, now);
    },
    historyPages: () => [...historyPages],
    sockets: () => sockets.size,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Passes a request to the upstream and its answer back, one connection each (nothing pooled). */
function forward(upstream: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', upstream);
  const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent: false });
  out.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

interface AnswerContext {
  readonly timers: Set<NodeJS.Timeout>;
  /** Pages of endless history served so far: each gets messages of its own. */
  readonly lane: { pages: number };
  /** The page a history request asked for. */
  readonly pageNumber: number;
}

function answerHostile(
  answer: Exclude<HostileAnswer, { kind: 'sane' }>,
  res: ServerResponse,
  context: AnswerContext,
): void {
  switch (answer.kind) {
    case 'garbage': {
      const random = createPrng(answer.bytes);
      const bytes = Buffer.alloc(answer.bytes);
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(bytes);
      return;
    }
    case 'not-json':
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Please sign in to the Wi-Fi</body></html>');
      return;
    case 'huge':
      streamHuge(res, answer.bytes);
      return;
    case 'gzip-bomb':
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': answer.body.length,
        })
        .end(answer.body);
      return;
    case 'wrong-shape':
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code: 200, message: 'ok', data: answer.data }));
      return;
    case 'endless-pages':
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          code: 200,
          message: 'ok',
          data: endlessPage(answer.topic, context.lane.pages++, context.pageNumber),
        }),
      );
      return;
    case 'never':
    case 'gate':
      return;
    case 'drip': {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), answer.everyMs);
      context.timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        context.timers.delete(timer);
      });
      return;
    }
  }
}

/** `{"code":200,"message":"xxxx…` for `bytes` bytes, written as the client reads it (backpressure). */
function streamHuge(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{"code":200,"message":"');
  const piece = Buffer.alloc(64 * 1024, 0x78);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const size = Math.min(left, piece.length);
      left -= size;
      if (!res.write(piece.subarray(0, size))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end('","data":null}');
  };
  pump();
}

/** Served page `n` (asked for as `pageNumber`) of a history that never ends: 50 messages no client has seen. */
function endlessPage(topic: string, n: number, pageNumber: number): unknown {
  const content = Array.from({ length: 50 }, (_, i) =>
    toRestJson(
      normalizeMessage({
        uid: `endless${String(n).padStart(8, '0')}${String(i).padStart(4, '0')}`,
        type: 'TEXT',
        content: `endless ${n}.${i}`,
        status: 'SUCCESS',
        createdAt: '2024-05-01 10:00:00',
        thread: { uid: 'thread_endless', topic, type: 'AGENT' },
        user: { uid: 'someone_else', type: 'VISITOR' },
      }),
    ),
  );
  return {
    content,
    number: pageNumber,
    size: 50,
    totalPages: 1_000_000_000,
    totalElements: 50_000_000_000,
    last: false,
  };
}

/**
 * `bytes` bytes of JSON whitespace, gzipped (256 MB become about 250 KB). Built in 1 MiB steps,
 * so the test never holds the inflated size.
 */
export async function gzipBomb(bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(gzip, 'end');
  const step = Buffer.alloc(1024 * 1024, 0x20);
  for (let left = bytes; left > 0; left -= step.length) {
    if (!gzip.write(left >= step.length ? step : step.subarray(0, left))) await once(gzip, 'drain');
  }
  gzip.end();
  await ended;
  return Buffer.concat(out);
}
