import { describe, expect, test } from 'vitest';
import { createGit } from '../../src/adapters/git.js';
import { versionSettings } from '../../src/core/settings.js';
import type { RawVersionSettings, SettingNames } from '../../src/core/settings.js';
import { checkTag } from '../../src/flows/tag-check.js';
import { computeVersion, versionJson } from '../../src/flows/version.js';
import { tempRepos } from '../support/git-repo.js';
import type { TestRepo } from '../support/git-repo.js';
import { runCli, runCliJson } from '../cli/run-cli.js';

const { repo } = tempRepos();

const names: SettingNames = {
  tagPrefix: 'tag-prefix',
  initialVersion: 'initial-version',
  preMajor: 'pre-major',
  prerelease: 'prerelease',
  releaseRules: 'release-rules',
};

/** The flow, called directly on a real repository. */
async function compute(r: TestRepo, raw: RawVersionSettings = {}) {
  return computeVersion(createGit(r.dir), { settings: versionSettings(raw, names), shallow: 'fail' });
}

/** The same flow through the command line, as users and scripts see it. */
function cliVersion(r: TestRepo, ...args: string[]) {
  return runCliJson(['version', '--json', ...args], { cwd: r.dir }) as ReturnType<typeof versionJson>;
}

describe('merges', () => {
  test('the merged commits count, the merge header does not (flow and CLI agree)', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.branch('feature');
    r.checkout('feature');
    r.commit('feat(search): fuzzy matching');
    r.commit('docs: explain fuzzy matching');
    r.checkout('main');
    r.commit('chore: unrelated');
    r.merge('feature', 'feat!: merge branch feature\n\nBREAKING CHANGE: not really, only the merge says so\n');

    const result = await compute(r);
    expect(versionJson(result)).toEqual({
      previousVersion: '1.0.0',
      previousTag: 'v1.0.0',
      version: '1.1.0',
      tag: 'v1.1.0',
      bump: 'minor',
      released: true,
      // feat, docs, chore and the merge itself.
      commits: 4,
    });
    expect(result.reasons.map((reason) => reason.header)).toEqual(['feat(search): fuzzy matching']);
    expect(cliVersion(r)).toEqual(versionJson(result));
  });

  test('a merge of only non-releasable commits is no release, whatever its header', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.branch('docs');
    r.checkout('docs');
    r.commit('docs: typo');
    r.checkout('main');
    r.merge('docs', 'feat: merge pull request #12 from docs\n');
    const result = await compute(r);
    expect(result).toMatchObject({ released: false, version: null, tag: null, bump: 'none', commits: 2 });
  });

  test('a feature branch started before the last release and merged after it counts once', async () => {
    const r = repo();
    r.commit('feat: base');
    r.branch('feature');
    r.commit('fix: released in 1.0.0');
    r.tag('v1.0.0');
    r.checkout('feature');
    r.commit('feat: long-running feature');
    r.checkout('main');
    r.merge('feature');
    expect(await compute(r)).toMatchObject({ previousTag: 'v1.0.0', tag: 'v1.1.0', bump: 'minor', commits: 2 });
  });
});

