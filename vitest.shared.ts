import { defaultClientConditions, defaultServerConditions } from 'vite';

/**
 * Resolve workspace packages to their TypeScript sources (the `source` export condition),
 * so every package's tests run without a build.
 */
export const sourceResolve = {
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
};
