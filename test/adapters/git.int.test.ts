import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawCommit } from '../../src/core/commit.js';
import { createGit, GitError } from '../../src/adapters/git.js';
import type { Git } from '../../src/adapters/git.js';
import { tempRepos } from '../support/git-repo.js';

const { repo, remote, shallow, tempDir } = tempRepos();

async function collect(commits: AsyncIterable<RawCommit>): Promise<RawCommit[]> {
  const all: RawCommit[] = [];
  for await (const commit of commits) all.push(commit);
  return all;
}

/** A stand-in git executable: records its pid, then runs `body` (a shell snippet). */
function fakeGit(dir: string, body: string): { path: string; pid: () => number } {
  const path = join(dir, '.git', 'fake-git.sh');
  const pidFile = join(dir, '.git', 'fake-git.pid');
  writeFileSync(path, `#!/bin/sh\necho $$ > '${pidFile}'\n${body}\n`);
  chmodSync(path, 0o755);
  return { path, pid: () => Number(readFileSync(pidFile, 'utf8').trim()) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('log', () => {
  it('streams newest first, excluding `from` and everything before it', async () => {
    const r = repo();
    const first = r.commit('feat: one');
    const second = r.commit('fix: two');
    const third = r.commit('feat: three');
    const git = createGit(r.dir);

    const all = await collect(git.log({ to: 'HEAD' }));
    expect(all.map((c) => c.sha)).toEqual([third, second, first]);
    expect(all.map((c) => c.message)).toEqual(['feat: three', 'fix: two', 'feat: one']);
    expect(all[2]!.parents).toEqual([]);
    expect(all[0]!.parents).toEqual([second]);

    const since = await collect(git.log({ from: first, to: 'HEAD' }));
    expect(since.map((c) => c.sha)).toEqual([third, second]);
    expect(await collect(git.log({ from: third, to: third }))).toEqual([]);
    expect(await git.countCommits({ from: first, to: 'HEAD' })).toBe(2);
    expect(await git.countCommits({ from: null, to: 'HEAD' })).toBe(3);
  });

  it('gives a merge commit both parents, first parent first', async () => {
    const r = repo();
    r.commit('chore: init');
    r.branch('feature');
    const onMain = r.commit('fix: on main');
    r.checkout('feature');
    const onFeature = r.commit('feat: on feature');
    r.checkout('main');
    const merge = r.merge('feature', 'Merge feature\n');

    const [newest] = await collect(createGit(r.dir).log({ to: 'HEAD' }));
    expect(newest).toEqual({ sha: merge, parents: [onMain, onFeature], message: 'Merge feature\n' });
  });

  it('keeps CRLF messages as committed', async () => {
    const r = repo();
    const message = 'feat: windows\r\n\r\nBREAKING CHANGE: lines end in CRLF\r\n';
    r.commit(message);
    const [commit] = await collect(createGit(r.dir).log({ to: 'HEAD' }));
    expect(commit!.message).toBe(message);
  });

  it('keeps multi-byte characters whole in a history larger than one pipe buffer', async () => {
    const r = repo();
    const messages = Array.from({ length: 3000 }, (_, i) => `feat: ünïcødé 🚀 ${i}\n\n${'ж'.repeat(i % 50)}`);
    r.commitMany(messages);
    const commits = await collect(createGit(r.dir).log({ to: 'HEAD' }));
    expect(commits.map((c) => c.message)).toEqual(messages.reverse());
    expect(commits.at(-1)!.parents).toEqual([]);
  });

  it('kills git when the consumer stops early', async () => {
    const r = repo();
    r.commitMany(Array.from({ length: 20_000 }, (_, i) => `chore: filler ${i}\n\n${'x'.repeat(200)}`));
    const fake = fakeGit(r.dir, 'exec git "$@"');
    const git = createGit(r.dir, { gitPath: fake.path });

    let seen = 0;
    for await (const commit of git.log({ to: 'HEAD' })) {
      expect(commit.message).toBe('chore: filler 19999\n\n' + 'x'.repeat(200));
      seen++;
      break;
    }
    expect(seen).toBe(1);
    expect(isRunning(fake.pid())).toBe(false);
  });

  it('rejects with GitError for a revision that does not exist', async () => {
    const r = repo();
    r.commit('feat: one');
    const failure = collect(createGit(r.dir).log({ from: 'v9.9.9', to: 'HEAD' }));
    await expect(failure).rejects.toBeInstanceOf(GitError);
    await expect(failure).rejects.toMatchObject({ exitCode: 128, stderr: expect.stringMatching(/v9\.9\.9/) });
  });

  it('rejects with GitError in a repository without commits', async () => {
    const r = repo();
    await expect(collect(createGit(r.dir).log({ to: 'HEAD' }))).rejects.toBeInstanceOf(GitError);
  });

  it('reports a failing exit even after commits were yielded', async () => {
    const r = repo();
    const sha = r.commit('feat: one');
    const fake = fakeGit(r.dir, 'git "$@"\necho "fatal: simulated failure" >&2\nexit 3');
    const seen: string[] = [];
    const failure = (async () => {
      for await (const commit of createGit(r.dir, { gitPath: fake.path }).log({ to: 'HEAD' })) seen.push(commit.sha);
    })();
    await expect(failure).rejects.toThrow(/failed \(exit 3\): fatal: simulated failure/);
    expect(seen).toEqual([sha]);
  });
});

describe('tags', () => {
  it('lists only tags reachable from the ref given as mergedInto', async () => {
    const r = repo();
    r.commit('feat: one');
    r.tag('v1.0.0');
    r.branch('other');
    r.commit('feat: two');
    r.tag('v1.1.0', 'HEAD', { annotated: true });
    r.checkout('other');
    r.commit('fix: elsewhere');
    r.tag('v1.0.1-other');
    r.checkout('main');
    const git = createGit(r.dir);

    expect(await git.tags()).toEqual(['v1.0.0', 'v1.0.1-other', 'v1.1.0']);
    expect(await git.tags({ mergedInto: 'HEAD' })).toEqual(['v1.0.0', 'v1.1.0']);
    expect(await git.tags({ mergedInto: 'other' })).toEqual(['v1.0.0', 'v1.0.1-other']);
  });

  it('lists the tags on one commit with pointsAt, annotated ones included', async () => {
    const r = repo();
    const first = r.commit('feat: one');
    r.tag('v1.0.0');
    r.tag('stable', 'HEAD', { annotated: true });
    r.commit('feat: two');
    r.tag('v1.1.0');
    const git = createGit(r.dir);

    expect(await git.tags({ pointsAt: first })).toEqual(['stable', 'v1.0.0']);
    expect(await git.tags({ pointsAt: 'HEAD' })).toEqual(['v1.1.0']);
    expect(await git.tags({ mergedInto: 'HEAD', pointsAt: first })).toEqual(['stable', 'v1.0.0']);
  });

  it('creates annotated tags with the message verbatim and reports whether a tag exists', async () => {
    const r = repo();
    const first = r.commit('feat: one');
    r.commit('feat: two');
    const git = createGit(r.dir);

    expect(await git.tagExists('v1.0.0')).toBe(false);
    await git.createAnnotatedTag('v1.0.0', '# v1.0.0\n\n- "quoted" feature\n', first);
    expect(await git.tagExists('v1.0.0')).toBe(true);
    expect(r.git('cat-file', '-t', 'v1.0.0')).toBe('tag');
    expect(await git.resolveCommit('v1.0.0')).toBe(first);
    expect(r.git('tag', '-l', '--format=%(contents)', 'v1.0.0')).toBe('# v1.0.0\n\n- "quoted" feature');

    await git.createAnnotatedTag('v1.1.0', 'release');
    expect(await git.tags({ pointsAt: 'HEAD' })).toEqual(['v1.1.0']);
  });
});

describe('repository state', () => {
  it('resolves refs to commits, and unknown refs to null', async () => {
    const r = repo();
    const sha = r.commit('feat: one');
    r.tag('v1.0.0', 'HEAD', { annotated: true });
    const git = createGit(r.dir);

    expect(await git.resolveCommit('HEAD')).toBe(sha);
    expect(await git.resolveCommit('v1.0.0')).toBe(sha);
    expect(await git.resolveCommit(sha.slice(0, 8))).toBe(sha);
    expect(await git.resolveCommit('v9.9.9')).toBeNull();
    expect(await git.resolveCommit('HEAD~5')).toBeNull();
  });

  it('knows a work tree from a bare repository and from a directory outside any repository', async () => {
    const r = repo();
    expect(await createGit(r.dir).isInsideWorkTree()).toBe(true);
    const bare = remote();
    expect(await createGit(bare.dir).isInsideWorkTree()).toBe(false);

    const outside = tempDir('plain');
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    // Keeps git from finding a repository that happens to contain the temporary directory.
    process.env.GIT_CEILING_DIRECTORIES = dirname(outside);
    try {
      expect(await createGit(outside).isInsideWorkTree()).toBe(false);
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    }
  });

  it('reports the branch, and null on a detached HEAD', async () => {
    const r = repo({ initialBranch: 'trunk' });
    const first = r.commit('feat: one');
    r.commit('feat: two');
    const git = createGit(r.dir);

    expect(await git.currentBranch()).toBe('trunk');
    r.checkout(first);
    expect(await git.currentBranch()).toBeNull();
  });

  it('sees modified, staged and untracked files as dirty', async () => {
    const r = repo();
    r.commit('chore: init', { file: 'a.txt', content: 'a\n' });
    const git = createGit(r.dir);
    expect(await git.isDirty()).toBe(false);

    writeFileSync(join(r.dir, 'new.txt'), 'x');
    expect(await git.isDirty()).toBe(true);
    r.git('clean', '-fdq');

    writeFileSync(join(r.dir, 'a.txt'), 'changed\n');
    expect(await git.isDirty()).toBe(true);
    r.git('add', 'a.txt');
    expect(await git.isDirty()).toBe(true);
    r.git('reset', '--hard', '-q');
    expect(await git.isDirty()).toBe(false);

    // A user setting must not hide new files from the release check.
    r.git('config', 'status.showUntrackedFiles', 'no');
    writeFileSync(join(r.dir, 'new.txt'), 'x');
    expect(await git.isDirty()).toBe(true);
  });

  it('does not count ignored files as dirty', async () => {
    const r = repo();
    r.commit('chore: ignore', { file: '.gitignore', content: 'dist/\n' });
    mkdirSync(join(r.dir, 'dist'));
    writeFileSync(join(r.dir, 'dist', 'index.js'), 'built');
    expect(await createGit(r.dir).isDirty()).toBe(false);
  });

  it('dates a commit by its committer date in UTC', async () => {
    const r = repo();
    r.commit('feat: late evening in New York', { date: '2024-03-09T23:30:00-05:00' });
    expect(await createGit(r.dir).commitDate('HEAD')).toBe('2024-03-10');
  });

  it('answers isAncestor both ways', async () => {
    const r = repo();
    const first = r.commit('feat: one');
    const second = r.commit('feat: two');
    const git = createGit(r.dir);
    expect(await git.isAncestor(first, second)).toBe(true);
    expect(await git.isAncestor(second, first)).toBe(false);
    await expect(git.isAncestor('nope', second)).rejects.toBeInstanceOf(GitError);
  });

  it('reads remote URLs, null for a remote that does not exist', async () => {
    const r = repo();
    const git = createGit(r.dir);
    expect(await git.remoteUrl()).toBeNull();
    r.git('remote', 'add', 'origin', 'https://github.com/acme/app.git');
    expect(await git.remoteUrl()).toBe('https://github.com/acme/app.git');
    expect(await git.remoteUrl('upstream')).toBeNull();
  });
});

describe('writing', () => {
  it('commits any message text exactly, through stdin', async () => {
    const r = repo();
    r.commit('chore: init');
    const git = createGit(r.dir);
    writeFileSync(join(r.dir, 'CHANGELOG.md'), '# Changelog\n');
    await git.add(['CHANGELOG.md']);
    const message = `chore(release): 1.0.0 "quoted" 'single' $HOME \`cmd\`\n\n# not a comment\n--not-an-option\r\n`;
    const sha = await git.commit(message);

    expect(sha).toBe(r.head());
    const [commit] = await collect(git.log({ to: 'HEAD' }));
    expect(commit!.message).toBe(message);
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('CHANGELOG.md');
    expect(await git.isDirty()).toBe(false);
  });

  it('pushes branch and tag to a bare remote, atomically when asked', async () => {
    const r = repo();
    const sha = r.commit('feat: one');
    const origin = remote();
    r.git('remote', 'add', 'origin', origin.url);
    const git = createGit(r.dir);
    await git.createAnnotatedTag('v1.0.0', 'v1.0.0');

    await git.push('origin', ['main', 'refs/tags/v1.0.0'], { atomic: true });
    const remoteGit = createGit(origin.dir);
    expect(await remoteGit.resolveCommit('main')).toBe(sha);
    expect(await remoteGit.tags()).toEqual(['v1.0.0']);

    r.commit('feat: two');
    await git.push('origin', ['HEAD:refs/heads/main']);
    expect(await remoteGit.resolveCommit('main')).toBe(r.head());
  });
});

describe('shallow clones', () => {
  it('detects a shallow clone and deepens it to the full history and all tags', async () => {
    const source = repo();
    source.commit('feat: one');
    source.tag('v1.0.0');
    source.commit('feat: two');
    source.tag('v1.1.0', 'HEAD', { annotated: true });
    for (let i = 0; i < 5; i++) source.commit(`fix: ${i}`);
    const clone = shallow(source, 2);
    const git: Git = createGit(clone.dir);

    expect(await git.isShallow()).toBe(true);
    expect(await git.countCommits({ to: 'HEAD' })).toBe(2);
    expect(await git.remoteUrl()).toMatch(/^file:\/\//);

    await git.deepen();
    expect(await git.isShallow()).toBe(false);
    expect(await git.countCommits({ to: 'HEAD' })).toBe(7);
    expect(await git.tags({ mergedInto: 'HEAD' })).toEqual(['v1.0.0', 'v1.1.0']);

    // Deepening a complete clone only fetches tags.
    source.tag('v1.2.0');
    await git.deepen('origin');
    expect(await git.tagExists('v1.2.0')).toBe(true);
  });
});

describe('GitError', () => {
  it('names the command, the exit code and what git said', async () => {
    const r = repo();
    r.commit('feat: one');
    const error = await createGit(r.dir)
      .isAncestor('HEAD', 'does-not-exist')
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    const gitError = error as GitError;
    expect(gitError.args).toEqual(['merge-base', '--is-ancestor', 'HEAD', 'does-not-exist']);
    expect(gitError.exitCode).toBe(128);
    expect(gitError.message).toMatch(/^git merge-base --is-ancestor HEAD does-not-exist failed \(exit 128\): \S/);
    expect(gitError.message).toContain(gitError.stderr.trim());
  });

  it('explains a git that cannot be started', async () => {
    const r = repo();
    const git = createGit(r.dir, { gitPath: join(r.dir, 'no-such-git') });
    await expect(git.isShallow()).rejects.toThrow(/git rev-parse --is-shallow-repository could not be run: .*ENOENT/);
    await expect(collect(git.log({ to: 'HEAD' }))).rejects.toBeInstanceOf(GitError);
  });
});
