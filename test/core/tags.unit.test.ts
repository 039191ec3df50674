import { describe, expect, test } from 'vitest';
import { highestVersionTag, parseVersionTag, prereleaseNumbers } from '../../src/core/tags.js';

describe('parseVersionTag', () => {
  // [tag, prefix, version or null]
  test.each<[string, string, string | null]>([
    ['v1.2.3', 'v', '1.2.3'],
    ['v0.0.0', 'v', '0.0.0'],
    ['v10.20.30', 'v', '10.20.30'],
    ['v1.3.0-rc.1', 'v', '1.3.0-rc.1'],
    ['v1.0.0-alpha.beta.1', 'v', '1.0.0-alpha.beta.1'],
    ['v1.0.0+build.7', 'v', '1.0.0'],
    ['v1.0.0-rc.1+build.7', 'v', '1.0.0-rc.1'],
    ['synapse-v1.2.3', 'synapse-v', '1.2.3'],
    ['app/v2.0.0', 'app/v', '2.0.0'],
    ['web@1.0.0', 'web@', '1.0.0'],
    ['1.2.3', '', '1.2.3'],
    ['1.2.3-rc.2', '', '1.2.3-rc.2'],
    // Rejected.
    ['v01.2.3', 'v', null],
    ['v1.02.3', 'v', null],
    ['v1.2.03', 'v', null],
    ['1.2.3', 'v', null],
    ['vv1.2.3', 'v', null],
    ['v1.2', 'v', null],
    ['v1', 'v', null],
    ['v1.2.3.4', 'v', null],
    ['V1.2.3', 'v', null],
    ['v 1.2.3', 'v', null],
    ['v1.2.3 ', 'v', null],
    ['v=1.2.3', 'v', null],
    ['v1.2.3-', 'v', null],
    ['v1.2.3-rc.01', 'v', null],
    ['vnext', 'v', null],
    ['v', 'v', null],
    ['latest', 'v', null],
    ['v1.2.3', '', null],
    ['=1.2.3', '', null],
    [' 1.2.3', '', null],
    ['synapse-v1.2.3', 'v', null],
    ['v1.2.3', 'synapse-v', null],
    ['synapse-vv1.2.3', 'synapse-v', null],
    ['synapse-v1.2', 'synapse-v', null],
  ])('%j with prefix %j → %s', (tag, prefix, version) => {
    const parsed = parseVersionTag(tag, prefix);
    if (version === null) {
      expect(parsed).toBeNull();
    } else {
      expect(parsed?.tag).toBe(tag);
      expect(parsed?.version.version).toBe(version);
    }
  });
});