describe('finding the last release', () => {
  test('a higher tag on another branch is not reachable and is ignored', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.branch('next');
    r.checkout('next');
    r.commit('feat!: the future');
    r.tag('v2.0.0');
    r.checkout('main');
    r.commit('fix: a bug');
    expect(versionJson(await compute(r))).toEqual({
      previousVersion: '1.0.0',
      previousTag: 'v1.0.0',
      version: '1.0.1',
      tag: 'v1.0.1',
      bump: 'patch',
      released: true,
      commits: 1,
    });
  });

  test('a prerelease tag on the same commit as the release: the previous release is the release', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: next');
    r.tag('v1.1.0-rc.1');
    r.tag('v1.1.0');
    r.commit('fix: after');
    expect(await compute(r)).toMatchObject({ previousVersion: '1.1.0', previousTag: 'v1.1.0', version: '1.1.1', commits: 1 });
  });

  test('prerelease tags are not the last release on main', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: next');
    r.tag('v1.1.0-rc.1');
    r.commit('fix: after the rc');
    // Counted since v1.0.0, so the feat before the rc still makes it a minor release.
    expect(await compute(r)).toMatchObject({ previousTag: 'v1.0.0', version: '1.1.0', bump: 'minor', commits: 2 });
  });

  test('semver order, not name order: v1.10.0 is above v1.9.0', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.9.0');
    r.commit('feat: ten');
    r.tag('v1.10.0');
    r.commit('feat: eleven');
    expect(await compute(r)).toMatchObject({ previousTag: 'v1.10.0', version: '1.11.0', commits: 1 });
  });

  test('semver order, not recency: a lower tag on a newer commit is not the last release', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.10.0');
    r.commit('fix: backport');
    r.tag('v1.9.1');
    r.commit('fix: another');
    expect(await compute(r)).toMatchObject({ previousTag: 'v1.10.0', version: '1.10.1', commits: 2 });
  });

  test('tags that are not <prefix><semver> are ignored', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: two');
    for (const tag of ['v2', 'v2.0', 'vv3.0.0', '4.0.0', 'v05.0.0', 'release-6.0.0', 'latest']) r.tag(tag);
    r.commit('fix: three');
    expect(await compute(r)).toMatchObject({ previousTag: 'v1.0.0', version: '1.1.0', commits: 2 });
  });

  test('an annotated release tag counts like a lightweight one', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v3.1.4', 'HEAD', { annotated: true, message: 'Release v3.1.4' });
    r.commit('fix: bug');
    expect(await compute(r)).toMatchObject({ previousTag: 'v3.1.4', version: '3.1.5' });
  });

  test('HEAD already carries the last release tag: no release', async () => {
    const r = repo();
    r.commit('feat!: everything');
    r.tag('v1.0.0');
    r.commit('feat: more');
    r.tag('v1.1.0', 'HEAD', { annotated: true });
    expect(versionJson(await compute(r))).toEqual({
      previousVersion: '1.1.0',
      previousTag: 'v1.1.0',
      version: null,
      tag: null,
      bump: 'none',
      released: false,
      commits: 0,
    });
  });

  test('a prefix with a slash, and the empty prefix', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('release/v1.0.0');
    r.tag('2.0.0');
    r.tag('v3.0.0');
    r.commit('fix: one');
    expect(await compute(r, { tagPrefix: 'release/v' })).toMatchObject({ previousTag: 'release/v1.0.0', tag: 'release/v1.0.1', commits: 1 });
    expect(await compute(r, { tagPrefix: '' })).toMatchObject({ previousTag: '2.0.0', tag: '2.0.1' });
    expect(await compute(r)).toMatchObject({ previousTag: 'v3.0.0', tag: 'v3.0.1' });
  });

  test('custom prefix synapse-v: v* tags are ignored, and only synapse-v tags are released', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('synapse-v1.0.0');
    r.commit('fix: something');
    r.tag('v7.0.0');
    r.tag('other-v9.0.0');
    r.commit('feat: more');
    expect(cliVersion(r, '--tag-prefix', 'synapse-v')).toEqual({
      previousVersion: '1.0.0',
      previousTag: 'synapse-v1.0.0',
      version: '1.1.0',
      tag: 'synapse-v1.1.0',
      bump: 'minor',
      released: true,
      commits: 2,
    });
    // And the default prefix sees only v7.0.0.
    expect(await compute(r)).toMatchObject({ previousTag: 'v7.0.0', tag: 'v7.1.0', commits: 1 });
  });
});

describe('no release tag yet', () => {
  test('a releasable commit gives 1.0.0, whatever it bumps', async () => {
    for (const message of ['fix: one', 'feat: one', 'feat!: one']) {
      const r = repo();
      r.commit('chore: init');
      r.commit(message);
      expect(await compute(r)).toMatchObject({ previousVersion: null, previousTag: null, version: '1.0.0', tag: 'v1.0.0', released: true, commits: 2 });
    }
  });

  test('--initial-version 0.1.0', async () => {
    const r = repo();
    r.commit('feat!: breaking from the start');
    expect(cliVersion(r, '--initial-version', '0.1.0')).toMatchObject({ version: '0.1.0', tag: 'v0.1.0', released: true });
    expect(await compute(r, { initialVersion: '0.1.0', prerelease: 'beta' })).toMatchObject({ version: '0.1.0-beta.1' });
  });

  test('no releasable commits: no release, not the initial version', async () => {
    const r = repo();
    r.commit('chore: init');
    r.commit('docs: readme');
    r.commit('Initial import');
    expect(versionJson(await compute(r))).toEqual({
      previousVersion: null,
      previousTag: null,
      version: null,
      tag: null,
      bump: 'none',
      released: false,
      commits: 3,
    });
  });
});

