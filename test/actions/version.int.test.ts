import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { inputEnv, readManifest, runAction } from './run-action.js';
import type { ActionRun, RunActionOptions } from './run-action.js';

// The version action as the runner starts it: `node dist/version/index.js` with INPUT_* variables
// (action.yml defaults included), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a push event.

const SERVER = 'https://ghes.example.com';
const REPO_URL = `${SERVER}/owner/repo`;

const temp = tempRepos();

/** v1.0.0, then a fix (closing #12), a feat(api) and a docs commit: the next version is 1.1.0. */
function releasedRepo(): { repo: TestRepo; fix: string; feat: string; docs: string } {
  const repo = temp.repo();
  repo.commit('feat: initial import');
  repo.tag('v1.0.0');
  const fix = repo.commit('fix: crash on empty input (#12)');
  const feat = repo.commit('feat(api): add the /health endpoint');
  const docs = repo.commit('docs: explain the endpoint');
  return { repo, fix, feat, docs };
}

const isoToday = () => new Date().toISOString().slice(0, 10);

function version(repo: TestRepo, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction('version', { workspace: repo.dir, ref: 'refs/heads/main', serverUrl: SERVER, ...options });
}

/** Everything a failed step printed, for assertion messages. */
const log = (run: ActionRun) => `exit ${run.exitCode}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

describe('the runner contract of action.yml', () => {
  test('every declared input gets an INPUT_ variable, upper-cased with hyphens kept, defaults from action.yml', () => {
    const manifest = readManifest('version');
    const env = inputEnv(manifest, { strict: 'false' }, { github: { token: 't' }, env: {} });
    expect(env).toEqual({
      INPUT_REF: '',
      'INPUT_TAG-PREFIX': 'v',
      'INPUT_INITIAL-VERSION': '1.0.0',
      INPUT_PRERELEASE: '',
      'INPUT_PRE-MAJOR': 'false',
      'INPUT_RELEASE-RULES': '',
      INPUT_STRICT: 'false',
      'INPUT_SHOW-TYPES': '',
      'INPUT_WORKING-DIRECTORY': '.',
    });
  });

  test('declares every output the action sets', async () => {
    const { repo } = releasedRepo();
    const run = await version(repo);
    expect(run.exitCode, log(run)).toBe(0);
    expect(Object.keys(run.outputs).sort()).toEqual(Object.keys(readManifest('version').outputs).sort());
  });
});

describe('on a branch ref', () => {
  test('outputs the next version, its parts, the previous release, the bump and the notes', async () => {
    const { repo, fix, feat, docs } = releasedRepo();
    const before = isoToday();
    const run = await version(repo);
    const after = isoToday();

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([]);
    const { notes = '', ...outputs } = run.outputs;
    expect(outputs).toEqual({
      version: '1.1.0',
      tag: 'v1.1.0',
      'previous-version': '1.0.0',
      'previous-tag': 'v1.0.0',
      bump: 'minor',
      released: 'true',
      major: '1',
      minor: '1',
      patch: '0',
      prerelease: '',
    });

    // Dated today (UTC), linked to GITHUB_SERVER_URL / GITHUB_REPOSITORY, hidden types left out.
    const lines = notes.split('\n');
    expect([before, after].map((d) => `## [1.1.0](${REPO_URL}/compare/v1.0.0...v1.1.0) (${d})`)).toContain(lines[0]);
    expect(notes).toContain(`### Features\n\n* **api:** add the /health endpoint ([${feat.slice(0, 7)}](${REPO_URL}/commit/${feat}))\n`);
    expect(notes).toContain(`### Bug fixes\n\n* crash on empty input ([#12](${REPO_URL}/issues/12)) ([${fix.slice(0, 7)}](${REPO_URL}/commit/${fix}))\n`);
    expect(notes.indexOf('### Features')).toBeLessThan(notes.indexOf('### Bug fixes'));
    expect(notes).not.toContain(docs.slice(0, 7));
    expect(notes).not.toContain('explain the endpoint');
    expect(notes.endsWith('\n')).toBe(true);
  });

  test('show-types adds a hidden type to the notes; release-rules change the bump', async () => {
    const { repo, docs } = releasedRepo();
    const run = await version(repo, { inputs: { 'show-types': 'docs=Documentation', 'release-rules': 'feat=patch' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.version).toBe('1.0.1');
    expect(run.outputs.bump).toBe('patch');
    expect(run.outputs.notes).toContain(`### Documentation\n\n* explain the endpoint ([${docs.slice(0, 7)}](${REPO_URL}/commit/${docs}))\n`);
  });

  test('nothing releasable since the last tag: released false, version and tag empty, bump none', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('v1.0.0');
    repo.commit('docs: typo');
    repo.commit('chore(ci): cache node_modules');
    const run = await version(repo);

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toEqual({
      version: '',
      tag: '',
      'previous-version': '1.0.0',
      'previous-tag': 'v1.0.0',
      bump: 'none',
      released: 'false',
      major: '',
      minor: '',
      patch: '',
      prerelease: '',
      notes: '',
    });
  });

  test('HEAD already carries the last release tag: no release', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.1.0');
    const run = await version(repo);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.released).toBe('false');
    expect(run.outputs.version).toBe('');
    expect(run.outputs['previous-tag']).toBe('v1.1.0');
  });

  test('no tag yet: the first release is initial-version', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.commit('fix: something');
    const run = await version(repo, { inputs: { 'initial-version': '0.1.0' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '0.1.0', tag: 'v0.1.0', 'previous-version': '', 'previous-tag': '', released: 'true' });
  });

  test('prerelease input: the next version is <next>-rc.1, and the prerelease output is rc.1', async () => {
    const { repo } = releasedRepo();
    const run = await version(repo, { inputs: { prerelease: 'rc' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({
      version: '1.1.0-rc.1',
      tag: 'v1.1.0-rc.1',
      bump: 'minor',
      released: 'true',
      major: '1',
      minor: '1',
      patch: '0',
      prerelease: 'rc.1',
    });
  });

  test('prerelease input with rc.1 already tagged: rc.2, while the last stable release stays the previous one', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.1.0-rc.1', 'HEAD~1');
    const run = await version(repo, { inputs: { prerelease: 'rc' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '1.1.0-rc.2', prerelease: 'rc.2', 'previous-tag': 'v1.0.0' });
  });

  test('tag-prefix and working-directory are honoured', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('synapse-v2.3.4');
    repo.tag('v9.0.0'); // another prefix: ignored
    repo.commit('fix: leak');
    const workspace = temp.tempDir('workspace');
    const clone = spawnSync('git', ['clone', '--quiet', repo.dir, join(workspace, 'services', 'synapse')], { encoding: 'utf8' });
    expect(clone.status, clone.stderr).toBe(0);

    const run = await runAction('version', {
      workspace,
      ref: 'refs/heads/main',
      sha: repo.head(),
      inputs: { 'tag-prefix': 'synapse-v', 'working-directory': 'services/synapse' },
    });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '2.3.5', tag: 'synapse-v2.3.5', 'previous-tag': 'synapse-v2.3.4', bump: 'patch' });
  });
});

