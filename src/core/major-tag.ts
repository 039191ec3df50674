import semver from 'semver';

/**
 * The major tag (`v1`) that action users pin follows the highest stable release of its major line,
 * and only moves forward: users who pinned `@v1` must never be taken back to older code.
 */
export interface MajorTagInput {
  /** The release being cut, e.g. `1.4.0`. */
  version: string;
  tagPrefix: string;
  /** Every release version already tagged (the new one may be among them). */
  releasedVersions: readonly string[];
  /** Where the major tag points now: null when it does not exist yet. */
  current: { isAncestorOfRelease: boolean } | null;
}

export type MajorTagDecision = { move: true; tag: string } | { move: false; tag: string; reason: string };

export function majorTagDecision(input: MajorTagInput): MajorTagDecision {
  const version = semver.parse(input.version);
  if (!version) throw new Error(`expected a semantic version, got ${JSON.stringify(input.version)}`);
  const tag = `${input.tagPrefix}${version.major}`;
  if (version.prerelease.length > 0) return { move: false, tag, reason: `${input.version} is a prerelease; ${tag} follows stable releases only` };
  const newer = input.releasedVersions.find(
    (other) => semver.valid(other) && semver.prerelease(other) === null && semver.major(other) === version.major && semver.gt(other, version),
  );
  if (newer) return { move: false, tag, reason: `${input.tagPrefix}${newer} is newer in the ${tag} line; ${tag} stays there` };
  if (input.current && !input.current.isAncestorOfRelease) {
    return { move: false, tag, reason: `${tag} points at a commit that ${input.tagPrefix}${input.version} does not contain; ${tag} only moves forward` };
  }
  return { move: true, tag };
}
