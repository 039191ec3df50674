import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { releaseKey, startFakeGitHub } from '../support/fake-github.js';
import type { FakeGitHub, RecordedRequest } from '../support/fake-github.js';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { inputEnv, readManifest, runAction } from './run-action.js';
import type { ActionRun, RunActionOptions } from './run-action.js';

// The notes action as the runner starts it (`node dist/notes/index.js`), against the fake GitHub
// REST API of test/support/fake-github.ts reached through GITHUB_API_URL.

const TOKEN = 'ghs_notes_test_token_1234567890';

let fake: FakeGitHub;
const temp = tempRepos();

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
});

afterEach(async () => {
  await fake.close();
});

/** v1.0.0, a fix (#12) and a feat(api), released as the annotated tag v1.1.0, checked out as on a tag push. */
function taggedRepo(): { repo: TestRepo; fix: string; feat: string } {
  const repo = temp.repo();
  repo.commit('feat: initial import');
  repo.tag('v1.0.0');
  const fix = repo.commit('fix: crash on empty input (#12)');
  const feat = repo.commit('feat(api): add the /health endpoint');
  repo.commit('chore: tidy up');
  repo.tag('v1.1.0', 'HEAD', { message: 'Release v1.1.0' });
  repo.checkout('v1.1.0');
  return { repo, fix, feat };
}

function notes(repo: TestRepo, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction('notes', { workspace: repo.dir, ref: 'refs/tags/v1.1.0', apiUrl: fake.url, githubToken: TOKEN, ...options });
}

