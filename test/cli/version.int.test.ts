import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runCli, runCliJson } from './run-cli.js';

const { repo, shallow, tempDir } = tempRepos();

/** v1.2.3 and two commits after it: a feat and a chore. */
function releasedRepo(): { r: TestRepo; feat: string } {
  const r = repo();
  r.commit('feat: first feature');
  r.tag('v1.2.3');
  const feat = r.commit('feat(api): add the search endpoint');
  r.commit('chore: tidy up');
  return { r, feat };
}

const versionKeys = ['previousVersion', 'previousTag', 'version', 'tag', 'bump', 'released', 'commits'];

describe('version --json: the contract of DESIGN.md', () => {
  test('a release: exactly the seven keys, with their types and values', () => {
    const { r } = releasedRepo();
    const json = runCliJson(['version', '--json'], { cwd: r.dir }) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([...versionKeys].sort());
    expect(json).toEqual({
      previousVersion: '1.2.3',
      previousTag: 'v1.2.3',
      version: '1.3.0',
      tag: 'v1.3.0',
      bump: 'minor',
      released: true,
      commits: 2,
    });
  });

  test('no release: released false, version and tag null, bump "none"', () => {
    const r = repo();
    r.commit('feat: first');
    r.tag('v1.0.0');
    r.commit('docs: readme');
    r.commit('chore: deps');
    r.commit('feat:missing space is not conventional');
    const json = runCliJson(['version', '--json'], { cwd: r.dir }) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([...versionKeys].sort());
    expect(json).toEqual({
      previousVersion: '1.0.0',
      previousTag: 'v1.0.0',
      version: null,
      tag: null,
      bump: 'none',
      released: false,
      commits: 3,
    });
  });

  test('no release tag yet: previousVersion and previousTag are null', () => {
    const r = repo();
    r.commit('fix: a bug');
    const json = runCliJson(['version', '--json'], { cwd: r.dir });
    expect(json).toMatchObject({ previousVersion: null, previousTag: null, version: '1.0.0', tag: 'v1.0.0', released: true, commits: 1 });
    expect(typeof (json as { bump: unknown }).bump).toBe('string');
    expect(['major', 'minor', 'patch']).toContain((json as { bump: string }).bump);
  });

  test('--cwd points at the repository from anywhere, also at a subdirectory of it', () => {
    const { r } = releasedRepo();
    mkdirSync(join(r.dir, 'deep', 'sub'), { recursive: true });
    const elsewhere = tempDir('not-a-repo');
    expect(runCliJson(['version', '--json', '--cwd', r.dir], { cwd: elsewhere })).toMatchObject({ tag: 'v1.3.0' });
    expect(runCliJson(['version', '--json'], { cwd: join(r.dir, 'deep', 'sub') })).toMatchObject({ tag: 'v1.3.0' });
    expect(runCliJson(['version', '--json', '--cwd', 'deep/sub'], { cwd: r.dir })).toMatchObject({ tag: 'v1.3.0' });
  });
});

