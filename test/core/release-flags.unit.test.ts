import { describe, expect, it } from 'vitest';
import { releaseFlags } from '../../src/core/release-flags.js';

interface Case {
  name: string;
  version: string;
  tags: string[];
  prefix: string;
  prerelease: boolean;
  makeLatest: boolean;
}

const cases: Case[] = [
  { name: 'first release of a repository', version: '1.0.0', tags: [], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'newer than every tag', version: '1.3.0', tags: ['v1.0.0', 'v1.2.9'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'the same version is already tagged (re-run)', version: '1.2.0', tags: ['v1.1.0', 'v1.2.0'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'patch to an older line', version: '1.4.8', tags: ['v1.4.7', 'v2.0.0'], prefix: 'v', prerelease: false, makeLatest: false },
  { name: 'prerelease is never latest', version: '2.0.0-rc.1', tags: ['v1.0.0'], prefix: 'v', prerelease: true, makeLatest: false },
  { name: 'newer prereleases do not block a stable release', version: '1.5.0', tags: ['v1.4.0', 'v2.0.0-beta.1'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'stable release of a tagged prerelease', version: '2.0.0', tags: ['v2.0.0-rc.2'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'tags of another prefix are ignored', version: '1.0.0', tags: ['api-v3.0.0', '9.9.9'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'monorepo prefix', version: '1.1.0', tags: ['web@1.0.0', 'web@1.2.0', 'api@5.0.0'], prefix: 'web@', prerelease: false, makeLatest: false },
  { name: 'non-semver tags with the prefix are ignored', version: '1.0.0', tags: ['vnext', 'v2', 'v2.0', 'v-latest'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'empty prefix ignores v-tags', version: '1.0.0', tags: ['v2.0.0', '0.9.0'], prefix: '', prerelease: false, makeLatest: true },
  { name: 'empty prefix compares bare tags', version: '1.0.0', tags: ['2.0.0'], prefix: '', prerelease: false, makeLatest: false },
  { name: 'build metadata does not make a tag newer', version: '1.0.0', tags: ['v1.0.0+build.7'], prefix: 'v', prerelease: false, makeLatest: true },
  { name: 'numeric, not lexical, comparison', version: '1.10.0', tags: ['v1.9.0', 'v1.2.0'], prefix: 'v', prerelease: false, makeLatest: true },
];

describe('releaseFlags', () => {
  it.each(cases)('$name', ({ version, tags, prefix, prerelease, makeLatest }) => {
    expect(releaseFlags(version, tags, prefix)).toEqual({ prerelease, makeLatest });
  });

  it.each(['v1.0.0', '1.0', 'latest', ''])('rejects %j as the version, naming what was expected', (version) => {
    expect(() => releaseFlags(version, [], 'v')).toThrow(/Expected a semantic version.*got/);
  });
});