describe('commit messages', () => {
  test('CRLF messages: the BREAKING CHANGE footer is still found', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: x\r\n\r\nBREAKING CHANGE: y\r\n');
    expect(await compute(r)).toMatchObject({ version: '2.0.0', bump: 'major' });
    expect(cliVersion(r)).toMatchObject({ version: '2.0.0', bump: 'major' });
  });

  test('breaking markers that do not count', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('fix: x\n\nbreaking change: lower-case is not a footer\n');
    r.commit('fix: y\n\nBREAKING CHANGES: plural is not a footer\n');
    r.commit('feat!(api): bang in the wrong place');
    expect(await compute(r)).toMatchObject({ version: '1.0.1', bump: 'patch' });
  });

  test('BREAKING-CHANGE footer and upper-case types', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('FIX: upper-case type\n\nBREAKING-CHANGE: the config moved\n');
    expect(await compute(r)).toMatchObject({ version: '2.0.0', bump: 'major' });
  });

  test('a revert and its target inside the range cancel each other', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    const feat = r.commit('feat: risky');
    r.commit(`Revert "feat: risky"\n\nThis reverts commit ${feat}.\n`);
    r.commit('docs: note');
    expect(await compute(r)).toMatchObject({ released: false, bump: 'none', commits: 3 });
  });

  test('an abbreviated revert target (7 characters) cancels too', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    const feat = r.commit('feat!: risky');
    r.commit(`revert: risky\n\nThis reverts commit ${feat.slice(0, 7)}.\n`);
    r.commit('fix: small');
    expect(await compute(r)).toMatchObject({ version: '1.0.1', bump: 'patch' });
  });

  test('a revert of a revert restores the original', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    const feat = r.commit('feat: risky');
    const revert = r.commit(`Revert "feat: risky"\n\nThis reverts commit ${feat}.\n`);
    r.commit(`Revert "Revert "feat: risky""\n\nThis reverts commit ${revert}.\n`);
    expect(await compute(r)).toMatchObject({ version: '1.1.0', bump: 'minor' });
  });

  /** A revert pair where the target carries a committer date years ahead (a machine with a wrong clock). */
  function skewedRevertPair() {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    const feat = r.commit('feat: risky', { date: '2030-01-01T00:00:00Z' });
    r.branch('undo');
    r.checkout('undo');
    r.commit(`Revert "feat: risky"\n\nThis reverts commit ${feat}.\n`);
    r.checkout('main');
    r.commit('chore: unrelated');
    r.merge('undo');
    return r;
  }

  test('(premise of the next test) git\'s default date order lists that target before its revert', () => {
    const r = skewedRevertPair();
    expect(r.git('log', '--format=%s', 'v1.0.0..HEAD').split('\n')).toEqual(["Merge branch 'undo'", 'chore: unrelated', 'feat: risky', 'Revert "feat: risky"']);
  });

  test('a revert pair inside the range cancels even when the target\'s committer date is skewed', async () => {
    const r = skewedRevertPair();
    expect(await compute(r)).toMatchObject({ released: false, bump: 'none' });
  });

  test('a revert of a commit released earlier is a patch', async () => {
    const r = repo();
    const feat = r.commit('feat!: released in 1.0.0');
    r.tag('v1.0.0');
    r.commit(`Revert "feat!: released in 1.0.0"\n\nThis reverts commit ${feat}.\n`);
    expect(versionJson(await compute(r))).toMatchObject({ previousTag: 'v1.0.0', version: '1.0.1', bump: 'patch', released: true, commits: 1 });
  });

  test('Release-As forces the version, even with nothing else releasable', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.4.2');
    r.commit('chore: prepare 2.0\n\nRelease-As: 2.0.0\n');
    r.commit('fix: small');
    expect(cliVersion(r)).toEqual({
      previousVersion: '1.4.2',
      previousTag: 'v1.4.2',
      version: '2.0.0',
      tag: 'v2.0.0',
      bump: 'major',
      released: true,
      commits: 2,
    });
  });

  test('the version a Release-As footer forces passes the tag check when it is tagged (the tool must not reject its own release)', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: small feature');
    r.commit('chore: ship it as a patch\n\nRelease-As: 1.0.1\n');
    const computed = await compute(r);
    expect(computed).toMatchObject({ version: '1.0.1', tag: 'v1.0.1', released: true });
    r.tag(computed.tag!);
    const checked = await checkTag(createGit(r.dir), computed.tag!, { settings: versionSettings({}, names), shallow: 'fail' });
    expect(checked.problem).toBeNull();
  });

  test('Release-As that is not above the last release is an input error naming the commit (exit 2)', () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.4.2');
    const sha = r.commit('chore: oops\n\nRelease-As: 1.4.0\n');
    const result = runCli(['version', '--json'], { cwd: r.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Release-As');
    expect(result.stderr).toContain(sha.slice(0, 7));
    expect(result.stderr).toContain('1.4.2');
  });
});

