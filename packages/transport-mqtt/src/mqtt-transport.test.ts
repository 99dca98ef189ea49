// The realtime transport contract (`@weiyu/transport-contract`), run on this transport. What only
// this one does has its own files: TLS (tls.test.ts), mini-program sockets
// (mini-program-socket.test.ts) and coalesced writes (coalesce-writes.test.ts).
import { describeRealtimeTransport } from '@weiyu/transport-contract';
import { createMqttTransport } from './index.js';

describeRealtimeTransport('createMqttTransport', createMqttTransport);