describe('highestVersionTag', () => {
  // [name, tags, prefix, includePrerelease, expected tag or null]
  test.each<[string, string[], string, boolean, string | null]>([
    ['no tags', [], 'v', false, null],
    ['only other tags', ['latest', 'stable', 'release-2024'], 'v', false, null],
    ['one tag', ['v1.0.0'], 'v', false, 'v1.0.0'],
    ['semver order, not lexical: v1.10.0 > v1.9.0', ['v1.9.0', 'v1.10.0', 'v1.2.0'], 'v', false, 'v1.10.0'],
    ['semver order regardless of input order', ['v1.10.0', 'v1.9.0'], 'v', false, 'v1.10.0'],
    ['major wins', ['v1.99.99', 'v2.0.0', 'v1.100.0'], 'v', false, 'v2.0.0'],
    ['prerelease ignored on main', ['v1.0.0', 'v1.1.0-rc.1'], 'v', false, 'v1.0.0'],
    ['only prereleases on main', ['v1.0.0-rc.1', 'v1.0.0-rc.2'], 'v', false, null],
    ['prerelease when asked', ['v1.0.0', 'v1.1.0-rc.1'], 'v', true, 'v1.1.0-rc.1'],
    ['prerelease numbers compare numerically', ['v1.1.0-rc.2', 'v1.1.0-rc.10', 'v1.0.0'], 'v', true, 'v1.1.0-rc.10'],
    ['release beats its own prerelease (release first)', ['v1.1.0', 'v1.1.0-rc.1'], 'v', true, 'v1.1.0'],
    ['release beats its own prerelease (prerelease first)', ['v1.1.0-rc.1', 'v1.1.0'], 'v', true, 'v1.1.0'],
    ['release and its prerelease on main', ['v1.1.0-rc.1', 'v1.1.0'], 'v', false, 'v1.1.0'],
    ['other tags ignored', ['v1.0.0', 'latest', 'v2', 'v2.0', 'release-3.0.0', 'vv9.0.0', 'v09.0.0'], 'v', false, 'v1.0.0'],
    ['other prefixes ignored', ['v5.0.0', 'synapse-v1.2.0', 'synapse-v1.3.0', 'other-v9.0.0'], 'synapse-v', false, 'synapse-v1.3.0'],
    ['prefixed tags ignored by prefix v', ['synapse-v9.0.0', 'v1.0.0'], 'v', false, 'v1.0.0'],
    ['empty prefix ignores v-tags', ['v9.0.0', '1.0.0', '0.9.0'], '', false, '1.0.0'],
    ['empty prefix, only v-tags', ['v9.0.0'], '', false, null],
    ['build metadata does not make a tag higher', ['v1.0.0', 'v1.0.0+build.9'], 'v', false, 'v1.0.0'],
    ['iterable input', [...new Set(['v1.0.0', 'v1.0.1'])], 'v', false, 'v1.0.1'],
  ])('%s', (_, tags, prefix, includePrerelease, expected) => {
    const best = highestVersionTag(new Set(tags), prefix, { includePrerelease });
    expect(best?.tag ?? null).toBe(expected);
  });

  test('prerelease tags are ignored by default', () => {
    expect(highestVersionTag(['v1.0.0', 'v2.0.0-rc.1'], 'v')?.tag).toBe('v1.0.0');
  });

  test('returns the parsed version', () => {
    expect(highestVersionTag(['v1.2.3'], 'v')?.version.version).toBe('1.2.3');
  });
});

describe('prereleaseNumbers', () => {
  // [name, tags, prefix, base, id, numbers]
  test.each<[string, string[], string, string, string, number[]]>([
    ['none', [], 'v', '1.3.0', 'rc', []],
    ['numbers of that base and id', ['v1.3.0-rc.1', 'v1.3.0-rc.2', 'v1.3.0-rc.10'], 'v', '1.3.0', 'rc', [1, 2, 10]],
    ['other bases ignored', ['v1.3.0-rc.1', 'v1.3.1-rc.5', 'v1.2.0-rc.7', 'v2.3.0-rc.3'], 'v', '1.3.0', 'rc', [1]],
    ['other ids ignored', ['v1.3.0-rc.1', 'v1.3.0-beta.4', 'v1.3.0-rcx.9', 'v1.3.0-RC.8'], 'v', '1.3.0', 'rc', [1]],
    ['beta channel', ['v1.3.0-rc.1', 'v1.3.0-beta.4'], 'v', '1.3.0', 'beta', [4]],
    ['no number ignored', ['v1.3.0-rc', 'v1.3.0-rc.x', 'v1.3.0-rc1'], 'v', '1.3.0', 'rc', []],
    ['the release itself is not a prerelease', ['v1.3.0'], 'v', '1.3.0', 'rc', []],
    ['other prefixes ignored', ['synapse-v1.3.0-rc.4', 'v1.3.0-rc.2'], 'v', '1.3.0', 'rc', [2]],
    ['with a long prefix', ['synapse-v1.3.0-rc.4', 'v1.3.0-rc.2'], 'synapse-v', '1.3.0', 'rc', [4]],
    ['build metadata ignored', ['v1.3.0-rc.3+build.1'], 'v', '1.3.0', 'rc', [3]],
    ['rc.0 counts', ['v1.3.0-rc.0'], 'v', '1.3.0', 'rc', [0]],
    ['invalid tags ignored', ['v1.3.0-rc.01', 'vv1.3.0-rc.6'], 'v', '1.3.0', 'rc', []],
  ])('%s', (_, tags, prefix, base, id, numbers) => {
    expect(prereleaseNumbers(tags, prefix, base, id)).toEqual(numbers);
  });
});
