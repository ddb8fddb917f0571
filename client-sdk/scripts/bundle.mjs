// Builds what @classbridge/client-sdk ships, after `tsc -b` (the root `npm run build` runs both):
//
//   dist/browser/classbridge-sdk.js  standalone minified ESM, everything inside: served by the server at
//                                     /sdk/classbridge-sdk.js, and `@classbridge/client-sdk/browser`
//   dist/npm/index.js                ESM for apps' bundlers: @classbridge/protocol (not published) inlined,
//                                     package.json's dependencies (mediasoup-client, socket.io-client) imported
//   dist/npm/index.d.ts              one self-contained declaration file, protocol types inlined
//
// and checks the package contract, so a broken package fails the build rather than an app:
// the npm build and the declarations import nothing but the dependencies, bundle no third-party
// code, and declare exactly the values the JavaScript exports.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
/** Runtime dependencies: left as imports in the npm build, installed by the app. */
const dependencies = Object.keys(pkg.dependencies ?? {});
/** Workspace packages that are not published: their code and types go into the SDK's files. */
const INLINED = ['@classbridge/protocol'];
const TARGETS = ['chrome100', 'firefox100', 'safari15'];
const out = {
  browser: 'dist/browser/classbridge-sdk.js',
  npm: 'dist/npm/index.js',
  types: 'dist/npm/index.d.ts',
};
const started = performance.now();

const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const isDependency = (specifier) => dependencies.includes(packageOf(specifier));
const problems = [];
for (const name of INLINED) {
  if (dependencies.includes(name)) problems.push(`${name} is inlined and not published: list it in devDependencies, not dependencies`);
}

const [, npmBuild] = await Promise.all([
  build({
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile: path.join(root, out.browser),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGETS,
    // The map sits next to the bundle for whoever asks for it; no sourceMappingURL comment, so
    // classroom PCs on thin links never fetch a map nobody reads.
    sourcemap: 'external',
    minify: true,
    logLevel: 'warning',
  }),
  build({
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile: out.npm,
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGETS,
    external: dependencies.flatMap((name) => [name, `${name}/*`]),
    // Readable: apps minify their own bundles; the map points into the SDK's sources.
    sourcemap: true,
    sourcesContent: true,
    minify: false,
    metafile: true,
    logLevel: 'warning',
  }),
  bundleDeclarations(),
]);

// The npm build: imports only dependencies, carries no third-party code (that belongs in dependencies).
const npmOutput = npmBuild.metafile.outputs[out.npm];
if (!npmOutput) throw new Error(`esbuild's metafile does not list ${out.npm}`);
for (const { path: specifier, external } of npmOutput.imports) {
  if (external && !isDependency(specifier)) problems.push(`${out.npm} imports "${specifier}", which is not in dependencies`);
}
for (const [input, { bytesInOutput }] of Object.entries(npmOutput.inputs)) {
  if (bytesInOutput > 0 && input.includes('node_modules/')) problems.push(`${out.npm} bundles ${input}: make its package a dependency (or keep it out of the SDK)`);
}

// The declarations: one file, importing only dependencies, declaring what the JavaScript exports.
const declarations = await fs.readFile(path.join(root, out.types), 'utf8');
for (const [, specifier] of declarations.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|<reference\s+types=)["']([^"']+)["']/g)) {
  if (specifier.startsWith('.') || !isDependency(specifier)) problems.push(`${out.types} refers to "${specifier}", which an app cannot install`);
}
const declaredValues = new Set();
for (const [, kind, list] of declarations.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
  if (kind) continue;
  for (const entry of list.split(',')) if (entry.trim()) declaredValues.add(entry.trim().split(/\s+as\s+/).pop());
}
for (const [, name] of declarations.matchAll(/^export declare (?:abstract )?(?:class|function|const|let|var|enum) (\w+)/gm)) declaredValues.add(name);
const exportedValues = new Set(npmOutput.exports);
for (const name of declaredValues) if (!exportedValues.has(name)) problems.push(`${out.types} declares a value "${name}" that ${out.npm} does not export`);
for (const name of exportedValues) if (!declaredValues.has(name)) problems.push(`${out.npm} exports "${name}", which ${out.types} does not declare`);

if (problems.length > 0) {
  console.error(`client-sdk package check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const sizes = Object.fromEntries(await Promise.all(Object.entries(out).map(async ([key, file]) => [key, (await fs.stat(path.join(root, file))).size])));
console.log(JSON.stringify({ bundle: `client-sdk/${out.browser}`, npm: `client-sdk/${out.npm}`, types: `client-sdk/${out.types}`, bytes: sizes, ms: Math.round(performance.now() - started) }));

/**
 * Rolls tsc's declarations (dist/index.d.ts, written by `tsc -b`) into one file with the
 * inlined workspace packages' types copied in; dependencies' types stay imports.
 */
async function bundleDeclarations() {
  const input = path.join(root, 'dist/index.d.ts');
  await fs.access(input).catch(() => {
    throw new Error(`${input} is missing: run \`tsc -b\` (or the root \`npm run build\`) first`);
  });
  const [{ rollup }, { dts }] = await Promise.all([import('rollup'), import('rollup-plugin-dts')]);
  const warnings = [];
  const bundle = await rollup({
    input,
    plugins: [dts({ respectExternal: true, includeExternal: INLINED })],
    // Every other package stays an import, which the check below allows for dependencies only.
    external: (id) => !id.startsWith('.') && !path.isAbsolute(id) && !INLINED.includes(packageOf(id)),
    onwarn: (warning) => warnings.push(warning.message),
  });
  try {
    await bundle.write({ file: path.join(root, out.types), format: 'es' });
  } finally {
    await bundle.close();
  }
  if (warnings.length > 0) problems.push(...warnings.map((message) => `declarations: ${message}`));
}
