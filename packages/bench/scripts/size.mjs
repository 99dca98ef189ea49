#!/usr/bin/env node
// The size budget: bundles a typical app (src/size/typical-app.ts: createChatClient with the MQTT
// transport's /web entry and the HTTP transport) for the browser, minified, with mqtt and @bufbuild/protobuf left out (an
// app has them anyway; they are the SDK's dependencies, not its code), gzips it and fails when
// the SDK's own code is over the budget in size-budget.json. Prints where the bytes come from.
// Workspace packages come from their sources through tsconfig paths, or through their `browser`
// export condition where they have one, as a browser app's bundler resolves them.
// The same app on transport-mqtt's main entry is printed too (not budgeted).
// Then the same for a typical visitor widget (src/size/typical-widget.ts: startVisitor on the light
// transport, @weiyu/transport-ws): the SDK's own code, and the whole widget with protobuf-es in it,
// which is what a host page pays; the budget is the typical app's only.
//   node scripts/size.mjs            check
//   node scripts/size.mjs --full     also the whole apps with mqtt.js and protobuf-es in them, and the
//                                    widget on transport-mqtt for comparison
//   node scripts/size.mjs --files    also the typical app's minified bytes per source file, largest first
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const budget = JSON.parse(readFileSync(path.join(root, 'size-budget.json'), 'utf8'));
const EXTERNAL = ['mqtt', '@bufbuild/protobuf', '@bufbuild/protobuf/*'];

const APP = 'src/size/typical-app.ts';
const WIDGET = 'src/size/typical-widget.ts';

/** The widget on transport-mqtt instead: `@weiyu/transport-ws` answered by a module that hands out mqtt.js's. */
const onMqtt = {
  name: 'widget-on-mqtt',
  setup(build) {
    build.onResolve({ filter: /^@weiyu\/transport-ws$/ }, () => ({ path: 'transport-ws', namespace: 'on-mqtt' }));
    build.onLoad({ filter: /.*/, namespace: 'on-mqtt' }, () => ({
      contents: "export { createMqttTransport as createWsTransport } from '@weiyu/transport-mqtt';",
      resolveDir: root,
      loader: 'js',
    }));
  },
};

/** The typical app on transport-mqtt's main entry, which carries the mini-program socket adapter, instead of `/web`. */
const onMainEntry = {
  name: 'main-entry',
  setup(build) {
    build.onResolve({ filter: /^@weiyu\/transport-mqtt\/web$/ }, ({ importer, resolveDir, kind }) =>
      build.resolve('@weiyu/transport-mqtt', { importer, resolveDir, kind }),
    );
  },
};

const packages = path.join(root, '..');

/**
 * The `browser` export condition of the workspace packages, in the source: tsconfig `paths` map
 * `@weiyu/transport-mqtt/web` to `src/web.ts` whatever the platform, but a browser app installed
 * from npm gets the package's `browser` target (`./dist/web.browser.js`), built from `src/web.browser.ts`.
 */
const browserCondition = {
  name: 'browser-condition',
  setup(build) {
    build.onResolve({ filter: /^@weiyu\/[^/]+(\/.+)?$/ }, ({ path: specifier }) => {
      const [, name, subpath] = /^@weiyu\/([^/]+)(\/.+)?$/.exec(specifier);
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(path.join(packages, name, 'package.json'), 'utf8'));
      } catch {
        return undefined;
      }
      const target = manifest.exports?.[`.${subpath ?? ''}`]?.browser?.import?.default;
      const source = target && /^\.\/dist\/(.+)\.js$/.exec(target)?.[1];
      return source ? { path: path.join(packages, name, 'src', `${source}.ts`) } : undefined;
    });
  },
};

async function bundle(external, entry = APP, plugins = []) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    // After the others: they may re-resolve a specifier, which then comes here too.
    plugins: [...plugins, browserCondition],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].contents;
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

/** Minified bytes in the bundle by source file (before gzip), largest first: where to look for a cut. */
function byFile(metafile) {
  const rows = Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs).map(([input, { bytesInOutput }]) => [input.replace(/^(\.\.\/)+/, ''), bytesInOutput]),
  );
  return rows.filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
}

/** Minified bytes in the bundle by package (before gzip). */
function byPackage(metafile) {
  const parts = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const dependency = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
      const name = dependency ?? input.match(/(?:^|\/)([^/]+)\/src\//)?.[1] ?? input;
      parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...parts].sort((a, b) => b[1] - a[1]);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const own = await bundle(EXTERNAL);
console.log(
  `SDK's own code in a typical app: ${own.gzip} bytes gzip (${kb(own.gzip)}; ${kb(own.bytes)} minified), budget ${budget.gzipBytes} bytes`,
);
for (const [name, bytes] of byPackage(own.metafile)) console.log(`  ${name.padEnd(16)} ${kb(bytes)} minified`);
const mainEntry = await bundle(EXTERNAL, APP, [onMainEntry]);
console.log(
  `  on transport-mqtt's main entry (mini-program socket in it): ${mainEntry.gzip} bytes gzip (${kb(mainEntry.bytes)} minified)`,
);
if (process.argv.includes('--files')) {
  console.log('The typical app by source file (minified bytes):');
  for (const [file, bytes] of byFile(own.metafile)) console.log(`  ${String(bytes).padStart(6)}  ${file}`);
}
const full = process.argv.includes('--full');
if (full) {
  const whole = await bundle([]);
  console.log(
    `The whole typical app (mqtt.js and protobuf-es in it): ${kb(whole.gzip)} gzip (${kb(whole.bytes)} minified)`,
  );
  for (const [name, bytes] of byPackage(whole.metafile).slice(0, 12))
    console.log(`  ${name.padEnd(16)} ${kb(bytes)} minified`);
}
const widgetOwn = await bundle(EXTERNAL, WIDGET);
console.log(
  `SDK's own code in a typical widget (transport-ws): ${widgetOwn.gzip} bytes gzip (${kb(widgetOwn.gzip)}; ${kb(widgetOwn.bytes)} minified)`,
);
for (const [name, bytes] of byPackage(widgetOwn.metafile)) console.log(`  ${name.padEnd(16)} ${kb(bytes)} minified`);
const widget = await bundle([], WIDGET);
console.log(`The whole typical widget (protobuf-es in it): ${kb(widget.gzip)} gzip (${kb(widget.bytes)} minified)`);
if (full) {
  const before = await bundle([], WIDGET, [onMqtt]);
  console.log(
    `The same widget on transport-mqtt (mqtt.js in it): ${kb(before.gzip)} gzip (${kb(before.bytes)} minified)`,
  );
}
if (own.gzip > budget.gzipBytes) {
  console.error(
    `over the budget by ${own.gzip - budget.gzipBytes} bytes: make it smaller, or raise size-budget.json with a reason`,
  );
  process.exit(1);
}
