import semver from 'semver';
import { highestVersionTag, parseVersionTag } from './tags.js';

export interface ReleaseFlags {
  prerelease: boolean;
  /** Whether GitHub should mark this release as the repository's "Latest". */
  makeLatest: boolean;
}

/**
 * Decides how a GitHub Release for `version` is flagged. A stable release becomes "Latest" only
 * when no stable tag with the same prefix is newer, so that a patch to an old line (1.4.8 after
 * 2.0.0 exists) does not take "Latest" away from the newest line.
 */
export function releaseFlags(version: string, existingTags: readonly string[], prefix: string): ReleaseFlags {
  const parsed = parseVersionTag(version, '')?.version ?? null;
  if (parsed === null) {
    throw new Error(`Expected a semantic version without prefix, such as 1.2.3 or 1.3.0-rc.1, got "${version}"`);
  }
  if (parsed.prerelease.length > 0) return { prerelease: true, makeLatest: false };

  const highest = highestVersionTag(existingTags, prefix);
  const newerStableExists = highest !== null && semver.gt(highest.version, parsed);
  return { prerelease: false, makeLatest: !newerStableExists };
}