const log = (run: ActionRun) => `exit ${run.exitCode}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
const calls = (requests: RecordedRequest[] = fake.requests) => requests.map((r) => `${r.method} ${r.path}`);
const notesFile = (repo: TestRepo) => join(repo.dir, 'release-notes.md');

describe('the runner contract of action.yml', () => {
  test('loads as the runner reads it, and the token defaults to ${{ github.token }}', () => {
    const manifest = readManifest('notes');
    const env = inputEnv(manifest, {}, { github: { token: 'the-job-token' }, env: {} });
    expect(env).toEqual({
      INPUT_TAG: '',
      INPUT_FILE: 'release-notes.md',
      'INPUT_GITHUB-RELEASE': 'true',
      'INPUT_RELEASE-NAME': '',
      INPUT_TOKEN: 'the-job-token',
      'INPUT_TAG-PREFIX': 'v',
      'INPUT_RELEASE-RULES': '',
      'INPUT_SHOW-TYPES': '',
      'INPUT_WORKING-DIRECTORY': '.',
    });
  });
});

describe('on a tag ref', () => {
  test('creates the GitHub Release, writes release-notes.md and outputs the release', async () => {
    const { repo, fix, feat } = taggedRepo();
    const run = await notes(repo);

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.errors).toEqual([]);
    expect(calls()).toEqual(['GET /repos/owner/repo/releases/tags/v1.1.0', 'POST /repos/owner/repo/releases']);
    const post = fake.requests[1]!;
    expect(post.headers.authorization).toBe(`token ${TOKEN}`);
    // The tag exists, so no target_commitish: GitHub uses the tag as it is.
    expect(post.body).toEqual({
      tag_name: 'v1.1.0',
      name: 'v1.1.0',
      body: run.outputs.notes,
      prerelease: false,
      make_latest: 'true',
    });

    const notesText = run.outputs.notes!;
    expect(notesText.split('\n')[0]).toBe('## [1.1.0](https://github.com/owner/repo/compare/v1.0.0...v1.1.0) (2024-01-01)');
    expect(notesText).toContain(`add the /health endpoint ([${feat.slice(0, 7)}](https://github.com/owner/repo/commit/${feat}))`);
    expect(notesText).toContain(`crash on empty input ([#12](https://github.com/owner/repo/issues/12)) ([${fix.slice(0, 7)}]`);
    expect(notesText).not.toContain('tidy up');

    const stored = fake.releases.get(releaseKey('owner', 'repo', 'v1.1.0'))!;
    expect(stored).toMatchObject({ id: 1, body: notesText, prerelease: false, draft: false, make_latest: 'true' });
    expect(run.outputs).toEqual({
      notes: notesText,
      version: '1.1.0',
      tag: 'v1.1.0',
      'release-url': `${fake.url}/owner/repo/releases/tag/v1.1.0`,
      'release-id': '1',
    });
    expect(readFileSync(notesFile(repo), 'utf8')).toBe(`# Release notes\n\n${notesText}`);
    expect(run.summary).toContain(`GitHub Release created: <a href="${fake.url}/owner/repo/releases/tag/v1.1.0">`);
    expect(run.summary).toContain('Notes written to <code>release-notes.md</code>');
  });

  test('re-running the step updates the release (PATCH) instead of creating a second one', async () => {
    const { repo } = taggedRepo();
    const first = await notes(repo);
    expect(first.exitCode, log(first)).toBe(0);
    const fileAfterFirst = readFileSync(notesFile(repo), 'utf8');
    // Someone edits the release by hand in between; the re-run puts the notes back.
    fake.releases.get(releaseKey('owner', 'repo', 'v1.1.0'))!.body = 'edited by hand';
    const before = fake.requests.length;

    const second = await notes(repo);
    expect(second.exitCode, log(second)).toBe(0);
    expect(calls(fake.requests.slice(before))).toEqual(['GET /repos/owner/repo/releases/tags/v1.1.0', 'PATCH /repos/owner/repo/releases/1']);
    expect(fake.requests.at(-1)!.body).toMatchObject({ body: first.outputs.notes, prerelease: false, make_latest: 'true' });
    expect(fake.releases.size).toBe(1);
    expect(fake.releases.get(releaseKey('owner', 'repo', 'v1.1.0'))!.body).toBe(first.outputs.notes);
    expect(second.outputs['release-id']).toBe(first.outputs['release-id']);
    expect(second.outputs.notes).toBe(first.outputs.notes);
    expect(readFileSync(notesFile(repo), 'utf8')).toBe(fileAfterFirst);
    expect(second.summary).toContain('GitHub Release updated');
  });

  test('a prerelease tag makes a prerelease that is not "latest"', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('v1.1.0');
    repo.commit('feat: dark mode');
    repo.tag('v1.2.0-rc.1');
    const run = await notes(repo, { ref: 'refs/tags/v1.2.0-rc.1' });

    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tag_name: 'v1.2.0-rc.1', prerelease: true, make_latest: 'false' });
    expect(run.outputs).toMatchObject({ version: '1.2.0-rc.1', tag: 'v1.2.0-rc.1' });
    expect(run.outputs.notes).toContain('dark mode');
    expect(run.summary).toContain('(prerelease)');
  });

  test('a patch on an older line (v1.4.1 when v2.0.0 exists) is not "latest"', async () => {
    const repo = temp.repo();
    repo.commit('feat: initial import');
    repo.tag('v1.4.0');
    repo.commit('feat!: new configuration format');
    repo.tag('v2.0.0');
    repo.branch('release/1.x', 'v1.4.0');
    repo.checkout('release/1.x');
    repo.commit('fix: backport the crash fix');
    repo.tag('v1.4.1');
    repo.checkout('v1.4.1');
    const run = await notes(repo, { ref: 'refs/tags/v1.4.1' });

    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tag_name: 'v1.4.1', prerelease: false, make_latest: 'false' });
    expect(run.outputs.notes).toContain('backport the crash fix');
    expect(run.outputs.notes).not.toContain('new configuration format');
  });

  test('github-release: false makes no API call, and needs no token', async () => {
    const { repo } = taggedRepo();
    const run = await notes(repo, { inputs: { 'github-release': 'false', token: '' } });

    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.requests).toEqual([]);
    expect(run.outputs).toMatchObject({ version: '1.1.0', tag: 'v1.1.0', 'release-url': '', 'release-id': '' });
    expect(readFileSync(notesFile(repo), 'utf8')).toBe(`# Release notes\n\n${run.outputs.notes}`);
  });

  test("file: '' leaves the files alone", async () => {
    const { repo } = taggedRepo();
    const run = await notes(repo, { inputs: { file: '' } });

    expect(run.exitCode, log(run)).toBe(0);
    expect(existsSync(notesFile(repo))).toBe(false);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fake.releases.size).toBe(1);
    expect(run.outputs['release-id']).toBe('1');
  });

  test('a custom file path and release-name are used', async () => {
    const { repo } = taggedRepo();
    mkdirSync(join(repo.dir, 'docs'));
    const run = await notes(repo, { inputs: { file: 'docs/CHANGES.md', 'release-name': 'Synapse 1.1.0' } });
    expect(run.exitCode, log(run)).toBe(0);
    expect(readFileSync(join(repo.dir, 'docs', 'CHANGES.md'), 'utf8')).toContain(run.outputs.notes);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tag_name: 'v1.1.0', name: 'Synapse 1.1.0' });
  });

  test('a 401 fails the step with "Bad credentials" in the annotation and creates nothing', async () => {
    const { repo } = taggedRepo();
    const run = await notes(repo, { githubToken: 'ghs_expired_token_0000000000' });

    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.message).toContain('Bad credentials');
    expect(run.errors[0]!.message).toContain('401');
    expect(fake.releases.size).toBe(0);
    // Not retried: a rejected token stays rejected.
    expect(calls()).toEqual(['GET /repos/owner/repo/releases/tags/v1.1.0']);
    expect(run.outputs['release-url'] ?? '').toBe('');
  });

  test('a 502 is retried, says so, then succeeds', async () => {
    const { repo } = taggedRepo();
    fake.failNext(1, 502);
    const run = await notes(repo);

    expect(run.exitCode, log(run)).toBe(0);
    expect(run.stdout).toMatch(/502 .*retrying/);
    expect(calls()).toEqual([
      'GET /repos/owner/repo/releases/tags/v1.1.0',
      'GET /repos/owner/repo/releases/tags/v1.1.0',
      'POST /repos/owner/repo/releases',
    ]);
    expect(fake.releases.size).toBe(1);
    expect(run.outputs['release-id']).toBe('1');
  });

  test('a 502 on the POST that had in fact gone through is not duplicated', async () => {
    const { repo } = taggedRepo();
    // The release exists already (an earlier attempt that timed out on our side).
    const first = await notes(repo);
    expect(first.exitCode, log(first)).toBe(0);
    fake.failNext(1, 502, {}, undefined, { method: 'PATCH' });
    const run = await notes(repo);
    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.releases.size).toBe(1);
    expect(run.stdout).toMatch(/502 .*retrying/);
  });

  test('GHES: GITHUB_API_URL with /api/v3 works', async () => {
    const { repo } = taggedRepo();
    const run = await notes(repo, { apiUrl: `${fake.url}/api/v3`, serverUrl: 'https://ghes.example.com' });

    expect(run.exitCode, log(run)).toBe(0);
    expect(calls()).toEqual(['GET /api/v3/repos/owner/repo/releases/tags/v1.1.0', 'POST /api/v3/repos/owner/repo/releases']);
    expect(fake.releases.size).toBe(1);
    expect(run.outputs.notes).toContain('https://ghes.example.com/owner/repo/compare/v1.0.0...v1.1.0');
  });

  test('the tag of a shallow clone is deepened first: the same notes as from the full history', async () => {
    const { repo } = taggedRepo();
    const full = await notes(repo, { inputs: { 'github-release': 'false', file: '' } });
    const clone = temp.shallow(repo, 1);
    const run = await notes(clone, { inputs: { 'github-release': 'false', file: '' }, sha: repo.head() });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.stdout).toContain('Shallow clone detected');
    expect(run.outputs.notes).toBe(full.outputs.notes);
  });

  test('a tag that is not a release tag fails with an Invalid input annotation naming the tag', async () => {
    const { repo } = taggedRepo();
    repo.tag('nightly');
    const run = await notes(repo, { ref: 'refs/tags/nightly' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.properties.title).toBe('Invalid input');
    expect(run.errors[0]!.message).toContain('"nightly"');
    expect(fake.requests).toEqual([]);
    expect(existsSync(notesFile(repo))).toBe(false);
  });

  test('an empty token with github-release on fails early, naming the token input', async () => {
    const { repo } = taggedRepo();
    const run = await notes(repo, { inputs: { token: '' } });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.properties.title).toBe('Invalid input');
    expect(run.errors[0]!.message.startsWith('token:')).toBe(true);
    expect(fake.requests).toEqual([]);
  });
});

