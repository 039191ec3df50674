import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeGitHub } from '../support/fake-github.js';
import type { FakeGitHub } from '../support/fake-github.js';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runAction } from './run-action.js';
import type { ActionName, ActionRun } from './run-action.js';

// A canary token, unique per test, is given to both actions (as the token input, ${{ github.token }}
// and GITHUB_TOKEN) while the fake GitHub API succeeds, fails, and even echoes it back. It must reach
// the API in the Authorization header and nowhere else: not the log (not even as `::add-mask::`, which
// prints the token wherever the output is not read by a runner; the runner masks github.token and
// secrets itself), not the outputs, not the job summary, not a file.

let canary: string;
let fake: FakeGitHub;
let repo: TestRepo;
const temp = tempRepos();

beforeEach(async () => {
  canary = `ghs_canary_${randomBytes(16).toString('hex')}`;
  fake = await startFakeGitHub({ token: canary });
  repo = temp.repo();
  repo.commit('feat: initial import');
  repo.tag('v1.0.0');
  repo.commit('fix: crash on empty input (#12)');
  repo.commit('feat(api): add the /health endpoint');
  repo.tag('v1.1.0', 'HEAD', { message: 'Release v1.1.0' });
});

afterEach(async () => {
  await fake.close();
});

function run(action: ActionName, ref: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(action, {
    workspace: repo.dir,
    ref,
    apiUrl: fake.url,
    githubToken: canary,
    // The version action declares no token input; the runner still passes an undeclared `with:`.
    inputs: action === 'notes' ? { token: canary, ...inputs } : inputs,
    env: { GITHUB_TOKEN: canary, ...(action === 'version' ? { INPUT_TOKEN: canary } : {}) },
  });
}

/** Every file under `dir`, .git included, by path relative to it. */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path, 'latin1'));
  }
  return files;
}

function expectNoCanary(result: ActionRun): void {
  expect(result.stdout.split('\n').filter((line) => line.includes(canary)), 'stdout').toEqual([]);
  expect(result.stderr.includes(canary), `stderr:\n${result.stderr}`).toBe(false);
  expect(result.outputFile.includes(canary), `GITHUB_OUTPUT:\n${result.outputFile}`).toBe(false);
  expect(result.summary.includes(canary), `GITHUB_STEP_SUMMARY:\n${result.summary}`).toBe(false);
  for (const [name, text] of Object.entries(result.runnerFiles)) expect(text.includes(canary), `runner file ${name}`).toBe(false);
  for (const [path, text] of filesUnder(repo.dir)) expect(text.includes(canary), `workspace file ${path}`).toBe(false);
}

/** The fake accepts only the canary, so a served request proves it arrived, in the header only. */
function expectCanarySentAsAuthorization(): void {
  expect(fake.requests.length).toBeGreaterThan(0);
  for (const request of fake.requests) {
    expect(request.headers.authorization).toBe(`token ${canary}`);
    expect(JSON.stringify(request.body ?? '').includes(canary)).toBe(false);
    expect(request.path.includes(canary)).toBe(false);
  }
}

const echo = () => `token ${canary} was rejected`;

describe('version action', () => {
  test('success on a branch', async () => {
    const result = await run('version', 'refs/heads/main');
    expect(result.exitCode, result.stdout).toBe(0);
    expectNoCanary(result);
  });

  test('failure on an under-bumped tag', async () => {
    repo.tag('v1.0.1', 'v1.1.0');
    const result = await run('version', 'refs/tags/v1.0.1');
    expect(result.exitCode).not.toBe(0);
    expectNoCanary(result);
  });
});

describe('notes action', () => {
  test('success: the release is created, then updated on a re-run', async () => {
    const created = await run('notes', 'refs/tags/v1.1.0');
    expect(created.exitCode, created.stdout).toBe(0);
    expect(created.outputs['release-id']).toBe('1');
    expectNoCanary(created);
    const updated = await run('notes', 'refs/tags/v1.1.0');
    expect(updated.exitCode, updated.stdout).toBe(0);
    expect(fake.requests.at(-1)!.method).toBe('PATCH');
    expectNoCanary(updated);
    expectCanarySentAsAuthorization();
  });

  test('a branch preview', async () => {
    repo.commit('feat: more');
    const result = await run('notes', 'refs/heads/main');
    expect(result.exitCode, result.stdout).toBe(0);
    expect(fake.requests).toEqual([]);
    expectNoCanary(result);
  });

  const failures: Array<[string, () => void, RegExp]> = [
    ['401 Bad credentials', () => fake.failNext(1, 401), /401.*Bad credentials/],
    [
      '422 Validation Failed on the POST',
      () => fake.failNext(1, 422, {}, { message: 'Validation Failed', errors: [{ resource: 'Release', code: 'invalid', field: 'tag_name' }] }, { method: 'POST' }),
      /422.*Validation Failed/,
    ],
    [
      '422 whose message and errors echo the token',
      () =>
        fake.failNext(
          1,
          422,
          {},
          { message: `Validation Failed: ${echo()}`, errors: [{ resource: 'Release', code: 'custom', field: 'body', message: echo() }] },
          { method: 'POST' },
        ),
      /422.*Validation Failed/,
    ],
    ['403 whose plain-text body echoes the token', () => fake.failNext(1, 403, {}, `<html>Forbidden: ${echo()}</html>`), /403/],
    ['404 whose message echoes the token', () => fake.failNext(1, 404, {}, { message: echo() }, { method: 'POST' }), /404/],
  ];

  test.each(failures)('failure: %s', async (_, arrange, annotation) => {
    arrange();
    const result = await run('notes', 'refs/tags/v1.1.0');
    expect(result.exitCode).not.toBe(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(annotation);
    expectNoCanary(result);
    expectCanarySentAsAuthorization();
  });

  test('a 502 whose body echoes the token, retried to success', async () => {
    fake.failNext(1, 502, {}, { message: echo() });
    const result = await run('notes', 'refs/tags/v1.1.0');
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toContain('retrying');
    expectNoCanary(result);
    expectCanarySentAsAuthorization();
  });

  test('the echoed token is redacted, the rest of the API message kept', async () => {
    fake.failNext(1, 422, {}, { message: `Validation Failed: ${echo()}` }, { method: 'POST' });
    const result = await run('notes', 'refs/tags/v1.1.0');
    expect(result.errors[0]!.message).toContain('Validation Failed: token *** was rejected');
  });
});