describe('rules', () => {
  test('--pre-major on 0.x: breaking bumps minor, feat minor, fix patch; off by default', async () => {
    const cases: Array<[string, string, string]> = [
      ['feat!: breaking', '0.5.0', '1.0.0'],
      ['fix: x\n\nBREAKING CHANGE: y\n', '0.5.0', '1.0.0'],
      ['feat: feature', '0.5.0', '0.5.0'],
      ['fix: fix', '0.4.4', '0.4.4'],
    ];
    for (const [message, preMajor, normal] of cases) {
      const r = repo();
      r.commit('feat: base');
      r.tag('v0.4.3');
      r.commit(message);
      expect(await compute(r, { preMajor: true }), message).toMatchObject({ version: preMajor });
      expect(await compute(r), message).toMatchObject({ version: normal });
    }
  });

  test('--pre-major through the CLI, and it stops at 1.x', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v0.9.0');
    r.commit('feat!: breaking');
    expect(cliVersion(r, '--pre-major')).toMatchObject({ version: '0.10.0', bump: 'minor' });
    r.tag('v1.0.0');
    r.commit('feat!: breaking again');
    expect(cliVersion(r, '--pre-major')).toMatchObject({ version: '2.0.0', bump: 'major' });
  });

  test('--prerelease rc: -rc.1, then -rc.2 once the rc.1 tag exists', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('feat: next');
    expect(cliVersion(r, '--prerelease', 'rc')).toMatchObject({ previousTag: 'v1.0.0', version: '1.1.0-rc.1', tag: 'v1.1.0-rc.1', bump: 'minor' });
    r.tag('v1.1.0-rc.1');
    r.commit('fix: found in rc.1');
    expect(cliVersion(r, '--prerelease', 'rc')).toMatchObject({ previousTag: 'v1.0.0', version: '1.1.0-rc.2', tag: 'v1.1.0-rc.2' });
    // Other channels and other versions keep their own numbers.
    r.tag('v1.1.0-beta.7');
    r.tag('v1.2.0-rc.5');
    expect(await compute(r, { prerelease: 'rc' })).toMatchObject({ version: '1.1.0-rc.2' });
    expect(await compute(r, { prerelease: 'beta' })).toMatchObject({ version: '1.1.0-beta.8' });
    // Without the channel, the stable version.
    expect(await compute(r)).toMatchObject({ version: '1.1.0' });
  });

  test('--release-rules "docs=patch" makes docs releasable; without it they are not', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('docs: clarify');
    expect(cliVersion(r)).toMatchObject({ released: false, bump: 'none' });
    expect(cliVersion(r, '--release-rules', 'docs=patch')).toMatchObject({ version: '1.0.1', bump: 'patch', released: true });
  });

  test('release rules with a scope, and rules that silence a default type', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.0.0');
    r.commit('build(deps): bump semver');
    r.commit('build: faster');
    expect(await compute(r, { releaseRules: 'build(deps)=patch' })).toMatchObject({ version: '1.0.1' });
    r.commit('perf: faster startup');
    expect(await compute(r, { releaseRules: 'perf=none' })).toMatchObject({ released: false });
    // A breaking change is major whatever the rules say.
    r.commit('perf!: drop the cache');
    expect(await compute(r, { releaseRules: 'perf=none' })).toMatchObject({ version: '2.0.0' });
  });
});

