// Builds the ESM browser bundle (dist/browser/classbridge-sdk.js); tsc writes the type declarations.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}src/index.ts`],
  outfile: `${root}dist/browser/classbridge-sdk.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
console.log(JSON.stringify({ bundle: 'client-sdk/dist/browser/classbridge-sdk.js' }));
