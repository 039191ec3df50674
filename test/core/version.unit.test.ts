import { describe, expect, test } from 'vitest';
import type { Bump } from '../../src/core/bump.js';
import { InputError } from '../../src/core/errors.js';
import { bumpBetween, effectiveBump, nextVersion, type VersionRules } from '../../src/core/version.js';

const defaults: VersionRules = { initialVersion: '1.0.0', preMajor: false, prerelease: null };
const RELEASE_AS_SHA = '0123456789abcdef0123456789abcdef01234567';

interface Case {
  previous: string | null;
  bump: Bump;
  rules?: Partial<VersionRules>;
  /** Existing N of `<base>-<id>.N`, by base. */
  taken?: Record<string, number[]>;
  releaseAs?: string;
  /** null: no release. */
  version: string | null;
  /** The bump the new version makes; omitted for a first release. */
  made?: Bump;
}

const cases: [string, Case][] = [
  // No release tag yet.
  ['first release: feat gives the initial version', { previous: null, bump: 'minor', version: '1.0.0' }],
  ['first release: fix gives the initial version', { previous: null, bump: 'patch', version: '1.0.0' }],
  ['first release: breaking gives the initial version', { previous: null, bump: 'major', version: '1.0.0' }],
  ['first release: configurable initial version', { previous: null, bump: 'minor', rules: { initialVersion: '0.1.0' }, version: '0.1.0' }],
  ['first release: initial 2.3.4', { previous: null, bump: 'patch', rules: { initialVersion: '2.3.4' }, version: '2.3.4' }],
  ['first release: nothing releasable, no release', { previous: null, bump: 'none', version: null }],
  ['first release with pre-1.0 mode keeps the initial version', { previous: null, bump: 'major', rules: { preMajor: true, initialVersion: '0.1.0' }, version: '0.1.0' }],
  // Plain bumps.
  ['nothing releasable: no release', { previous: '1.2.3', bump: 'none', version: null }],
  ['patch', { previous: '1.2.3', bump: 'patch', version: '1.2.4', made: 'patch' }],
  ['minor resets patch', { previous: '1.2.3', bump: 'minor', version: '1.3.0', made: 'minor' }],
  ['major resets minor and patch', { previous: '1.2.3', bump: 'major', version: '2.0.0', made: 'major' }],
  ['numeric, not lexical', { previous: '1.9.9', bump: 'patch', version: '1.9.10', made: 'patch' }],
  ['0.x without pre-1.0 mode: breaking goes to 1.0.0', { previous: '0.4.2', bump: 'major', version: '1.0.0', made: 'major' }],
  ['0.x without pre-1.0 mode: feat', { previous: '0.4.2', bump: 'minor', version: '0.5.0', made: 'minor' }],
  // Pre-1.0 mode.
  ['pre-1.0: breaking → minor', { previous: '0.4.2', bump: 'major', rules: { preMajor: true }, version: '0.5.0', made: 'minor' }],
  ['pre-1.0: feat → minor', { previous: '0.4.2', bump: 'minor', rules: { preMajor: true }, version: '0.5.0', made: 'minor' }],
  ['pre-1.0: fix → patch', { previous: '0.4.2', bump: 'patch', rules: { preMajor: true }, version: '0.4.3', made: 'patch' }],
  ['pre-1.0: from 0.0.x breaking → minor', { previous: '0.0.3', bump: 'major', rules: { preMajor: true }, version: '0.1.0', made: 'minor' }],
  ['pre-1.0 mode is off once major > 0', { previous: '1.2.3', bump: 'major', rules: { preMajor: true }, version: '2.0.0', made: 'major' }],
  ['pre-1.0 mode: nothing releasable', { previous: '0.4.2', bump: 'none', rules: { preMajor: true }, version: null }],
  // Prerelease channel.
  ['rc: first of its kind is .1', { previous: '1.2.3', bump: 'minor', rules: { prerelease: 'rc' }, version: '1.3.0-rc.1', made: 'minor' }],
  ['rc: one above the highest', { previous: '1.2.3', bump: 'minor', rules: { prerelease: 'rc' }, taken: { '1.3.0': [1, 2] }, version: '1.3.0-rc.3', made: 'minor' }],
  ['rc: highest, not count (gaps)', { previous: '1.2.3', bump: 'minor', rules: { prerelease: 'rc' }, taken: { '1.3.0': [1, 7, 3] }, version: '1.3.0-rc.8', made: 'minor' }],
  ['rc: numbers of another base do not count', { previous: '1.2.3', bump: 'patch', rules: { prerelease: 'rc' }, taken: { '1.3.0': [5] }, version: '1.2.4-rc.1', made: 'patch' }],
  ['rc: from .0 existing', { previous: '1.2.3', bump: 'patch', rules: { prerelease: 'rc' }, taken: { '1.2.4': [0] }, version: '1.2.4-rc.1', made: 'patch' }],
  ['rc: major', { previous: '1.2.3', bump: 'major', rules: { prerelease: 'rc' }, version: '2.0.0-rc.1', made: 'major' }],
  ['beta channel', { previous: '1.2.3', bump: 'patch', rules: { prerelease: 'beta' }, taken: { '1.2.4': [1] }, version: '1.2.4-beta.2', made: 'patch' }],
  ['rc on the first release', { previous: null, bump: 'minor', rules: { prerelease: 'rc' }, version: '1.0.0-rc.1' }],
  ['rc on the first release with existing rcs', { previous: null, bump: 'minor', rules: { prerelease: 'rc' }, taken: { '1.0.0': [1, 2] }, version: '1.0.0-rc.3' }],
  ['rc with pre-1.0 mode', { previous: '0.4.2', bump: 'major', rules: { prerelease: 'rc', preMajor: true }, version: '0.5.0-rc.1', made: 'minor' }],
  ['rc: nothing releasable', { previous: '1.2.3', bump: 'none', rules: { prerelease: 'rc' }, version: null }],
  // Release-As.
  ['Release-As forces a major', { previous: '1.2.3', bump: 'patch', releaseAs: '2.0.0', version: '2.0.0', made: 'major' }],
  ['Release-As forces a minor over a breaking change', { previous: '1.2.3', bump: 'major', releaseAs: '1.3.0', version: '1.3.0', made: 'minor' }],
  ['Release-As forces a release with nothing releasable', { previous: '1.2.3', bump: 'none', releaseAs: '1.2.4', version: '1.2.4', made: 'patch' }],
  ['Release-As may skip versions', { previous: '1.2.3', bump: 'patch', releaseAs: '5.0.0', version: '5.0.0', made: 'major' }],
  ['Release-As on the first release', { previous: null, bump: 'minor', releaseAs: '0.3.0', version: '0.3.0' }],
  ['Release-As beats the initial version', { previous: null, bump: 'none', releaseAs: '3.0.0', version: '3.0.0' }],
  ['Release-As a prerelease', { previous: '1.2.3', bump: 'minor', releaseAs: '2.0.0-rc.1', version: '2.0.0-rc.1', made: 'major' }],
  ['Release-As with build metadata drops it', { previous: '1.2.3', bump: 'minor', releaseAs: '1.3.0+build.5', version: '1.3.0', made: 'minor' }],
  ['Release-As beats pre-1.0 mode', { previous: '0.4.2', bump: 'major', rules: { preMajor: true }, releaseAs: '1.0.0', version: '1.0.0', made: 'major' }],
];

