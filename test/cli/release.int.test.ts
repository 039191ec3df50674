import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runCli, runCliJson, utcToday } from './run-cli.js';

const { repo, remote, shallow, onCleanup } = tempRepos();

/** v1.0.0, then a feat with a scope, a fix that mentions an issue and a docs commit. */
function readyRepo() {
  const r = repo();
  r.commit('feat: base');
  r.tag('v1.0.0');
  const feat = r.commit('feat(api): add search');
  const fix = r.commit('fix: crash on empty input (#12)');
  r.commit('docs: explain search');
  return { r, feat, fix };
}

/** Everything a refused or dry run must leave as it was. */
function snapshot(r: TestRepo) {
  return {
    head: r.head(),
    branch: r.git('rev-parse', '--abbrev-ref', 'HEAD'),
    tags: r.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags'),
    heads: r.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads'),
    status: r.git('status', '--porcelain', '--untracked-files=all'),
    notesFile: existsSync(join(r.dir, 'release-notes.md')) ? readFileSync(join(r.dir, 'release-notes.md'), 'utf8') : null,
  };
}

function expectRefusal(r: TestRepo, args: string[], reason: RegExp | string) {
  const before = snapshot(r);
  const result = runCli(['release', ...args], { cwd: r.dir });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  if (typeof reason === 'string') expect(result.stderr).toContain(reason);
  else expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(snapshot(r)).toEqual(before);
  return result;
}

describe('release refuses, exit 2, and changes nothing', () => {
  test('a modified tracked file', () => {
    const { r } = readyRepo();
    writeFileSync(join(r.dir, 'changes', '2.txt'), 'edited\n');
    const result = expectRefusal(r, [], 'uncommitted changes');
    expect(result.stderr).toContain('Fix:');
  });

  test('a staged file', () => {
    const { r } = readyRepo();
    writeFileSync(join(r.dir, 'staged.txt'), 'new\n');
    r.git('add', 'staged.txt');
    expectRefusal(r, [], 'uncommitted changes');
  });

  test('an untracked file', () => {
    const { r } = readyRepo();
    writeFileSync(join(r.dir, 'notes.txt'), 'scratch\n');
    expectRefusal(r, [], 'uncommitted changes');
    // --dry-run refuses the same way: it shows what a real run would do.
    expectRefusal(r, ['--dry-run'], 'uncommitted changes');
  });

  test('nothing to release', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('docs: one');
    r.commit('chore: two');
    const result = expectRefusal(r, [], 'nothing to release');
    expect(result.stderr).toContain('v1.0.0');
    expect(result.stderr).toContain('--as');
  });

  test('nothing to release right after a release', () => {
    const { r } = readyRepo();
    expect(runCli(['release'], { cwd: r.dir }).code).toBe(0);
    expectRefusal(r, [], 'nothing to release');
  });

  test('a detached HEAD', () => {
    const { r, fix } = readyRepo();
    r.checkout(fix);
    const result = expectRefusal(r, [], 'detached');
    expect(result.stderr).toContain('git switch');
  });

  test('the computed tag already exists (on another branch)', () => {
    const { r } = readyRepo();
    r.branch('hotfix', 'v1.0.0');
    r.checkout('hotfix');
    r.commit('feat: released from a branch');
    r.tag('v1.1.0');
    r.checkout('main');
    expectRefusal(r, [], 'tag v1.1.0 already exists');
  });

  test('--as an existing version above the last release', () => {
    const { r } = readyRepo();
    r.branch('next', 'v1.0.0');
    r.checkout('next');
    r.commit('feat!: next');
    r.tag('v2.0.0');
    r.checkout('main');
    expectRefusal(r, ['--as', '2.0.0'], 'tag v2.0.0 already exists');
  });

  test.each([
    ['1.0.0', 'equal to the last release'],
    ['0.9.9', 'below the last release'],
    ['banana', 'not a version'],
  ])('--as %s (%s) names --as', (as) => {
    const { r } = readyRepo();
    const result = expectRefusal(r, ['--as', as], '--as');
    expect(result.stderr).toContain(JSON.stringify(as));
  });

  test('the message for --as not greater names the last release', () => {
    const { r } = readyRepo();
    const result = expectRefusal(r, ['--as', '1.0.0'], '--as');
    expect(result.stderr).toContain('not greater than the last release v1.0.0');
  });

  test('a shallow clone', () => {
    const { r } = readyRepo();
    const clone = shallow(r, 1);
    expectRefusal(clone, [], 'git fetch --unshallow --tags');
  });
});

