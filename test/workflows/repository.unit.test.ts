import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkActionManifest } from './action-manifest.js';
import { actionlintWorkflow, formatFinding } from './actionlint.js';
import type { Workflow } from './policy.js';
import { checkWorkflows, formatViolation, loadWorkflow, rules } from './policy.js';

// The repository's own workflows and actions, checked the way CI cannot skip:
//   - every .github/workflows/*.yml: actionlint (wasm), @actions/workflow-parser, and every rule of
//     the workflow policy (policy.ts) over all of them together;
//   - every action.yml (the root one and actions/*/action.yml): action schema, name, description,
//     node24 with an existing runs.main, a description for every input and output.
// No workflow files is a failure, never a pass. `npm run lint:workflows` runs only this file.
// RELEASE_FLOW_WORKFLOWS_ROOT checks another checkout (or a scratch copy) instead of this one.

const root = resolve(process.env.RELEASE_FLOW_WORKFLOWS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const workflowsDir = join(root, '.github', 'workflows');

const workflowFiles = existsSync(workflowsDir)
  ? readdirSync(workflowsDir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => `.github/workflows/${entry.name}`)
      .sort()
  : [];

const actionFiles = [
  ...['action.yml', 'action.yaml'].filter((name) => existsSync(join(root, name))),
  ...(existsSync(join(root, 'actions'))
    ? readdirSync(join(root, 'actions'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) => ['action.yml', 'action.yaml'].map((name) => `actions/${entry.name}/${name}`))
        .filter((file) => existsSync(join(root, file)))
        .sort()
    : []),
];

let loading: Promise<Workflow[]> | undefined;
/** Every workflow, loaded once for all the tests of this file. */
const workflows = (): Promise<Workflow[]> =>
  (loading ??= Promise.all(workflowFiles.map((file) => loadWorkflow(file, readFileSync(join(root, file), 'utf8')))));
const workflow = async (file: string): Promise<Workflow> => (await workflows()).find((loaded) => loaded.file === file)!;

describe('.github/workflows', () => {
  test('has workflow files (an empty directory would make every check below pass vacuously)', () => {
    if (workflowFiles.length === 0) {
      throw new Error(`no workflow files (*.yml, *.yaml) in ${workflowsDir}: the workflow checks have nothing to check, which is a failure, not a pass`);
    }
  });

  test.each(workflowFiles)('%s passes actionlint', async (file) => {
    const findings = await actionlintWorkflow(await workflow(file));
    expect(findings.map((finding) => formatFinding(file, finding)), `actionlint on ${file}`).toEqual([]);
  });

  test.each(workflowFiles)('%s parses with @actions/workflow-parser', async (file) => {
    const { errors } = await workflow(file);
    expect(errors.map(({ line, message }) => `${file}${line === undefined ? '' : `:${line}`}: ${message}`)).toEqual([]);
  });

  test(`follow the workflow policy (${rules.map((rule) => rule.id).join(', ')})`, async () => {
    const loaded = await workflows();
    expect(loaded.length, `workflow files in ${workflowsDir}`).toBeGreaterThan(0);
    const violations = checkWorkflows(loaded).filter((violation) => violation.rule !== 'workflow-syntax'); // reported per file above
    if (violations.length > 0) {
      throw new Error(`${violations.length} workflow policy violation(s):\n${violations.map(formatViolation).join('\n')}`);
    }
  });
});

describe('action.yml files', () => {
  test('exist (the root action.yml at least)', () => {
    expect(actionFiles, `action.yml files under ${root}`).toContain('action.yml');
  });

  test.each(actionFiles)('%s is a valid node24 action with documented inputs and outputs', (file) => {
    expect(checkActionManifest(root, file, readFileSync(join(root, file), 'utf8'))).toEqual([]);
  });
});
