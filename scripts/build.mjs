// Bundles every action and the CLI with ncc into dist/<entry>/index.js.
// tsc first emits ES modules into build/; ncc then bundles those .js files, and because this package
// is "type": "module" it emits an ES module bundle (the @actions/* packages are ESM-only).
// The bundles are committed (actions run from them), so the output must depend only on src/:
// test/dist.int.test.ts rebuilds into a temporary directory and compares.
import ncc from '@vercel/ncc';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** dist/<name>/index.js ← <build>/src/<source>.js */
export const entries = {
  cli: 'cli/main.js',
  version: 'actions/version.js',
  notes: 'actions/notes.js',
  main: 'actions/main.js',
  image: 'actions/image.js',
  deploy: 'actions/deploy.js',
  switch: 'actions/switch.js',
  release: 'actions/release.js',
};

export async function bundle(name, { buildDir = join(root, 'build'), outDir = join(root, 'dist') } = {}) {
  const { code } = await ncc(join(buildDir, 'src', entries[name]), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2023',
    cache: false,
  });
  const out = join(outDir, name, 'index.js');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  if (code.startsWith('#!')) await chmod(out, 0o755);
  return out;
}

export async function bundleAll(options = {}) {
  const outDir = options.outDir ?? join(root, 'dist');
  await rm(outDir, { recursive: true, force: true });
  const outputs = [];
  for (const name of Object.keys(entries)) outputs.push(await bundle(name, { ...options, outDir }));
  return outputs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node scripts/build.mjs [BUILD_DIR OUT_DIR]
  const [buildDir, outDir] = process.argv.slice(2).map((p) => resolve(p));
  for (const out of await bundleAll({ ...(buildDir ? { buildDir } : {}), ...(outDir ? { outDir } : {}) })) {
    process.stdout.write(`bundled ${out}\n`);
  }
}