describe('on a tag ref', () => {
  test('a valid tag passes with the tag’s version', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.1.0', 'HEAD', { message: 'Release v1.1.0' }); // annotated, as `release-flow release` makes them
    repo.checkout('v1.1.0'); // actions/checkout on a tag push: detached at the tag
    const run = await version(repo, { ref: 'refs/tags/v1.1.0' });

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([]);
    expect(run.outputs).toMatchObject({
      version: '1.1.0',
      tag: 'v1.1.0',
      'previous-version': '1.0.0',
      'previous-tag': 'v1.0.0',
      bump: 'minor',
      released: 'true',
      major: '1',
      minor: '1',
      patch: '0',
      prerelease: '',
    });
    // A release is dated by its tagged commit (git-repo's clock starts on 2024-01-01), so re-runs agree.
    expect(run.outputs.notes!.split('\n')[0]).toBe(`## [1.1.0](${REPO_URL}/compare/v1.0.0...v1.1.0) (2024-01-01)`);
  });

  test('a tag that bumps more than needed is fine', async () => {
    const { repo } = releasedRepo();
    repo.tag('v2.0.0');
    const run = await version(repo, { ref: 'refs/tags/v2.0.0' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '2.0.0', bump: 'major', released: 'true' });
  });

  test('an under-bumped tag fails the step with an error naming the expected minimum version (strict default)', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.0.1'); // a feat since v1.0.0 asks for minor
    const run = await version(repo, { ref: 'refs/tags/v1.0.1' });

    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.message).toContain('v1.0.1');
    expect(run.errors[0]!.message).toMatch(/expected at least v1\.1\.0\b/);
    expect(run.errors[0]!.message).toContain('strict: false');
    expect(run.warnings).toEqual([]);
    expect(run.outputs.released).toBe('false');
  });

  test('an under-bumped tag with strict: false succeeds with a warning', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.0.1');
    const run = await version(repo, { ref: 'refs/tags/v1.0.1', inputs: { strict: 'false' } });

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]!.message).toMatch(/expected at least v1\.1\.0\b/);
    expect(run.outputs).toMatchObject({ version: '1.0.1', tag: 'v1.0.1', released: 'true', bump: 'patch' });
    // The job summary carries the warning too.
    expect(run.summary).toContain('expected at least v1.1.0');
  });

  test('a tag not greater than the last release fails', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.1.0', 'HEAD~1');
    repo.tag('v1.0.5');
    const run = await version(repo, { ref: 'refs/tags/v1.0.5' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.message).toContain('not greater than the last release v1.1.0');
  });

  test.each(['release-2', 'v1.2', 'v01.2.0', 'vv1.2.0'])('the tag name %s is not a release tag: the step fails', async (tag) => {
    const { repo } = releasedRepo();
    repo.tag(tag);
    const run = await version(repo, { ref: `refs/tags/${tag}` });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.message).toContain(`tag ${tag} is not a release tag`);
    expect(run.errors[0]!.message).toContain('vX.Y.Z');
    expect(run.outputs).toMatchObject({ version: '', tag: '', released: 'false' });
  });
});

