import semver from 'semver';
import type { Git } from '../adapters/git.js';
import type { BumpReason } from '../core/analyze.js';
import type { Bump } from '../core/bump.js';
import type { ConventionalCommit } from '../core/commit.js';
import type { VersionSettings } from '../core/settings.js';
import { prereleaseNumbers } from '../core/tags.js';
import { nextVersion } from '../core/version.js';
import { describeRange, ensureFullHistory, type ShallowPolicy } from './history.js';

/** The contract of `release-flow version --json` (DESIGN.md), plus what summaries need. */
export interface VersionResult {
  previousVersion: string | null;
  previousTag: string | null;
  version: string | null;
  tag: string | null;
  bump: Bump;
  released: boolean;
  commits: number;
  /** The commit the version is computed for. */
  head: string;
  reasons: BumpReason[];
  counts: Record<Exclude<Bump, 'none'>, number>;
  /** With `collect`: the commits that go into release notes. */
  included: ConventionalCommit[];
  /** The version a valid `Release-As:` footer in the range forces, if any. */
  releaseAs: string | null;
}

export interface VersionFlowOptions {
  settings: VersionSettings;
  ref?: string;
  shallow: ShallowPolicy;
  collect?: boolean;
  log?: (line: string) => void;
}

/** The next version for `ref` (HEAD by default) from the commits since the last release. */
export async function computeVersion(git: Git, options: VersionFlowOptions): Promise<VersionResult> {
  const { settings } = options;
  await ensureFullHistory(git, options.shallow, options.log ?? (() => {}));
  const range = await describeRange(git, { settings, to: options.ref ?? 'HEAD', collect: options.collect ?? false });
  const previousVersion = range.previous?.version.version ?? null;
  const { analysis } = range;
  const allTags = settings.prerelease ? await git.tags() : [];
  const next = nextVersion({
    previous: previousVersion,
    bump: analysis.bump,
    releaseAs: analysis.releaseAs,
    rules: settings,
    existingPrereleaseNumbers: (base) => prereleaseNumbers(allTags, settings.tagPrefix, base, settings.prerelease!),
  });
  return {
    previousVersion,
    previousTag: range.previous?.tag ?? null,
    version: next?.version ?? null,
    tag: next ? `${settings.tagPrefix}${next.version}` : null,
    bump: next?.bump ?? 'none',
    released: next !== null,
    commits: analysis.commits,
    head: range.head,
    reasons: analysis.reasons,
    counts: analysis.counts,
    included: analysis.included,
    releaseAs: semver.valid(analysis.releaseAs?.value ?? '') ?? null,
  };
}

/** Exactly the JSON object of DESIGN.md's `version --json`. */
export function versionJson(result: VersionResult) {
  const { previousVersion, previousTag, version, tag, bump, released, commits } = result;
  return { previousVersion, previousTag, version, tag, bump, released, commits };
}
