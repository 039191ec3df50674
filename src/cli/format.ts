import type { BumpReason } from '../core/analyze.js';
import type { VersionResult } from '../flows/version.js';

const short = (sha: string) => sha.slice(0, 7);

export function formatReasons(reasons: readonly BumpReason[], indent = '  '): string[] {
  return reasons.map((r) => `${indent}${r.bump.padEnd(5)} ${short(r.sha)} ${r.header}`);
}

/** One glance: the version, why, and from where. */
export function formatVersion(result: VersionResult): string {
  const since = result.previousTag ? `since ${result.previousTag}` : 'in the whole history (no release tag yet)';
  const commits = `${result.commits} commit${result.commits === 1 ? '' : 's'} ${since}`;
  if (!result.released) {
    return `No release: nothing releasable in ${commits}.\n`;
  }
  const lines = [`${result.tag}  (${result.bump}; previous: ${result.previousTag ?? 'none'}; ${commits})`];
  if (result.reasons.length) {
    lines.push(`Bumped ${result.bump} by:`);
    lines.push(...formatReasons(result.reasons));
    const more = result.counts[result.bump as 'major' | 'minor' | 'patch'] - result.reasons.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  return lines.join('\n') + '\n';
}