describe('checkTag: a pushed tag against its commits', () => {
  const settings = versionSettings({}, names);

  function history() {
    const r = repo();
    r.commit('feat: base');
    r.tag('v1.1.0');
    r.commit('feat: something new');
    r.commit('fix: a bug');
    return r;
  }

  test('a valid tag', async () => {
    const r = history();
    r.tag('v1.2.0');
    const result = await checkTag(createGit(r.dir), 'v1.2.0', { settings, shallow: 'fail' });
    expect(result.problem).toBeNull();
    expect(result).toMatchObject({ required: 'minor', previousTag: 'v1.1.0', version: '1.2.0', tag: 'v1.2.0', bump: 'minor', released: true, commits: 2 });
  });

  test('bumping more than needed is valid', async () => {
    const r = history();
    r.tag('v2.0.0', 'HEAD', { annotated: true });
    const result = await checkTag(createGit(r.dir), 'v2.0.0', { settings, shallow: 'fail' });
    expect(result.problem).toBeNull();
    expect(result.bump).toBe('major');
  });

  test('under-bump: a patch tag over a feat', async () => {
    const r = history();
    r.tag('v1.1.1');
    const result = await checkTag(createGit(r.dir), 'v1.1.1', { settings, shallow: 'fail' });
    expect(result.problem?.kind).toBe('under-bump');
    expect(result.problem?.message).toContain('v1.2.0');
    expect(result.required).toBe('minor');
  });

  test('under-bump: a minor tag over a breaking change, unless pre-major on 0.x', async () => {
    const r = repo();
    r.commit('feat: base');
    r.tag('v0.3.0');
    r.commit('feat!: breaking');
    r.tag('v0.4.0');
    const git = createGit(r.dir);
    expect((await checkTag(git, 'v0.4.0', { settings, shallow: 'fail' })).problem?.kind).toBe('under-bump');
    expect((await checkTag(git, 'v0.4.0', { settings: versionSettings({ preMajor: true }, names), shallow: 'fail' })).problem).toBeNull();
  });

  test('not greater than the last release', async () => {
    const r = history();
    r.tag('v1.0.5');
    const result = await checkTag(createGit(r.dir), 'v1.0.5', { settings, shallow: 'fail' });
    expect(result.problem?.kind).toBe('not-greater');
    expect(result.problem?.message).toContain('v1.1.0');
  });

  test('the same version as the last release on another commit is not greater', async () => {
    const r = history();
    r.tag('v1.1.0-again');
    r.tag('v1.1.0+build.2');
    const result = await checkTag(createGit(r.dir), 'v1.1.0+build.2', { settings, shallow: 'fail' });
    expect(result.problem?.kind).toBe('not-greater');
  });

  test('an invalid name', async () => {
    const r = history();
    r.tag('release-1.2.0');
    const result = await checkTag(createGit(r.dir), 'release-1.2.0', { settings, shallow: 'fail' });
    expect(result.problem?.kind).toBe('invalid');
    expect(result.problem?.message).toContain('release-1.2.0');
    expect(result).toMatchObject({ version: null, tag: null, released: false, bump: 'none' });
  });

  test('the first release tag has nothing to be compared with', async () => {
    const r = repo();
    r.commit('fix: first');
    r.tag('v0.1.0');
    const result = await checkTag(createGit(r.dir), 'v0.1.0', { settings, shallow: 'fail' });
    expect(result.problem).toBeNull();
    expect(result).toMatchObject({ previousTag: null, version: '0.1.0', released: true });
  });

  test('a release tag on the same commit as its rc is checked against the release before', async () => {
    const r = history();
    r.tag('v1.2.0-rc.1');
    r.tag('v1.2.0');
    const result = await checkTag(createGit(r.dir), 'v1.2.0', { settings, shallow: 'fail' });
    expect(result.problem).toBeNull();
    expect(result.previousTag).toBe('v1.1.0');
  });
});
