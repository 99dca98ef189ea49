// The mock broker in a process of its own (see broker-process.ts), so that a test measuring its
// own heap measures the client only. Vite's module runner loads the TypeScript sources with the
// package's vitest config (its aliases to the workspace sources), as the tests do.
// argv[2]: the package directory (with vitest.config.ts); argv[3]: startMockBroker options as JSON.
// Prints one JSON line {mqttUrl, httpUrl}; stops on SIGTERM or when its parent goes (stdin ends).
import { join } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const [root = '.', json] = process.argv.slice(2);
const vite = await createServer({
  configFile: join(root, 'vitest.config.ts'),
  root,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
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