describe('nextVersion', () => {
  test.each(cases)('%s', (_, c) => {
    const asked: string[] = [];
    const next = nextVersion({
      previous: c.previous,
      bump: c.bump,
      releaseAs: c.releaseAs ? { value: c.releaseAs, sha: RELEASE_AS_SHA } : null,
      rules: { ...defaults, ...c.rules },
      existingPrereleaseNumbers: (base) => {
        asked.push(base);
        return c.taken?.[base] ?? [];
      },
    });
    if (c.version === null) {
      expect(next).toBeNull();
      return;
    }
    expect(next?.version).toBe(c.version);
    if (c.made !== undefined) expect(next?.bump).toBe(c.made);
    // The channel numbers are looked up for the base version, and only for the channel.
    if (c.rules?.prerelease && !c.releaseAs) expect(asked).toEqual([c.version.replace(/-.*$/, '')]);
    else expect(asked).toEqual([]);
  });

  test('the prerelease channel works without a lookup', () => {
    const next = nextVersion({ previous: '1.2.3', bump: 'patch', releaseAs: null, rules: { ...defaults, prerelease: 'rc' } });
    expect(next).toEqual({ version: '1.2.4-rc.1', bump: 'patch' });
  });

  test.each<[string, string | null, string, RegExp]>([
    ['equal to the last release', '1.2.3', '1.2.3', /greater than the last release 1\.2\.3/],
    ['lower than the last release', '1.2.3', '1.2.2', /greater than the last release 1\.2\.3/],
    ['much lower', '2.0.0', '1.9.9', /greater than the last release 2\.0\.0/],
    ['a prerelease of the last release', '1.2.3', '1.2.3-rc.1', /greater than the last release 1\.2\.3/],
    ['the same version with build metadata', '1.2.3', '1.2.3+build.2', /greater than the last release 1\.2\.3/],
    ['not semver: two parts', '1.2.3', '2.0', /semantic version/],
    ['not semver: word', '1.2.3', 'next', /semantic version/],
    ['not semver: leading zero', '1.2.3', '02.0.0', /semantic version/],
    ['not semver on the first release', null, '1.0', /semantic version/],
  ])('Release-As rejected: %s', (_, previous, value, expected) => {
    let error: unknown;
    try {
      nextVersion({ previous, bump: 'minor', releaseAs: { value, sha: RELEASE_AS_SHA }, rules: defaults });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.input).toContain('Release-As');
    expect(e.input).toContain(RELEASE_AS_SHA.slice(0, 7));
    expect(e.value).toBe(value);
    expect(e.message).toContain(JSON.stringify(value));
    expect(e.message).toMatch(expected);
  });
});

