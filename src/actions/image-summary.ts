import type * as core from '@actions/core';
import type { ImageOutcome } from '../flows/image.js';

/** Each tag with the digest, the platforms, the cache hits, and what was left alone and why. */
export function imageSummary(summary: typeof core.summary, name: string, outcome: ImageOutcome): void {
  summary.addHeading(`Image ${name}`, 2);
  const state = outcome.existing ? 'already published from this commit: nothing built' : outcome.pushed ? 'pushed' : 'built, not pushed';
  summary.addRaw(`${state}; platforms ${outcome.platforms.join(', ')}; cache hits ${outcome.cacheHits}`, true);
  summary.addTable([
    [{ data: 'tag', header: true }, { data: 'digest', header: true }],
    ...outcome.tags.map((tag) => [`${name}:${tag}`, outcome.digest ?? '—']),
    ...outcome.held.map((h) => [`${name}:${h.tag}`, `not moved: ${h.reason}`]),
  ]);
  if (outcome.sizes.length) {
    summary.addTable([
      [{ data: 'platform', header: true }, { data: 'manifest', header: true }, { data: 'size', header: true }],
      ...outcome.sizes.map((p) => [p.platform, p.digest, megabytes(p.size)]),
    ]);
  }
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
