import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionDir, projectRoot, readManifest } from './run-action.js';
import type { ActionName } from './run-action.js';

// What the runner needs before it can start a step at all: an action.yml it can parse (a plain
// scalar must not contain `: `, e.g. an unquoted "with `contents: write`"), node24, and the bundle.

const actions: ActionName[] = ['main', 'version', 'notes', 'image', 'deploy', 'switch', 'release'];

describe.each(actions)('%s action.yml', (action) => {
  const file = join(actionDir(action), 'action.yml');

  test('is valid YAML', () => {
    expect(() => readManifest(action), file).not.toThrow();
  });

  test('runs on node24 from a committed bundle', () => {
    const manifest = readManifest(action);
    expect(manifest.runs.using).toBe('node24');
    expect(existsSync(join(projectRoot, actionDir(action), manifest.runs.main)), manifest.runs.main).toBe(true);
  });

  test('documents every input and output; defaults only use expressions the runner gives actions', () => {
    const manifest = readManifest(action);
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect(name, 'input names are lower-case with hyphens').toMatch(/^[a-z][a-z0-9-]*$/);
      expect(spec?.description, `inputs.${name}.description`).toBeTruthy();
      for (const [, expression] of (spec?.default ?? '').matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)) {
        expect(expression, `inputs.${name}.default`).toMatch(/^github\.[a-z_]+$/);
      }
    }
    for (const [name, spec] of Object.entries(manifest.outputs)) expect(spec?.description, `outputs.${name}.description`).toBeTruthy();
  });

  test('the README documents every input and output', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    const manifest = readManifest(action);
    for (const name of [...Object.keys(manifest.inputs), ...Object.keys(manifest.outputs)]) {
      expect(readme.includes(`\`${name}\``), `README.md mentions \`${name}\` of ${file}`).toBe(true);
    }
  });
});
