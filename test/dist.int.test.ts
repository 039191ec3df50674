import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleAll, entries, root } from '../scripts/build.mjs';

// dist/ is what the runner executes; it must be exactly what src/ builds to today.
describe('dist/', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'release-flow-dist-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('matches a fresh build of src/ (run `npm run build` and commit dist/ when this fails)', async () => {
    // ncc names modules by their path, so tsc must emit to build/ exactly as `npm run build` does.
    const outDir = join(scratch, 'dist');
    rmSync(join(root, 'build'), { recursive: true, force: true });
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc')], { cwd: root, stdio: 'pipe' });
    await bundleAll({ outDir });
    const names = Object.keys(entries as Record<string, string>).sort();
    expect(readdirSync(join(root, 'dist')).sort()).toEqual(names);
    for (const name of names) {
      const fresh = readFileSync(join(outDir, name, 'index.js'), 'utf8');
      const committed = readFileSync(join(root, 'dist', name, 'index.js'), 'utf8');
      expect(committed === fresh, `dist/${name}/index.js differs from a fresh build`).toBe(true);
    }
  }, 180_000);

  test('the CLI runs from the committed bundle with no build step', () => {
    const help = execFileSync(process.execPath, [join(root, 'dist/cli/index.js'), '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/Usage: release-flow <command>/);
    for (const command of ['plan', 'version', 'notes', 'release']) expect(help).toContain(command);
  });
});
