import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runCli, runCliJson, utcToday } from './run-cli.js';

const { repo, shallow } = tempRepos();

const short = (sha: string) => sha.slice(0, 7);

/**
 * v1.0.0 (2023-01-10), v1.1.0 (2023-05-17, annotated: the tag itself is dated 2024), then unreleased
 * work. Dates are set on the commits so that "dated by the tagged commit" can be told from "today"
 * and from the tag object's own date.
 */
function history() {
  const r = repo();
  const base = r.commit('feat: base', { date: '2023-01-10T10:00:00Z' });
  r.tag('v1.0.0');
  const search = r.commit('feat(api): add search', { date: '2023-05-16T10:00:00Z' });
  const crash = r.commit('fix: crash on empty input (#12)', { date: '2023-05-17T09:00:00Z' });
  r.tag('v1.1.0', 'HEAD', { annotated: true, message: 'Release v1.1.0' });
  const docs = r.commit('docs: explain search');
  const perf = r.commit('perf: faster search');
  return { r, base, search, crash, docs, perf };
}

function notes(r: TestRepo, args: string[] = [], env?: Record<string, string | undefined>) {
  const result = runCli(['notes', ...args], { cwd: r.dir, ...(env ? { env } : {}) });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('notes', () => {
  test('prints the next version\'s section, dated today', () => {
    const { r, perf } = history();
    expect(notes(r)).toBe(`## 1.1.1 (${utcToday()})\n\n### Performance\n\n* faster search (${short(perf)})\n`);
  });

  test('nothing releasable: says so and exits 0', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('docs: only docs');
    expect(notes(r)).toBe('No release notes: nothing releasable in the range.\n');
  });

  test('--to a release tag prints that release, dated by the tagged commit, without later commits', () => {
    const { r, search, crash } = history();
    expect(notes(r, ['--to', 'v1.1.0'])).toBe(
      [
        '## 1.1.0 (2023-05-17)',
        '',
        '### Features',
        '',
        `* **api:** add search (${short(search)})`,
        '',
        '### Bug fixes',
        '',
        `* crash on empty input (#12) (${short(crash)})`,
        '',
      ].join('\n'),
    );
    expect(notes(r, ['--to', 'v1.0.0'])).toMatch(/^## 1\.0\.0 \(2023-01-10\)\n\n### Features\n\n\* base \(\w{7}\)\n$/);
  });

  test('--from and --to: a range over two releases', () => {
    const { r, search, crash, perf } = history();
    r.tag('v1.1.1');
    const out = notes(r, ['--from', 'v1.0.0', '--to', 'v1.1.1']);
    expect(out.split('\n')[0]).toMatch(/^## 1\.1\.1 \(\d{4}-\d{2}-\d{2}\)$/);
    for (const sha of [search, crash, perf]) expect(out).toContain(short(sha));
    expect(out).not.toContain('base');
  });

  test('--from a commit to HEAD: the unreleased changes', () => {
    const { r, crash, docs, perf } = history();
    const out = notes(r, ['--from', docs]);
    expect(out).toBe(`## Unreleased (${utcToday()})\n\n### Performance\n\n* faster search (${short(perf)})\n`);
    expect(out).not.toContain(short(crash));
  });

  test('CRLF commit messages render without carriage returns, the breaking footer quoted', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    const sha = r.commit('feat(core): x\r\n\r\nBREAKING CHANGE: y moved\r\nto z\r\n');
    const out = notes(r);
    expect(out).not.toContain('\r');
    expect(out).toBe(`## 2.0.0 (${utcToday()})\n\n### ⚠ Breaking changes\n\n* **core:** x (${short(sha)})\n  > y moved\n  > to z\n`);
  });

  test('--json: the releases and the file', () => {
    const { r } = history();
    const json = runCliJson(['notes', '--to', 'v1.1.0', '--json'], { cwd: r.dir });
    expect(json).toEqual({
      releases: [{ version: '1.1.0', tag: 'v1.1.0', previousTag: 'v1.0.0', date: '2023-05-17', notes: notes(r, ['--to', 'v1.1.0']) }],
      file: null,
    });
  });

  test('--show-types docs=Documentation lists the hidden docs commits in their own section', () => {
    const { r, docs } = history();
    expect(notes(r)).not.toContain('explain search');
    const out = notes(r, ['--show-types', 'docs=Documentation']);
    expect(out).toContain(`### Documentation\n\n* explain search (${short(docs)})\n`);
    // After the default sections.
    expect(out.indexOf('### Performance')).toBeLessThan(out.indexOf('### Documentation'));
  });

  test.each([
    [['--show-types', 'docs'], '--show-types'],
    [['--all', '--from', 'v1.0.0'], '--from'],
    [['--to', 'no-such-ref'], 'no-such-ref'],
    [['--from', 'no-such-ref'], 'no-such-ref'],
    [['--tag-prefix', 'a b'], '--tag-prefix'],
  ])('bad input %j exits 2 and names it', (args, named) => {
    const { r } = history();
    const result = runCli(['notes', ...args], { cwd: r.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(named);
  });

  test('a shallow clone: exit 2 with the command that fixes it', () => {
    const { r } = history();
    const clone = shallow(r, 1);
    for (const args of [['notes'], ['notes', '--all'], ['notes', '--to', 'v1.1.0']]) {
      const result = runCli(args, { cwd: clone.dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('git fetch --unshallow --tags');
    }
  });
});

describe('notes --write', () => {
  test('twice gives the same file: one section, no duplicate', () => {
    const { r } = history();
    const path = join(r.dir, 'release-notes.md');
    const first = runCli(['notes', '--write', 'release-notes.md'], { cwd: r.dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain(path);
    const once = readFileSync(path, 'utf8');
    expect(once).toBe(`# Release notes\n\n${notes(r)}`);

    expect(runCli(['notes', '--write', 'release-notes.md'], { cwd: r.dir }).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(once);
    expect(once.match(/^## 1\.1\.1 /gm)).toHaveLength(1);
  });

  test('a release\'s section goes in semver order into an existing file, which is otherwise kept', () => {
    const { r } = history();
    const path = join(r.dir, 'CHANGES.md');
    const existing = '# Changes\r\n\r\nOur own words.\r\n\r\n## 0.9.0 (2022-12-01)\r\n\r\n* old entry\r\n';
    writeFileSync(path, existing);
    expect(runCli(['notes', '--to', 'v1.0.0', '--write', 'CHANGES.md'], { cwd: r.dir }).code).toBe(0);
    expect(runCli(['notes', '--to', 'v1.1.0', '--write', 'CHANGES.md'], { cwd: r.dir }).code).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('# Changes\r\n\r\nOur own words.\r\n\r\n## 1.1.0 (2023-05-17)\r\n')).toBe(true);
    expect(text.endsWith('## 0.9.0 (2022-12-01)\r\n\r\n* old entry\r\n')).toBe(true);
    expect(text.indexOf('## 1.1.0')).toBeLessThan(text.indexOf('## 1.0.0'));
    // The file's CRLF line endings are kept for the new sections too.
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    // Writing the same release again changes nothing.
    expect(runCli(['notes', '--to', 'v1.1.0', '--write', 'CHANGES.md'], { cwd: r.dir }).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  test('--from REF --write FILE with no release tag as --to is bad input naming --write', () => {
    const { r, docs } = history();
    const result = runCli(['notes', '--from', docs, '--write', 'release-notes.md'], { cwd: r.dir });
    // An unreleased range has no version to file its section under.
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--write: "release-notes\.md" is not valid; expected a range that ends at a release tag/);
    expect(existsSync(join(r.dir, 'release-notes.md'))).toBe(false);
  });
});

describe('notes --all', () => {
  /** Releases out of chronological order: v1.1.1 is a backport, tagged after v2.0.0 and merged later. */
  function releases() {
    const r = repo();
    const a = r.commit('feat: first', { date: '2023-01-01T10:00:00Z' });
    r.tag('v1.0.0');
    const b = r.commit('feat: second', { date: '2023-02-01T10:00:00Z' });
    r.tag('v1.1.0', 'HEAD', { annotated: true });
    r.branch('release-1.1');
    const c = r.commit('feat!: third', { date: '2023-03-01T10:00:00Z' });
    r.tag('v2.0.0');
    r.checkout('release-1.1');
    const d = r.commit('fix: backported', { date: '2023-04-01T10:00:00Z' });
    r.tag('v1.1.1');
    r.checkout('main');
    r.merge('release-1.1');
    // Not reachable from main: not in main's notes.
    r.branch('experiment', 'v2.0.0');
    r.checkout('experiment');
    r.commit('feat: experiment', { date: '2023-05-01T10:00:00Z' });
    r.tag('v3.0.0');
    r.checkout('main');
    return { r, a, b, c, d };
  }

  test('prints every reachable release, newest first by semver, each with its own commits and date', () => {
    const { r, a, b, c, d } = releases();
    const out = notes(r, ['--all']);
    const sections = out.split(/\n(?=## )/);
    expect(sections.map((s) => s.split('\n')[0])).toEqual([
      '## 2.0.0 (2023-03-01)',
      '## 1.1.1 (2023-04-01)',
      '## 1.1.0 (2023-02-01)',
      '## 1.0.0 (2023-01-01)',
    ]);
    expect(sections[0]).toContain(short(c));
    expect(sections[0]).toContain('### ⚠ Breaking changes');
    expect(sections[0]).not.toContain(short(b));
    expect(sections[1]).toContain(short(d));
    expect(sections[1]).not.toContain(short(b));
    expect(sections[2]).toContain(short(b));
    expect(sections[2]).not.toContain(short(a));
    expect(sections[3]).toContain(short(a));
    expect(out).not.toContain('experiment');
    // Each section is what `notes --to <tag>` prints for it.
    expect(sections[1]).toBe(notes(r, ['--to', 'v1.1.1']));
    expect(sections[3]).toBe(notes(r, ['--to', 'v1.0.0']));
  });

  test('--all --write backfills a file in semver order, and again changes nothing', () => {
    const { r } = releases();
    const all = notes(r, ['--all']);
    const result = runCli(['notes', '--all', '--write', 'release-notes.md'], { cwd: r.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('4 section(s)');
    const path = join(r.dir, 'release-notes.md');
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(`# Release notes\n\n${all}`);
    expect(runCli(['notes', '--all', '--write', 'release-notes.md'], { cwd: r.dir }).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  test('--all compares v2.0.0 with v1.1.0, as notes --to v2.0.0 does, not with the unreachable backport v1.1.1', () => {
    const { r } = releases();
    const env = { GITHUB_REPOSITORY: 'acme/widget' };
    const sections = notes(r, ['--all'], env).split(/\n(?=## )/);
    expect(sections[0]).toBe(notes(r, ['--to', 'v2.0.0'], env));
    expect(sections[0]!.split('\n')[0]).toBe('## [2.0.0](https://github.com/acme/widget/compare/v1.1.0...v2.0.0) (2023-03-01)');
  });

  test('--all --to a tag stops at that release', () => {
    const { r } = releases();
    const headings = notes(r, ['--all', '--to', 'v1.1.0']).split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## 1.1.0 (2023-02-01)', '## 1.0.0 (2023-01-01)']);
  });
});

describe('links', () => {
  const ghes = { GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_REPOSITORY: 'acme/widget' };

  test('GITHUB_SERVER_URL and GITHUB_REPOSITORY: compare, commit and issue links on that server', () => {
    const { r, search, crash } = history();
    const out = notes(r, ['--to', 'v1.1.0'], ghes);
    const base = 'https://ghe.example.com/acme/widget';
    expect(out.split('\n')[0]).toBe(`## [1.1.0](${base}/compare/v1.0.0...v1.1.0) (2023-05-17)`);
    expect(out).toContain(`* **api:** add search ([${short(search)}](${base}/commit/${search}))`);
    expect(out).toContain(`* crash on empty input ([#12](${base}/issues/12)) ([${short(crash)}](${base}/commit/${crash}))`);
    expect(out).not.toContain('github.com/');
  });

  test('GITHUB_REPOSITORY wins over the origin remote', () => {
    const { r } = history();
    r.git('remote', 'add', 'origin', 'git@github.com:someone/else.git');
    const out = notes(r, ['--to', 'v1.1.0'], ghes);
    expect(out).toContain('https://ghe.example.com/acme/widget/compare/v1.0.0...v1.1.0');
    expect(out).not.toContain('someone');
  });

  test.each([
    ['git@github.com:acme/widget.git', {}, 'https://github.com/acme/widget'],
    ['https://github.com/acme/widget.git', {}, 'https://github.com/acme/widget'],
    ['ssh://git@github.com/acme/widget', {}, 'https://github.com/acme/widget'],
    ['https://ghe.example.com/acme/widget.git', { GITHUB_SERVER_URL: 'https://ghe.example.com' }, 'https://ghe.example.com/acme/widget'],
    ['git@ghe.example.com:acme/widget.git', { GITHUB_SERVER_URL: 'https://ghe.example.com' }, 'https://ghe.example.com/acme/widget'],
  ])('without GITHUB_REPOSITORY, the origin remote %s', (url, env, base) => {
    const { r, search } = history();
    r.git('remote', 'add', 'origin', url);
    const out = notes(r, ['--to', 'v1.1.0'], env);
    expect(out.split('\n')[0]).toBe(`## [1.1.0](${base}/compare/v1.0.0...v1.1.0) (2023-05-17)`);
    expect(out).toContain(`[${short(search)}](${base}/commit/${search})`);
  });

  test('a token in the origin URL never reaches the notes', () => {
    const { r } = history();
    r.git('remote', 'add', 'origin', 'https://x-access-token:ghs_supersecret123@github.com/acme/widget.git');
    const result = runCli(['notes', '--to', 'v1.1.0'], { cwd: r.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('https://github.com/acme/widget/compare/v1.0.0...v1.1.0');
    expect(result.stdout + result.stderr).not.toContain('supersecret');
    expect(result.stdout + result.stderr).not.toContain('x-access-token');
  });

  test('an origin on another server, or no origin: plain text, no links', () => {
    const { r, search } = history();
    const plain = notes(r, ['--to', 'v1.1.0']);
    expect(plain).not.toContain('](');
    expect(plain).toContain(`(${short(search)})`);
    r.git('remote', 'add', 'origin', 'git@gitlab.com:acme/widget.git');
    expect(notes(r, ['--to', 'v1.1.0'])).toBe(plain);
    // The remote is on github.com, but the server is GHES: not this repository's server.
    r.git('remote', 'set-url', 'origin', 'https://github.com/acme/widget.git');
    expect(notes(r, ['--to', 'v1.1.0'], { GITHUB_SERVER_URL: 'https://ghe.example.com' })).toBe(plain);
  });
});