describe('version: text output', () => {
  test('names the version, the bump, the previous tag, the commit count and the commits that caused it', () => {
    const { r, feat } = releasedRepo();
    const result = runCli(['version'], { cwd: r.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('v1.3.0  (minor; previous: v1.2.3; 2 commits since v1.2.3)');
    expect(lines[1]).toBe('Bumped minor by:');
    expect(lines[2]).toBe(`  minor ${feat.slice(0, 7)} feat(api): add the search endpoint`);
    expect(lines).toHaveLength(3);
  });

  test('the first release says there is no release tag yet', () => {
    const r = repo();
    r.commit('fix: one');
    const result = runCli(['version'], { cwd: r.dir });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^v1\.0\.0 {2}\(\w+; previous: none; 1 commit in the whole history \(no release tag yet\)\)$/);
  });

  test('no release: one line that says so, exit 0', () => {
    const r = repo();
    r.commit('feat: first');
    r.tag('v1.0.0');
    r.commit('docs: one');
    const result = runCli(['version'], { cwd: r.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No release: nothing releasable in 1 commit since v1.0.0.\n');
  });
});

describe('version: bad usage exits 2 and names the input', () => {
  const cases: Array<{ name: string; args: string[]; names: string; quotes?: string }> = [
    { name: 'a tag prefix git cannot hold', args: ['--tag-prefix', 'my prefix'], names: '--tag-prefix', quotes: 'my prefix' },
    { name: 'a tag prefix with ..', args: ['--tag-prefix', 'v..'], names: '--tag-prefix', quotes: 'v..' },
    { name: 'an initial version that is not semver', args: ['--initial-version', 'one'], names: '--initial-version', quotes: 'one' },
    { name: 'a prerelease initial version', args: ['--initial-version', '1.0.0-rc.1'], names: '--initial-version', quotes: '1.0.0-rc.1' },
    { name: 'a numeric prerelease id', args: ['--prerelease', '7'], names: '--prerelease', quotes: '7' },
    { name: 'a prerelease id with a dot', args: ['--prerelease', 'rc.1'], names: '--prerelease', quotes: 'rc.1' },
    { name: 'a release rule with an unknown bump', args: ['--release-rules', 'docs=huge'], names: '--release-rules', quotes: 'docs=huge' },
    { name: 'a release rule without a bump', args: ['--release-rules', 'build(deps)'], names: '--release-rules', quotes: 'build(deps)' },
    { name: 'an unknown flag', args: ['--bogus'], names: '--bogus' },
    { name: 'a flag of another command', args: ['--dry-run'], names: '--dry-run' },
    { name: 'a missing value', args: ['--tag-prefix'], names: '--tag-prefix' },
    { name: 'an extra positional argument', args: ['v1.2.0'], names: 'v1.2.0' },
  ];
  test.each(cases)('$name', ({ args, names, quotes }) => {
    const { r } = releasedRepo();
    const result = runCli(['version', '--json', ...args], { cwd: r.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(names);
    if (quotes) expect(result.stderr).toContain(JSON.stringify(quotes));
    // A message for a human, not a stack trace.
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.startsWith('release-flow version: ')).toBe(true);
  });

  test('the unknown flag message lists the flags that exist', () => {
    const { r } = releasedRepo();
    const result = runCli(['version', '--bogus'], { cwd: r.dir });
    expect(result.code).toBe(2);
    for (const flag of ['--json', '--cwd', '--tag-prefix', '--initial-version', '--prerelease', '--pre-major', '--release-rules']) {
      expect(result.stderr).toContain(flag);
    }
  });

  test('--cwd that is not a git repository', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli(['version', '--json', '--cwd', dir], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--cwd');
    expect(result.stderr).toContain(dir);
  });

  test('the current directory is not a git repository (no --cwd)', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli(['version'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--cwd');
  });

  test('--cwd that does not exist', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli(['version', '--cwd', join(dir, 'missing')], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cwd');
    expect(result.stderr).toContain(join(dir, 'missing'));
  });
});

describe('an empty repository', () => {
  test('version exits 2 with the fix (a first commit), not a complaint about an input nobody gave', () => {
    const r = repo();
    const result = runCli(['version', '--json'], { cwd: r.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('HEAD has no commit yet');
    expect(result.stderr).toMatch(/Fix: commit something first/);
  });
});

describe('shallow clones', () => {
  test('version stops with exit 2 and the command that fixes it, computing nothing', () => {
    const r = repo();
    r.commit('feat: one');
    r.tag('v1.0.0');
    r.commit('fix: two');
    r.commit('feat: three');
    const clone = shallow(r, 1);
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');

    for (const args of [['version', '--json'], ['version']]) {
      const result = runCli(args, { cwd: clone.dir });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('git fetch --unshallow --tags');
      expect(result.stderr).toContain('shallow');
      // Never falls back to the initial version.
      expect(result.stderr).not.toContain('1.0.0');
    }
    // It must not have deepened the clone behind the user's back either.
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
  });

  test('after the fix it says, the same clone computes the version', () => {
    const r = repo();
    r.commit('feat: one');
    r.tag('v1.0.0');
    r.commit('fix: two');
    r.commit('feat: three');
    const clone = shallow(r, 1);
    clone.git('fetch', '--quiet', '--unshallow', '--tags');
    expect(runCliJson(['version', '--json'], { cwd: clone.dir })).toMatchObject({ previousTag: 'v1.0.0', tag: 'v1.1.0', commits: 2 });
  });
});

describe('commands and help', () => {
  const flagsOf: Record<string, string[]> = {
    plan: ['--json', '--cwd', '--tag-prefix', '--prerelease', '--pre-major', '--release-rules', '--show-types', '--help'],
    version: ['--json', '--cwd', '--tag-prefix', '--initial-version', '--prerelease', '--pre-major', '--release-rules', '--help'],
    notes: ['--from', '--to', '--all', '--write', '--json', '--cwd', '--tag-prefix', '--show-types', '--help'],
    release: ['--as', '--prerelease', '--push', '--dry-run', '--remote', '--file', '--json', '--cwd', '--help'],
  };

  test.each(Object.keys(flagsOf))('%s --help exits 0 and lists its flags', (command) => {
    const dir = tempDir('not-a-repo');
    for (const help of ['--help', '-h']) {
      const result = runCli([command, help], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`Usage: release-flow ${command}`);
      const optionLines = result.stdout.split('\n').filter((line) => /^\s+(?:-\w, )?--[\w-]+/.test(line));
      const listed = optionLines.map((line) => /--[\w-]+/.exec(line)![0]);
      for (const flag of flagsOf[command]!) expect(listed).toContain(flag);
      // Every option line explains itself.
      for (const line of optionLines) expect(line.trim().split(/\s{2,}/).length).toBeGreaterThanOrEqual(2);
      // Every flag the usage line mentions is listed.
      const usage = result.stdout.split('\n').find((line) => line.startsWith('Usage: '))!;
      for (const flag of usage.match(/--[\w-]+/g) ?? []) expect(listed).toContain(flag);
    }
  });

  test('--help wins over otherwise bad arguments', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli(['version', '--tag-prefix', 'bad prefix', '--help'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--tag-prefix');
  });

  test('bare release-flow prints the help on stderr and exits 2', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli([], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    for (const command of ['plan', 'version', 'notes', 'release']) expect(result.stderr).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stderr).toContain('Usage: release-flow <command>');
  });

  test('release-flow --help prints the same help on stdout and exits 0', () => {
    const dir = tempDir('not-a-repo');
    const bare = runCli([], { cwd: dir });
    const help = runCli(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toBe(bare.stderr);
  });

  test('an unknown command exits 2, names it and lists the commands', () => {
    const dir = tempDir('not-a-repo');
    const result = runCli(['deplooy', '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('"deplooy"');
    for (const command of ['plan', 'version', 'notes', 'release']) expect(result.stderr).toContain(command);
  });
});