describe('bumpBetween', () => {
  test.each<[string | null, string, Bump]>([
    [null, '1.0.0', 'major'],
    ['1.2.3', '1.2.4', 'patch'],
    ['1.2.3', '1.2.10', 'patch'],
    ['1.2.3', '1.3.0', 'minor'],
    ['1.2.3', '1.4.1', 'minor'],
    ['1.2.3', '2.0.0', 'major'],
    ['1.2.3', '3.1.4', 'major'],
    ['0.4.2', '0.5.0', 'minor'],
    ['0.4.2', '1.0.0', 'major'],
    ['1.2.3', '1.2.3', 'none'],
    ['1.2.3', '1.2.3+build.1', 'none'],
    // Prerelease versions.
    ['1.2.3', '1.2.4-rc.1', 'patch'],
    ['1.2.3', '1.3.0-rc.1', 'minor'],
    ['1.2.3', '2.0.0-rc.1', 'major'],
    ['1.2.3', '2.0.0-alpha', 'major'],
    ['1.3.0-rc.1', '1.3.0-rc.2', 'patch'],
    ['1.3.0-rc.1', '1.3.0', 'minor'],
    ['2.0.0-rc.1', '2.0.0', 'major'],
    ['1.2.4-rc.1', '1.2.4', 'patch'],
    ['1.2.3-rc.1', '1.3.0', 'minor'],
  ])('%s → %s is %s', (from, to, expected) => {
    expect(bumpBetween(from, to)).toBe(expected);
  });
});

describe('effectiveBump', () => {
  test.each<[string | null, Bump, boolean, Bump]>([
    ['0.4.2', 'major', true, 'minor'],
    ['0.4.2', 'minor', true, 'minor'],
    ['0.4.2', 'patch', true, 'patch'],
    ['0.4.2', 'none', true, 'none'],
    ['0.4.2', 'major', false, 'major'],
    ['1.0.0', 'major', true, 'major'],
    ['0.0.1', 'major', true, 'minor'],
    [null, 'major', true, 'major'],
  ])('from %s, %s with pre-1.0 mode %s → %s', (previous, bump, preMajor, expected) => {
    expect(effectiveBump(previous, bump, preMajor)).toBe(expected);
  });
});
