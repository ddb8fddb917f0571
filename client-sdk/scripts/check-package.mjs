// `prepack`: refuses to pack (or publish) an SDK that was not built, or was built before its
// sources last changed. Building stays the root `npm run build` (tsc -b, then scripts/bundle.mjs,
// which also checks what the files import and export).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shipped = ['dist/npm/index.js', 'dist/npm/index.d.ts', 'dist/browser/classbridge-sdk.js'];
/** Sources the shipped files are built from (the protocol is inlined). */
const sourceDirs = ['src', '../protocol/src'];

async function newestSource() {
  let newest = { file: '', mtimeMs: 0 };
  for (const dir of sourceDirs) {
    for (const entry of await fs.readdir(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      const { mtimeMs } = await fs.stat(file);
      if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
    }
  }
  return newest;
}

const problems = [];
const source = await newestSource();
for (const file of shipped) {
  const stat = await fs.stat(path.join(root, file)).catch(() => null);
  if (!stat) problems.push(`${file} is missing`);
  else if (stat.mtimeMs < source.mtimeMs) problems.push(`${file} is older than ${path.relative(root, source.file)}`);
}
const declarations = await fs.readFile(path.join(root, 'dist/npm/index.d.ts'), 'utf8').catch(() => '');
if (declarations.includes('@classbridge/protocol')) problems.push('dist/npm/index.d.ts refers to @classbridge/protocol, which apps cannot install');
if (problems.length > 0) {
  console.error(`@classbridge/client-sdk is not ready to pack:\n  ${problems.join('\n  ')}\nRun \`npm run build\` at the repository root first.`);
  process.exit(1);
}
