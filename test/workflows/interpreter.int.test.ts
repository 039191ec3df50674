import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runWorkflow, type InterpreterOptions } from './interpreter.js';
import { consumerFixture, removeDir, tempDir } from './scenario-support.js';

// The workflow interpreter's own semantics, on small workflows of `run:` steps (bash, no engine):
// the job order of `needs`, skips that travel down the chain, status functions, typed inputs of
// called workflows, job and workflow_call outputs, and the refusals that keep it honest.

let dir: string;
const sha = '3'.repeat(40);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const run = (workflow: string, event: InterpreterOptions['event'] = { name: 'push', ref: 'refs/heads/main', sha }) =>
  runWorkflow({ workflow, event, repository: 'acme/synapse', repositoryUrl: 'file:///nonexistent', apiUrl: 'http://127.0.0.1:9', token: 'ghs_t', workflowsDir: dir });

describe('workflow interpreter', () => {
  beforeAll(() => {
    dir = tempDir('interpreter');
  });
  afterAll(() => removeDir(dir));

  test('jobs run in the order of needs; a false if skips the job and everything that needs it; always() runs anyway', async () => {
    const wf = file(
      'order.yml',
      `name: order
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      x: \${{ steps.s.outputs.x }}
    steps:
      - id: s
        run: echo "x=hello" >> "$GITHUB_OUTPUT"
  c:
    needs: [b]
    runs-on: ubuntu-latest
    steps:
      - run: "true"
  b:
    needs: a
    if: needs.a.outputs.x == 'nope'
    runs-on: ubuntu-latest
    steps:
      - run: "true"
  d:
    needs: [a, c]
    if: always()
    runs-on: \${{ fromJSON('["self-hosted", "linux"]') }}
    steps:
      - env:
          X: \${{ needs.a.outputs.x }}
          R: \${{ needs.c.result }}
        run: echo "$X $R $GITHUB_REF" >> "$GITHUB_STEP_SUMMARY"
`,
    );
    const r = await run(wf);
    expect(r.sequence()).toEqual(['a:success', 'b:skipped', 'c:skipped', 'd:success']);
    expect(r.job('a').outputs).toEqual({ x: 'hello' });
    expect(r.job('d').runsOn).toEqual(['self-hosted', 'linux']);
    expect(r.job('d').summary).toBe('hello skipped refs/heads/main\n');
  });

  test('a failed step fails its job: later steps are skipped unless if: failure(), and jobs that need it are skipped', async () => {
    const wf = file(
      'failure.yml',
      `name: failure
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: exit 3
      - run: echo never >> "$GITHUB_STEP_SUMMARY"
      - if: failure()
        run: echo cleanup >> "$GITHUB_STEP_SUMMARY"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: "true"
  report:
    needs: b
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: "true"
`,
    );
    const r = await run(wf);
    expect(r.conclusion).toBe('failure');
    expect(r.sequence()).toEqual(['a:failure', 'b:skipped', 'report:success']);
    expect(r.job('a').steps.map((s) => `${s.status}:${s.outcome}`)).toEqual(['ran:failure', 'skipped:skipped', 'ran:success']);
    expect(r.job('a').summary).toBe('cleanup\n');
  });

  test('a called workflow gets typed inputs with defaults, its own jobs, and gives its outputs back', async () => {
    file(
      'called.yml',
      `name: called
on:
  workflow_call:
    inputs:
      name: { type: string, required: true }
      flag: { type: boolean, default: false }
      labels: { type: string, default: '["ubuntu-latest"]' }
    outputs:
      greeting:
        value: \${{ jobs.greet.outputs.greeting }}
jobs:
  greet:
    runs-on: \${{ fromJSON(inputs.labels) }}
    outputs:
      greeting: \${{ steps.g.outputs.greeting }}
    steps:
      - id: g
        env:
          NAME: \${{ inputs.name }}
          FLAG: \${{ inputs.flag && 'on' || 'off' }}
        run: echo "greeting=hi $NAME, flag $FLAG" >> "$GITHUB_OUTPUT"
`,
    );
    const caller = (withText: string) =>
      file(
        'caller.yml',
        `name: caller
on: push
jobs:
  call:
    uses: owner/release-flow/.github/workflows/called.yml@v1
    with:
${withText}
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - env:
          G: \${{ needs.call.outputs.greeting }}
        run: echo "$G" >> "$GITHUB_STEP_SUMMARY"
`,
      );
    const r = await run(caller('      name: synapse'));
    expect(r.sequence()).toEqual(['call:success', 'call/greet:success', 'after:success']);
    expect(r.job('call').with).toEqual({ name: 'synapse', flag: false, labels: '["ubuntu-latest"]' });
    expect(r.job('call/greet').runsOn).toEqual(['ubuntu-latest']);
    expect(r.job('after').summary).toBe('hi synapse, flag off\n');

    expect((await run(caller('      name: synapse\n      flag: true'))).job('after').summary).toBe('hi synapse, flag on\n');
    // GitHub refuses a string for a boolean input, an undeclared input and a missing required one.
    await expect(run(caller("      name: synapse\n      flag: 'true'"))).rejects.toThrow(/flag .*expected type: Boolean/);
    await expect(run(caller('      name: synapse\n      nme: typo'))).rejects.toThrow(/nme is not defined in the referenced workflow/);
    await expect(run(caller('      flag: true'))).rejects.toThrow(/Input name is required/);
  });

  test('an action it has no stand-in for, and keys it does not implement, stop the run instead of being skipped', async () => {
    const unknown = file(
      'unknown.yml',
      `name: unknown
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0
        with:
          path: x
          key: y
`,
    );
    await expect(run(unknown)).rejects.toThrow(/actions\/cache@.* is a third-party action the interpreter has no stand-in for/);
    const matrix = file(
      'matrix.yml',
      `name: matrix
on: push
jobs:
  a:
    strategy:
      matrix:
        n: [1, 2]
    runs-on: ubuntu-latest
    steps:
      - run: "true"
`,
    );
    await expect(run(matrix)).rejects.toThrow(/strategy: is not supported by the workflow interpreter/);
    // And a workflow GitHub would not accept is refused before anything runs.
    const invalid = file('invalid.yml', 'name: invalid\non: push\njobs:\n  a:\n    runs_on: ubuntu-latest\n    steps:\n      - run: "true"\n');
    await expect(run(invalid)).rejects.toThrow(/is not a valid workflow \(@actions\/workflow-parser\)/);
  });

  test('the consumer: its triggers and its dispatch form are checked as GitHub would', async () => {
    // A push to another branch triggers nothing.
    const other = await run(consumerFixture, { name: 'push', ref: 'refs/heads/feature', sha });
    expect(other.triggered).toBe(false);
    expect(other.jobs).toEqual([]);
    const dispatch = (inputs: Record<string, string>) => run(consumerFixture, { name: 'workflow_dispatch', ref: 'refs/heads/main', sha, inputs });
    await expect(dispatch({ environment: 'staging' })).rejects.toThrow(/"staging" is not one of dev, prod/);
    await expect(dispatch({ version: 'v1.0.0' })).rejects.toThrow(/Required input 'environment' not provided/);
    await expect(dispatch({ environment: 'prod', force: 'true' })).rejects.toThrow(/Unexpected inputs provided: force/);
  });
});
