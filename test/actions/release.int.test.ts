import { describe, expect, test } from 'vitest';
import { tempRepos, type TestRepo } from '../support/git-repo.js';
import { runAction, type ActionRun } from './run-action.js';

// The release action as the runner starts it, on a real repository with a real bare remote: the
// commit, the tag and the major tag arrive together, and the major tag never moves backwards.

const temp = tempRepos();
const log = (run: ActionRun) => `exit ${run.exitCode}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

function repoWithOrigin(): { repo: TestRepo; origin: string } {
  const repo = temp.repo();
  const origin = temp.remote().url;
  repo.git('remote', 'add', 'origin', origin);
  repo.commit('feat: first feature');
  repo.tag('v1.0.0', 'HEAD', { annotated: true });
  repo.tag('v1');
  repo.commit('feat: second feature');
  repo.git('push', '--quiet', 'origin', 'main', 'v1.0.0', 'v1');
  return { repo, origin };
}

const release = (repo: TestRepo, inputs: Record<string, string>) => runAction('release', { workspace: repo.dir, ref: 'refs/heads/main', inputs });
const remoteRef = (repo: TestRepo, origin: string, ref: string) => repo.git('ls-remote', origin, ref).split('\t')[0] ?? '';

describe('the release action', () => {
  test('commits the notes, tags, moves v1 forward and pushes all three atomically', async () => {
    const { repo, origin } = repoWithOrigin();
    const run = await release(repo, { 'move-major-tag': 'true' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '1.1.0', tag: 'v1.1.0', 'previous-tag': 'v1.0.0', bump: 'minor', pushed: 'true', 'major-tag': 'v1' });
    const commit = run.outputs.commit!;
    expect(repo.git('log', '-1', '--format=%s', commit)).toBe('chore(release): v1.1.0');
    expect(repo.git('show', `${commit}:release-notes.md`)).toContain('second feature');
    expect(remoteRef(repo, origin, 'refs/heads/main')).toBe(commit);
    expect(repo.git('rev-parse', 'v1.1.0^{commit}')).toBe(commit);
    expect(remoteRef(repo, origin, 'refs/tags/v1')).toBe(commit);
    expect(run.summary).toContain('Moved <code>v1</code>');
  });

  test('a prerelease leaves the major tag where it is, and says why', async () => {
    const { repo, origin } = repoWithOrigin();
    const before = remoteRef(repo, origin, 'refs/tags/v1');
    const run = await release(repo, { 'move-major-tag': 'true', prerelease: 'rc' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.tag).toBe('v1.1.0-rc.1');
    expect(run.outputs['major-tag']).toBe('');
    expect(remoteRef(repo, origin, 'refs/tags/v1')).toBe(before);
    expect(run.stdout).toMatch(/::notice title=v1 not moved::.*prerelease/);
  });

  test('never moves the major tag backwards: v1 on a commit the release does not contain stays put', async () => {
    const { repo, origin } = repoWithOrigin();
    // v1 was moved to a hotfix branch the new release does not contain.
    repo.branch('hotfix', 'v1.0.0');
    repo.checkout('hotfix');
    const hotfix = repo.commit('fix: hotfix');
    repo.git('tag', '--force', 'v1', hotfix);
    repo.git('push', '--quiet', '--force', 'origin', 'v1');
    repo.checkout('main');
    const run = await release(repo, { 'move-major-tag': 'true' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.pushed).toBe('true');
    expect(run.outputs['major-tag']).toBe('');
    expect(remoteRef(repo, origin, 'refs/tags/v1')).toBe(hotfix);
    expect(run.stdout).toContain('only moves forward');
  });

  test('without an identity configured, the commit is github-actions[bot]', async () => {
    const { repo } = repoWithOrigin();
    repo.git('config', '--unset', 'user.name');
    repo.git('config', '--unset', 'user.email');
    const run = await release(repo, { push: 'false' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(repo.git('log', '-1', '--format=%an <%ae>|%cn')).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|github-actions[bot]');
    expect(run.outputs.pushed).toBe('false');
  });

  test('a dry run changes nothing and reports what would happen', async () => {
    const { repo, origin } = repoWithOrigin();
    const head = repo.head();
    const run = await release(repo, { 'dry-run': 'true', 'move-major-tag': 'true' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ tag: 'v1.1.0', commit: '', pushed: 'false' });
    expect(repo.head()).toBe(head);
    expect(repo.git('tag', '--list', 'v1.1.0')).toBe('');
    expect(remoteRef(repo, origin, 'refs/heads/main')).not.toBe('');
  });

  test('bad input names the input', async () => {
    const { repo } = repoWithOrigin();
    const run = await release(repo, { 'move-major-tag': 'yes' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error.*move-major-tag.*yes.*true or false/);
  });
});
