import { describe, expect, test } from 'vitest';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runCli, runCliJson, utcToday } from './run-cli.js';

const { repo, shallow } = tempRepos();

function readyRepo() {
  const r = repo();
  r.commit('feat: base');
  r.tag('v1.0.0');
  const feat = r.commit('feat(api): add search');
  const fix = r.commit('fix: crash');
  r.commit('docs: explain');
  return { r, feat, fix };
}

/** Refs, HEAD and work tree: plan must change none of them. */
function state(r: TestRepo) {
  return [r.git('for-each-ref', '--format=%(refname) %(objectname)'), r.head(), r.git('status', '--porcelain', '--untracked-files=all')];
}

describe('plan (text)', () => {
  test('shows both triggers: the version a push to main previews, and the release a tag push makes', () => {
    const { r, feat, fix } = readyRepo();
    const before = state(r);
    const result = runCli(['plan'], { cwd: r.dir, env: { GITHUB_REPOSITORY: 'acme/widget' } });
    expect(result.code, result.stderr).toBe(0);
    expect(state(r)).toEqual(before);
    const out = result.stdout;
    const lines = out.split('\n');
    expect(lines[0]).toBe(`acme/widget on main at ${short(r.head())}`);

    const mainAt = lines.indexOf('Push to main now:');
    const tagAt = lines.findIndex((l) => l.startsWith('Tag push now'));
    expect(mainAt).toBeGreaterThan(0);
    expect(tagAt).toBeGreaterThan(mainAt);
    expect(lines[mainAt + 1]).toBe('    v1.1.0  (minor; previous: v1.0.0; 3 commits since v1.0.0)');
    expect(out).toContain(`minor ${short(feat)} feat(api): add search`);

    expect(lines[tagAt]).toContain('git tag v1.1.0 && git push origin v1.1.0');
    expect(lines[tagAt + 1]).toContain('GitHub Release v1.1.0 (latest)');
    const notes = lines.slice(tagAt + 2).join('\n');
    expect(notes).toContain(`    ## [1.1.0](https://github.com/acme/widget/compare/v1.0.0...v1.1.0) (${utcToday()})`);
    expect(notes).toContain('    ### Bug fixes');
    expect(notes).toContain(`    * crash ([${short(fix)}](https://github.com/acme/widget/commit/${fix}))`);
  });

  test('nothing to release: no release for main, no tag to push', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('chore: deps');
    const result = runCli(['plan'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`${r.dir} on main at ${short(r.head())}`);
    expect(result.stdout).toContain('Push to main now:\n    No release: nothing releasable in 1 commit since v1.0.0.');
    expect(result.stdout).toContain('Tag push now: nothing to release, so no release tag to push.');
    expect(result.stdout).not.toContain('##');
  });

  test('on a detached HEAD it says so', () => {
    const { r, fix } = readyRepo();
    r.checkout(fix);
    const result = runCli(['plan'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`${r.dir} on a detached HEAD at ${short(fix)}`);
  });
});

describe('plan --json', () => {
  test('the shape: repository, branch, head, mainPush (version --json plus reasons), tagPush', () => {
    const { r, feat } = readyRepo();
    const env = { GITHUB_REPOSITORY: 'acme/widget' };
    const json = runCliJson(['plan', '--json'], { cwd: r.dir, env }) as Record<string, Record<string, unknown>>;
    expect(Object.keys(json).sort()).toEqual(['branch', 'head', 'mainPush', 'repository', 'tagPush']);
    expect(json).toMatchObject({ repository: 'acme/widget', branch: 'main', head: r.head() });

    const version = runCliJson(['version', '--json'], { cwd: r.dir, env }) as Record<string, unknown>;
    const { reasons, ...mainPush } = json.mainPush!;
    expect(mainPush).toEqual(version);
    expect(reasons).toEqual([{ sha: feat, header: 'feat(api): add search', bump: 'minor' }]);

    expect(Object.keys(json.tagPush!).sort()).toEqual(['makeLatest', 'notes', 'prerelease', 'tag', 'version']);
    const notes = runCli(['notes'], { cwd: r.dir, env }).stdout;
    expect(json.tagPush).toEqual({ tag: 'v1.1.0', version: '1.1.0', prerelease: false, makeLatest: true, notes });
  });

  test('nothing to release: tagPush is null and mainPush says released false', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0', 'HEAD', { annotated: true });
    const json = runCliJson(['plan', '--json'], { cwd: r.dir });
    expect(json).toEqual({
      repository: null,
      branch: 'main',
      head: r.head(),
      mainPush: { previousVersion: '1.0.0', previousTag: 'v1.0.0', version: null, tag: null, bump: 'none', released: false, commits: 0, reasons: [] },
      tagPush: null,
    });
  });

  test('a patch to an old line is not marked latest; a prerelease is a prerelease', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.branch('next');
    r.checkout('next');
    r.commit('feat!: next major');
    r.tag('v2.0.0');
    r.checkout('main');
    r.commit('fix: on the 1.x line');
    expect(runCliJson(['plan', '--json'], { cwd: r.dir })).toMatchObject({
      mainPush: { tag: 'v1.0.1' },
      tagPush: { tag: 'v1.0.1', prerelease: false, makeLatest: false },
    });
    expect(runCliJson(['plan', '--json', '--prerelease', 'rc'], { cwd: r.dir })).toMatchObject({
      tagPush: { tag: 'v1.0.1-rc.1', version: '1.0.1-rc.1', prerelease: true, makeLatest: false },
    });
    const text = runCli(['plan', '--prerelease', 'rc'], { cwd: r.dir }).stdout;
    expect(text).toContain('GitHub Release v1.0.1-rc.1 (prerelease)');
    expect(text).not.toContain('(latest)');
  });

  test('a shallow clone: exit 2 with the command that fixes it, nothing on stdout', () => {
    const { r } = readyRepo();
    const clone = shallow(r, 2);
    const result = runCli(['plan', '--json'], { cwd: clone.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('git fetch --unshallow --tags');
  });
});

function short(sha: string): string {
  return sha.slice(0, 7);
}
