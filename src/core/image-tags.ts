import semver from 'semver';
import { InputError } from './errors.js';
import { isValidTag } from './image-ref.js';

/** What an image build publishes: a release version, or the head of main. */
export type ImageTarget = { kind: 'version'; version: string } | { kind: 'main' };

export interface ImageTags {
  /** Tags that are never moved once pushed: `vX.Y.Z` for a release, `sha-<7>` on main. */
  immutable: string[];
  /** Tags that follow the newest build: `latest` on main, `vX.Y` and `vX` for releases when asked. */
  moving: string[];
  /** Floating tags left where they are because a newer release of their line exists. */
  held: { tag: string; reason: string }[];
}

export interface ImageTagOptions {
  /** The commit the image is built from. */
  sha: string;
  tagPrefix?: string;
  /** Also `vX.Y` and `vX` for stable releases. */
  floating?: boolean;
  /** Released versions (from the release tags): a floating tag only moves to the highest of its line. */
  released?: readonly string[];
}

/**
 * The tags of DESIGN.md: on main `latest` and `sha-<7>`; on a version `vX.Y.Z`, plus `vX.Y` and
 * `vX` when asked, never for a prerelease. No hidden defaults: what is pushed is exactly this.
 */
export function imageTags(target: ImageTarget, options: ImageTagOptions): ImageTags {
  const prefix = options.tagPrefix ?? 'v';
  if (target.kind === 'main') {
    if (!/^[0-9a-f]{7,40}$/.test(options.sha)) throw new InputError('sha', options.sha, 'a commit sha of 7 to 40 hex characters');
    return { immutable: [`sha-${options.sha.slice(0, 7)}`], moving: ['latest'], held: [] };
  }
  // semver itself takes one optional leading `v` (and only one: `vv1.2.3` is not a version).
  const version = semver.parse(target.version);
  if (!version) throw new InputError('version', target.version, 'a semantic version such as 1.4.0 (or v1.4.0)');
  const exact = `${prefix}${version.version}`;
  if (!isValidTag(exact)) {
    throw new InputError('tag-prefix', prefix, 'a prefix that makes a valid image tag (letters, digits, _ . -; no "/"), such as v');
  }
  const stable = version.prerelease.length === 0;
  const moving: string[] = [];
  const held: ImageTags['held'] = [];
  if (options.floating && stable) {
    const others = (options.released ?? []).map((v) => semver.parse(v)).filter((v): v is semver.SemVer => v !== null && v.prerelease.length === 0);
    const lines: [string, (v: semver.SemVer) => boolean][] = [
      [`${prefix}${version.major}.${version.minor}`, (v) => v.major === version.major && v.minor === version.minor],
      [`${prefix}${version.major}`, (v) => v.major === version.major],
    ];
    for (const [tag, sameLine] of lines) {
      const newer = others.filter((v) => sameLine(v) && semver.gt(v, version)).sort(semver.rcompare)[0];
      if (newer) held.push({ tag, reason: `${prefix}${newer.version} is a newer release of its line` });
      else moving.push(tag);
    }
  }
  return { immutable: [exact], moving, held };
}