describe('release --dry-run', () => {
  test('prints the plan and changes nothing: HEAD, tags, status, no release-notes.md', () => {
    const { r, feat } = readyRepo();
    const before = snapshot(r);
    const result = runCli(['release', '--dry-run'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(snapshot(r)).toEqual(before);
    expect(existsSync(join(r.dir, 'release-notes.md'))).toBe(false);
    expect(result.stdout).toContain('Dry run: nothing was changed');
    expect(result.stdout).toContain('chore(release): v1.1.0');
    expect(result.stdout).toContain('annotated tag v1.1.0');
    expect(result.stdout).toContain('release-notes.md');
    expect(result.stdout).toContain(`## 1.1.0 (${utcToday()})`);
    expect(result.stdout).toContain(`* **api:** add search (${feat.slice(0, 7)})`);
    expect(result.stdout).toContain('not push');
  });

  test('--dry-run --push --json: would push, did not, and no commit', () => {
    const { r } = readyRepo();
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    const before = snapshot(r);
    const json = runCliJson(['release', '--dry-run', '--push', '--json'], { cwd: r.dir });
    expect(json).toMatchObject({ version: '1.1.0', tag: 'v1.1.0', dryRun: true, commit: null, pushed: false });
    expect(snapshot(r)).toEqual(before);
    expect(r.git('ls-remote', origin.url)).toBe('');
  });
});

describe('release', () => {
  test('writes release-notes.md, commits only it as chore(release), tags the commit (annotated); then nothing to release', () => {
    const { r, feat, fix } = readyRepo();
    mkdirSync(join(r.dir, 'logs'));
    writeFileSync(join(r.dir, '.gitignore'), 'logs/\n');
    r.git('add', '.gitignore');
    r.git('commit', '--quiet', '-m', 'chore: ignore logs');
    // Ignored files do not make the tree dirty.
    writeFileSync(join(r.dir, 'logs', 'debug.log'), 'noise\n');
    const parent = r.head();

    const result = runCli(['release'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    // The repository has no remote: the hint says how to add one before pushing.
    expect(result.stdout).toBe(
      'Released v1.1.0 (minor; previous: v1.0.0).\nNot pushed: this repository has no remote "origin". Add it with: git remote add origin <url>, then push with: git push --atomic origin main v1.1.0\n',
    );
    const today = utcToday();

    expect(readFileSync(join(r.dir, 'release-notes.md'), 'utf8')).toBe(
      [
        '# Release notes',
        '',
        `## 1.1.0 (${today})`,
        '',
        '### Features',
        '',
        `* **api:** add search (${feat.slice(0, 7)})`,
        '',
        '### Bug fixes',
        '',
        `* crash on empty input (#12) (${fix.slice(0, 7)})`,
        '',
      ].join('\n'),
    );

    // One new commit, on main, with exactly that message and that file.
    const head = r.head();
    expect(r.git('rev-parse', 'HEAD~1')).toBe(parent);
    expect(r.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(r.git('log', '-1', '--format=%B')).toBe('chore(release): v1.1.0');
    expect(r.git('show', '--name-status', '--format=', 'HEAD')).toBe('A\trelease-notes.md');
    expect(r.git('status', '--porcelain')).toBe('');

    // An annotated tag on the release commit, carrying the notes.
    expect(r.git('cat-file', '-t', 'refs/tags/v1.1.0')).toBe('tag');
    expect(r.git('rev-parse', 'v1.1.0^{commit}')).toBe(head);
    const tagMessage = r.git('tag', '-l', '--format=%(contents)', 'v1.1.0');
    expect(tagMessage).toContain('Release v1.1.0');
    expect(tagMessage).toContain('add search');
    expect(r.git('tag', '-l')).toBe('v1.0.0\nv1.1.0');

    // The release is now the last release.
    const after = runCliJson(['version', '--json'], { cwd: r.dir });
    expect(after).toMatchObject({ previousTag: 'v1.1.0', released: false, version: null, tag: null, bump: 'none', commits: 0 });
    const text = runCli(['version'], { cwd: r.dir });
    expect(text.stdout).toMatch(/^No release/);
  });

  test('without --push, with the remote in place: the hint is the push command (for --remote too)', () => {
    const { r } = readyRepo();
    r.git('remote', 'add', 'origin', remote().url);
    const result = runCli(['release'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Released v1.1.0 (minor; previous: v1.0.0).\nNot pushed. Push with: git push --atomic origin main v1.1.0\n');

    r.commit('fix: another');
    const other = runCli(['release', '--remote', 'upstream'], { cwd: r.dir });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain('Not pushed: this repository has no remote "upstream". Add it with: git remote add upstream <url>, then push with: git push --atomic upstream main v1.1.1\n');
  });

  test('--json: what was released', () => {
    const { r } = readyRepo();
    const json = runCliJson(['release', '--json'], { cwd: r.dir }) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['version', 'tag', 'previousTag', 'bump', 'branch', 'commitMessage', 'file', 'commit', 'pushed', 'dryRun', 'majorTag', 'notes'].sort(),
    );
    expect(json).toMatchObject({
      version: '1.1.0',
      tag: 'v1.1.0',
      previousTag: 'v1.0.0',
      bump: 'minor',
      branch: 'main',
      commitMessage: 'chore(release): v1.1.0',
      file: 'release-notes.md',
      commit: r.head(),
      pushed: false,
      majorTag: null,
      dryRun: false,
    });
    expect(json.notes).toBe(readFileSync(join(r.dir, 'release-notes.md'), 'utf8').replace('# Release notes\n\n', ''));
  });

  test('the first release, and --as forcing a version when nothing is releasable', () => {
    const r = repo();
    r.commit('fix: first');
    expect(runCliJson(['release', '--json'], { cwd: r.dir })).toMatchObject({ tag: 'v1.0.0', previousTag: null });
    r.commit('chore: nothing releasable');
    const forced = runCliJson(['release', '--as', '1.0.1', '--json'], { cwd: r.dir });
    expect(forced).toMatchObject({ version: '1.0.1', tag: 'v1.0.1', previousTag: 'v1.0.0', bump: 'patch' });
    expect(r.git('describe', '--exact-match', 'HEAD')).toBe('v1.0.1');
    const notes = readFileSync(join(r.dir, 'release-notes.md'), 'utf8');
    expect(notes.indexOf('## 1.0.1')).toBeGreaterThan(0);
    expect(notes.indexOf('## 1.0.1')).toBeLessThan(notes.indexOf('## 1.0.0'));
  });

  test('--file and --tag-prefix', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('synapse-v1.0.0');
    r.tag('v9.0.0');
    r.commit('fix: bug');
    mkdirSync(join(r.dir, 'docs'));
    const json = runCliJson(['release', '--file', 'docs/CHANGES.md', '--tag-prefix', 'synapse-v', '--json'], { cwd: r.dir });
    expect(json).toMatchObject({ tag: 'synapse-v1.0.1', previousTag: 'synapse-v1.0.0', file: 'docs/CHANGES.md' });
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('docs/CHANGES.md');
    expect(existsSync(join(r.dir, 'release-notes.md'))).toBe(false);
    expect(r.git('log', '-1', '--format=%s')).toBe('chore(release): synapse-v1.0.1');
  });

  test('a prerelease, then the release: the notes file keeps both, newest first', () => {
    const { r } = readyRepo();
    expect(runCliJson(['release', '--prerelease', 'rc', '--json'], { cwd: r.dir })).toMatchObject({ tag: 'v1.1.0-rc.1', previousTag: 'v1.0.0' });
    r.commit('fix: found in the rc');
    expect(runCliJson(['release', '--prerelease', 'rc', '--json'], { cwd: r.dir })).toMatchObject({ tag: 'v1.1.0-rc.2' });
    expect(runCliJson(['release', '--json'], { cwd: r.dir })).toMatchObject({ tag: 'v1.1.0', previousTag: 'v1.0.0', bump: 'minor' });
    const notes = readFileSync(join(r.dir, 'release-notes.md'), 'utf8');
    const headings = notes.split('\n').filter((line) => line.startsWith('## '));
    expect(headings.map((h) => h.split(' ')[1])).toEqual(['1.1.0', '1.1.0-rc.2', '1.1.0-rc.1']);
  });

  test('a second release inserts its section above the first and keeps the rest of the file byte for byte', () => {
    const { r } = readyRepo();
    expect(runCli(['release'], { cwd: r.dir }).code).toBe(0);
    const path = join(r.dir, 'release-notes.md');
    const first = readFileSync(path, 'utf8');
    const firstSection = first.slice(first.indexOf('## 1.1.0'));
    // A hand-written header, with trailing spaces and no blank line quirks normalised away.
    const header = '# Changelog of synapse  \n\nHand-written intro: *kept as is*.\n<!-- do not remove -->\n\n';
    writeFileSync(path, header + firstSection);
    r.git('commit', '--quiet', '-am', 'docs: changelog header');
    const feat = r.commit('feat: second feature');

    const result = runCli(['release'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    const second = readFileSync(path, 'utf8');
    const newSection = `## 1.2.0 (${utcToday()})\n\n### Features\n\n* second feature (${feat.slice(0, 7)})\n`;
    expect(second).toBe(header + newSection + '\n' + firstSection);
    // Only additions in the release commit's diff.
    const [added, deleted] = r.git('diff', '--numstat', 'HEAD~1', 'HEAD', '--', 'release-notes.md').split('\t');
    expect(Number(added)).toBeGreaterThan(0);
    expect(deleted).toBe('0');
  });

  test('run from a subdirectory, it writes release-notes.md at the repository root (--file is relative to the repository)', () => {
    const { r } = readyRepo();
    mkdirSync(join(r.dir, 'src'));
    writeFileSync(join(r.dir, 'src', 'index.ts'), 'export {};\n');
    r.git('add', 'src');
    r.git('commit', '--quiet', '-m', 'chore: add src');
    const result = runCli(['release'], { cwd: join(r.dir, 'src') });
    expect(result.code, result.stderr).toBe(0);
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('release-notes.md');
    expect(existsSync(join(r.dir, 'src', 'release-notes.md'))).toBe(false);
  });
});

describe('release --file outside the repository', () => {
  test('--file ../notes.md is bad input: exit 2 naming --file, before writing anything', () => {
    const { r } = readyRepo();
    const outside = join(r.dir, '..', `outside-${process.pid}-${Date.now()}.md`);
    onCleanup(() => rmSync(outside, { force: true }));
    const before = snapshot(r);
    const result = runCli(['release', '--file', relative(r.dir, outside)], { cwd: r.dir });
    const outcome = { code: result.code, namesFile: result.stderr.includes('--file'), wroteOutside: existsSync(outside) };
    expect(outcome).toEqual({ code: 2, namesFile: true, wroteOutside: false });
    expect(snapshot(r)).toEqual(before);
  });
});

describe('release --push', () => {
  test('the branch and the tag both arrive at the remote', () => {
    const { r } = readyRepo();
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    r.git('push', '--quiet', 'origin', 'main', 'v1.0.0');

    const result = runCli(['release', '--push'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Pushed main and v1.1.0.');
    const head = r.head();
    const refs = r.git('ls-remote', origin.url);
    expect(refs).toContain(`${head}\trefs/heads/main`);
    expect(refs).toContain(`${head}\trefs/tags/v1.1.0^{}`);
    // The annotated tag itself, not a lightweight copy.
    const tagObject = r.git('rev-parse', 'refs/tags/v1.1.0');
    expect(refs).toContain(`${tagObject}\trefs/tags/v1.1.0\n`);
  });

  test('--json says pushed, to a remote named by --remote', () => {
    const { r } = readyRepo();
    const upstream = remote();
    r.git('remote', 'add', 'upstream', upstream.url);
    const json = runCliJson(['release', '--push', '--remote', 'upstream', '--json'], { cwd: r.dir });
    expect(json).toMatchObject({ tag: 'v1.1.0', pushed: true });
    expect(r.git('ls-remote', upstream.url, 'refs/heads/main', 'refs/tags/v1.1.0')).toContain('refs/tags/v1.1.0');
  });

  test('--move-major-tag moves v1 with the release, in the same atomic push', () => {
    const { r } = readyRepo();
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    r.git('tag', 'v1', 'v1.0.0');
    r.git('push', '--quiet', 'origin', 'main', 'v1.0.0', 'v1');
    const json = runCliJson(['release', '--push', '--move-major-tag', '--json'], { cwd: r.dir });
    expect(json).toMatchObject({ tag: 'v1.1.0', pushed: true, majorTag: { move: true, tag: 'v1' } });
    expect(r.git('ls-remote', origin.url, 'refs/tags/v1')).toBe(`${r.head()}\trefs/tags/v1`);
  });

  test('--move-major-tag without --push moves v1 locally and the push hint carries it', () => {
    const { r } = readyRepo();
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    r.git('tag', 'v1', 'v1.0.0');
    const result = runCli(['release', '--move-major-tag'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Push with: git push --atomic origin main v1.1.0 +v1');
    expect(r.git('rev-parse', 'v1^{commit}')).toBe(r.head());
  });

  test('--move-major-tag --dry-run says what would happen to v1 and moves nothing', () => {
    const { r } = readyRepo();
    r.git('tag', 'v1', 'v1.0.0');
    const before = r.git('rev-parse', 'v1');
    const result = runCli(['release', '--dry-run', '--move-major-tag'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('move v1 to the release');
    expect(r.git('rev-parse', 'v1')).toBe(before);
  });

  test('a rejected push exits 1, pushes neither the branch nor the tag, and says how to retry', () => {
    const { r } = readyRepo();
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    r.git('push', '--quiet', 'origin', 'main', 'v1.0.0');
    // Someone else pushed to main in the meantime: the remote branch has diverged.
    r.branch('theirs');
    r.checkout('theirs');
    const theirs = r.commit('fix: pushed by someone else');
    r.git('push', '--quiet', '--force', 'origin', 'theirs:main');
    r.checkout('main');
    const remoteBefore = r.git('ls-remote', origin.url);

    const result = runCli(['release', '--push'], { cwd: r.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('nothing was pushed');
    expect(result.stderr).toContain('Retry with: git push --atomic origin main v1.1.0');
    // Atomic: neither ref moved on the remote.
    expect(r.git('ls-remote', origin.url)).toBe(remoteBefore);
    expect(r.git('ls-remote', origin.url, 'refs/heads/main')).toBe(`${theirs}\trefs/heads/main`);
    expect(r.git('ls-remote', origin.url, 'refs/tags/v1.1.0')).toBe('');
    // The release exists locally, as the message says.
    expect(r.git('log', '-1', '--format=%s')).toBe('chore(release): v1.1.0');
    expect(r.git('cat-file', '-t', 'refs/tags/v1.1.0')).toBe('tag');
  });

  test('a remote that does not exist is refused before anything changes, with the fix', () => {
    const { r } = readyRepo();
    expectRefusal(r, ['--push', '--remote', 'nowhere'], 'git remote add nowhere <url>');
  });
});
