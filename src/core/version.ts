import semver from 'semver';
import type { Bump } from './bump.js';
import { InputError } from './errors.js';

export interface VersionRules {
  /** The version of the first release, when there is no release tag yet. */
  initialVersion: string;
  /** While the major version is 0, breaking changes bump minor. */
  preMajor: boolean;
  /** A prerelease channel such as `rc`: the next version is `<next>-rc.N`. */
  prerelease: string | null;
}

export interface NextVersionInput {
  previous: string | null;
  bump: Bump;
  /** A `Release-As:` footer and the commit that carries it. */
  releaseAs: { value: string; sha: string } | null;
  rules: VersionRules;
  /** The N of the existing `<next>-<prerelease>.N` tags, for the prerelease channel. */
  existingPrereleaseNumbers?: (base: string) => number[];
}

export interface NextVersion {
  version: string;
  /** The bump the new version makes over the previous one (what the summary reports). */
  bump: Bump;
}

/** Which level `to` is over `from`: `1.2.3 → 1.3.0-rc.1` is minor. */
export function bumpBetween(from: string | null, to: string): Bump {
  if (from === null) return 'major';
  switch (semver.diff(from, to)) {
    case 'major':
    case 'premajor':
      return 'major';
    case 'minor':
    case 'preminor':
      return 'minor';
    case 'patch':
    case 'prepatch':
    case 'prerelease':
      return 'patch';
    default:
      return 'none';
  }
}

/** The bump the commits require once pre-1.0 mode is applied. */
export function effectiveBump(previous: string | null, bump: Bump, preMajor: boolean): Bump {
  if (preMajor && bump === 'major' && previous !== null && semver.major(previous) === 0) return 'minor';
  return bump;
}

/** The next version, or null when nothing calls for a release. */
export function nextVersion(input: NextVersionInput): NextVersion | null {
  const { previous, rules } = input;
  if (input.releaseAs !== null) return forcedVersion(previous, input.releaseAs);
  if (input.bump === 'none') return null;
  const bump = effectiveBump(previous, input.bump, rules.preMajor);
  const base = previous === null ? rules.initialVersion : semver.inc(previous, bump as Exclude<Bump, 'none'>)!;
  if (rules.prerelease === null) return { version: base, bump };
  const taken = input.existingPrereleaseNumbers?.(base) ?? [];
  const n = taken.length ? Math.max(...taken) + 1 : 1;
  return { version: `${base}-${rules.prerelease}.${n}`, bump };
}

function forcedVersion(previous: string | null, releaseAs: { value: string; sha: string }): NextVersion {
  const input = `Release-As footer of commit ${releaseAs.sha.slice(0, 7)}`;
  const version = semver.valid(releaseAs.value);
  if (!version) throw new InputError(input, releaseAs.value, 'a semantic version such as 2.0.0');
  if (previous !== null && !semver.gt(version, previous)) {
    throw new InputError(input, releaseAs.value, `a version greater than the last release ${previous}`);
  }
  return { version, bump: bumpBetween(previous, version) };
}

/** The parts of a version for workflow outputs: `1.3.0-rc.2` → 1, 3, 0, `rc.2`. */
export function versionParts(version: string): { major: number; minor: number; patch: number; prerelease: string } {
  const parsed = semver.parse(version);
  if (!parsed) throw new Error(`expected a semantic version, got ${JSON.stringify(version)}`);
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.join('.') };
}