describe('bad inputs fail the step with an Invalid input annotation naming the input', () => {
  test.each([
    ['strict', 'maybe'],
    ['tag-prefix', 'a b'],
    ['release-rules', 'nonsense'],
    ['pre-major', 'yes'],
    ['initial-version', '1.0'],
    ['prerelease', 'r c'],
    ['show-types', 'docs'],
  ])('%s: %j', async (input, value) => {
    const { repo } = releasedRepo();
    const run = await version(repo, { inputs: { [input]: value } });

    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.properties.title).toBe('Invalid input');
    expect(run.errors[0]!.message.startsWith(`${input}: ${JSON.stringify(value)} is not valid`)).toBe(true);
    // Nothing is computed from a bad input.
    expect(run.outputFile).toBe('');
  });

  test('the annotation is a single ::error line with the documented title', async () => {
    const { repo } = releasedRepo();
    const run = await version(repo, { inputs: { strict: 'maybe' } });
    expect(run.stdout).toContain('::error title=Invalid input::strict: "maybe" is not valid; expected true or false');
  });
});

describe('job summary', () => {
  test('shows the version, the commit that decided the bump and the notes preview with links', async () => {
    const { repo, fix, feat } = releasedRepo();
    const run = await version(repo);
    expect(run.exitCode, log(run)).toBe(0);
    const { summary } = run;

    expect(summary).toContain('Next release: v1.1.0');
    expect(summary).toMatch(/<td>1\.1\.0<\/td><td>v1\.0\.0<\/td><td>minor<\/td><td>3<\/td>/);
    // Why minor: the feat commit, by short sha and header.
    expect(summary).toContain('Why minor');
    expect(summary).toContain(`<code>${feat.slice(0, 7)}</code> <code>feat(api): add the /health endpoint</code>`);
    // The notes preview: exactly the notes output, with links under GITHUB_SERVER_URL.
    expect(summary).toContain('Release notes preview');
    expect(summary).toContain(run.outputs.notes!.trimEnd());
    expect(summary).toContain(`${REPO_URL}/commit/${feat}`);
    expect(summary).toContain(`${REPO_URL}/commit/${fix}`);
    expect(summary).not.toContain('https://github.com/');
  });

  test('says when there is nothing to release', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('v1.0.0');
    repo.commit('docs: typo');
    const run = await version(repo);
    expect(run.summary).toContain('No release: nothing releasable since v1.0.0');
  });
});

describe('shallow clone', () => {
  test('deepens the history itself, says so, and outputs what the full repository gives', async () => {
    const { repo } = releasedRepo();
    // A release line further back, so depth 1 misses both the tag and most commits.
    repo.commit('perf: faster startup');
    const full = await version(repo);
    expect(full.outputs.version).toBe('1.1.0');

    const clone = temp.shallow(repo, 1);
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
    expect(clone.git('tag', '--list')).toBe('');
    const run = await version(clone, { sha: repo.head() });

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.stdout).toContain('Shallow clone detected');
    expect(run.outputs).toEqual(full.outputs);
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('false');
    expect(clone.git('tag', '--list')).toBe('v1.0.0');
  });

  test('a shallow clone of a tag push is deepened before the tag is checked', async () => {
    const { repo } = releasedRepo();
    repo.tag('v1.0.1'); // under-bumped: only visible with the history back to v1.0.0
    const clone = temp.shallow(repo, 1);
    const run = await version(clone, { ref: 'refs/tags/v1.0.1', sha: repo.head() });
    expect(run.stdout).toContain('Shallow clone detected');
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]?.message).toMatch(/expected at least v1\.1\.0\b/);
    expect(existsSync(join(clone.dir, '.git', 'shallow'))).toBe(false);
  });
});

describe('input edge cases', () => {
  // The runner always passes the action.yml default (`v`) for an input the step leaves out, so an
  // empty INPUT_TAG-PREFIX only ever means `tag-prefix: ''`: tags without a prefix, as the CLI's
  // `--tag-prefix ''` takes it (2.3.4 -> 2.3.5), not a fallback to `v` (which would find no
  // release tag and output the initial version).
  test("tag-prefix: '' uses unprefixed tags such as 2.3.4, as the CLI does", async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('2.3.4');
    repo.commit('fix: leak');
    const run = await version(repo, { inputs: { 'tag-prefix': '' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '2.3.5', tag: '2.3.5', 'previous-tag': '2.3.4' });
  });

  // Not "spawn git ENOENT", which reads as "git is not installed": inputs are validated early and
  // errors name the input and the bad value, as the CLI's --cwd does.
  test('a working-directory that does not exist fails as an Invalid input naming it', async () => {
    const { repo } = releasedRepo();
    const run = await version(repo, { inputs: { 'working-directory': 'no/such/dir' } });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.properties.title).toBe('Invalid input');
    expect(run.errors[0]!.message.startsWith('working-directory: "no/such/dir"')).toBe(true);
  });
});
