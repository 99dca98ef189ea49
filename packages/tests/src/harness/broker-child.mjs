// The mock broker in a process of its own (see broker-process.ts), so that a test measuring its
// own heap measures the client only. Vite's module runner loads the TypeScript sources, as the
// tests do. argv[2]: the directory to resolve from; argv[3]: startMockBroker options as JSON.
// Prints one JSON line {mqttUrl, httpUrl}; stops on SIGTERM or when its parent goes (stdin ends).
import { createServer, createServerModuleRunner, defaultServerConditions } from 'vite';

const [root, json] = process.argv.slice(2);
const conditions = ['source', ...defaultServerConditions];
const vite = await createServer({
  configFile: false,
  root,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(vite.environments.ssr, { hmr: false });
const { startMockBroker } = await runner.import('@weiyu/mock-broker');
const broker = await startMockBroker({ ...JSON.parse(json ?? '{}'), mqttPort: 0, httpPort: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ mqttUrl: broker.mqttUrl, httpUrl: broker.httpUrl })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await broker.close();
  await vite.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
