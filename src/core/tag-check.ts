import semver from 'semver';
import { compareBumps, type Bump } from './bump.js';
import { parseVersionTag } from './tags.js';
import { bumpBetween, effectiveBump } from './version.js';

export type TagProblemKind = 'invalid' | 'not-greater' | 'under-bump';

export interface TagProblem {
  kind: TagProblemKind;
  message: string;
}

export interface PushedTag {
  tag: string;
  prefix: string;
  /** The last release before the pushed tag, as a version. */
  previous: string | null;
  /** The bump the commits since `previous` require. */
  required: Bump;
  preMajor: boolean;
  /** A `Release-As:` version in the range: it replaces the bump the commits require. */
  forced?: string | null;
}

/** Checks a pushed tag against the commits it releases; null when it is right. */
export function checkPushedTag(input: PushedTag): TagProblem | null {
  const parsed = parseVersionTag(input.tag, input.prefix);
  if (!parsed) {
    return {
      kind: 'invalid',
      message: `tag ${input.tag} is not a release tag: expected ${input.prefix}X.Y.Z (for example ${input.prefix}1.2.3)`,
    };
  }
  const version = parsed.version.version;
  const { previous } = input;
  if (previous === null) return null;
  if (!semver.gt(version, previous)) {
    return {
      kind: 'not-greater',
      message: `tag ${input.tag} is not greater than the last release ${input.prefix}${previous}`,
    };
  }
  if (input.forced) {
    if (semver.gte(version, input.forced)) return null;
    return {
      kind: 'under-bump',
      message: `tag ${input.tag} is below the version a Release-As footer forces: expected at least ${input.prefix}${input.forced}`,
    };
  }
  const required = effectiveBump(previous, input.required, input.preMajor);
  const actual = bumpBetween(previous, version);
  if (compareBumps(actual, required) < 0) {
    const expected = semver.inc(previous, required as semver.ReleaseType);
    return {
      kind: 'under-bump',
      message: `tag ${input.tag} is a ${actual} release, but the commits since ${input.prefix}${previous} require ${required}: expected at least ${input.prefix}${expected}`,
    };
  }
  return null;
}
