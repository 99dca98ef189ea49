// The realtime transport contract (`@weiyu/transport-contract`), run on this transport over the
// `ws` package's WebSocket (Node 20 has none of its own). What only this one does has its own
// files: its codec (codec.test.ts) and brokers that misbehave on purpose (wire.test.ts).
import { describeRealtimeTransport } from '@weiyu/transport-contract';
import { WebSocket } from 'ws';
import { createWsTransport } from './index.js';

describeRealtimeTransport('createWsTransport', (options) => createWsTransport({ WebSocket, ...options }));