describe('on a branch ref', () => {
  test('with no tag input: preview only, no API call, no file', async () => {
    const { repo, feat } = taggedRepo();
    repo.checkout('main');
    const next = repo.commit('feat: export metrics');
    const run = await notes(repo, { ref: 'refs/heads/main' });

    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.requests).toEqual([]);
    expect(existsSync(notesFile(repo))).toBe(false);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(run.outputs).toMatchObject({ version: '1.2.0', tag: 'v1.2.0', 'release-url': '', 'release-id': '' });
    expect(run.outputs.notes).toContain(next.slice(0, 7));
    expect(run.outputs.notes).not.toContain(feat.slice(0, 7));
    expect(run.notices.map((n) => n.message).join('\n')).toContain('previewed');
    expect(run.summary).toContain('Release notes preview: v1.2.0');
    expect(run.summary).toContain(run.outputs.notes!.trimEnd());
  });

  test('with a tag input for a tag not pushed yet: the release is created at HEAD', async () => {
    const { repo } = taggedRepo();
    repo.checkout('main');
    repo.commit('feat: export metrics');
    const head = repo.head();
    const run = await notes(repo, { ref: 'refs/heads/main', inputs: { tag: 'v1.2.0' } });

    expect(run.exitCode, log(run)).toBe(0);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tag_name: 'v1.2.0', target_commitish: head, prerelease: false, make_latest: 'true' });
    expect(run.outputs).toMatchObject({ version: '1.2.0', tag: 'v1.2.0', 'release-id': '1' });
    expect(readFileSync(notesFile(repo), 'utf8')).toContain('## [1.2.0](https://github.com/owner/repo/compare/v1.1.0...v1.2.0)');
  });
});
