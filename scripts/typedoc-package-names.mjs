// TypeDoc plugin: names each entry-point module by the specifier a user imports
// (`@weiyu/core/testing`, not `core/src/testing`) and gives a package's root module the package's
// description when its entry file has no module comment. Used by typedoc.config.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** `/…/packages/core/src/testing/index.ts` → `{ specifier: '@weiyu/core/testing', description }`. */
function describeEntry(file) {
  const match = /^(.*\/packages\/[^/]+)\/src\/(.+)\.ts$/.exec(resolve(file));
  if (!match?.[1] || !match[2]) return undefined;
  const manifest = JSON.parse(readFileSync(join(match[1], 'package.json'), 'utf8'));
  const sub = match[2] === 'index' ? '' : match[2].replace(/\/index$/, '');
  return { specifier: sub ? `${manifest.name}/${sub}` : manifest.name, description: sub ? '' : manifest.description };
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const entry = file ? describeEntry(file) : undefined;
    if (!entry) {
      app.logger.warn(
        `cannot tell which package module ${reflection.name} belongs to (${file ? relative(dirname(''), file) : 'no file'})`,
      );
      return;
    }
    reflection.name = entry.specifier;
    if (!reflection.comment && entry.description)
      reflection.comment = new Comment([{ kind: 'text', text: entry.description }]);
  });
}
