import semver from 'semver';
import type { Git } from '../adapters/git.js';
import { maxBump, type Bump } from '../core/bump.js';
import type { VersionSettings } from '../core/settings.js';
import { checkPushedTag, type TagProblem } from '../core/tag-check.js';
import { parseVersionTag } from '../core/tags.js';
import { bumpBetween, effectiveBump } from '../core/version.js';
import { describeRange, ensureFullHistory, type ShallowPolicy } from './history.js';
import type { VersionResult } from './version.js';

export interface TagCheckResult extends VersionResult {
  /** The bump the commits since the previous release require. */
  required: Bump;
  problem: TagProblem | null;
}

/**
 * A pushed tag, checked against the commits it releases. The result describes the tag as the
 * release (version = the tag's version) when the tag is a valid version tag, whatever the problem:
 * the caller decides whether a problem fails the run (strict) or only warns.
 */
export async function checkTag(
  git: Git,
  tag: string,
  options: { settings: VersionSettings; shallow: ShallowPolicy; collect?: boolean; log?: (line: string) => void },
): Promise<TagCheckResult> {
  const { settings } = options;
  await ensureFullHistory(git, options.shallow, options.log ?? (() => {}));
  const range = await describeRange(git, {
    settings,
    to: `refs/tags/${tag}`,
    excludeTag: tag,
    collect: options.collect ?? false,
  });
  const previousVersion = range.previous?.version.version ?? null;
  const required = effectiveBump(previousVersion, range.analysis.bump, settings.preMajor);
  const forced = semver.valid(range.analysis.releaseAs?.value ?? '') ?? null;
  const problem = checkPushedTag({ tag, prefix: settings.tagPrefix, previous: previousVersion, required, preMajor: settings.preMajor, forced });
  const version = parseVersionTag(tag, settings.tagPrefix)?.version.version ?? null;
  return {
    previousVersion,
    previousTag: range.previous?.tag ?? null,
    version,
    tag: version ? tag : null,
    // A first release reports the level its commits ask for, as computeVersion does.
    bump: !version ? 'none' : previousVersion ? bumpBetween(previousVersion, version) : maxBump(required, 'patch'),
    released: version !== null,
    commits: range.analysis.commits,
    head: range.head,
    reasons: range.analysis.reasons,
    counts: range.analysis.counts,
    included: range.analysis.included,
    releaseAs: forced,
    required,
    problem,
  };
}
