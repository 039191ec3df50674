// Bundles every action and the CLI with ncc into dist/<entry>/index.js.
// tsc first emits ES modules into build/; ncc then bundles those .js files, and because this package
// is "type": "module" it emits an ES module bundle (the @actions/* packages are ESM-only).
// The bundles are committed (actions run from them), so the output must depend only on src/.
import ncc from '@vercel/ncc';
import { mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** dist/<name>/index.js ← src/<source> */
export const entries = {
  cli: 'build/src/cli/main.js',
  version: 'build/src/actions/version.js',
  notes: 'build/src/actions/notes.js',
};

export async function bundle(name, outRoot = join(root, 'dist')) {
  const { code } = await ncc(join(root, entries[name]), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2023',
    cache: false,
  });
  const out = join(outRoot, name, 'index.js');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  if (code.startsWith('#!')) await chmod(out, 0o755);
  return out;
}

async function main() {
  const outRoot = process.argv[2] ? join(process.cwd(), process.argv[2]) : join(root, 'dist');
  await rm(outRoot, { recursive: true, force: true });
  for (const name of Object.keys(entries)) {
    const out = await bundle(name, outRoot);
    process.stdout.write(`bundled ${entries[name]} -> ${out}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
