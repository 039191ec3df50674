import semver, { type SemVer } from 'semver';

export interface VersionTag {
  tag: string;
  version: SemVer;
}

/** `<prefix><semver>` exactly: `v1.2.3` with prefix `v`; not `v01.2.3`, `1.2.3` or `vv1.2.3`. */
export function parseVersionTag(tag: string, prefix: string): VersionTag | null {
  if (!tag.startsWith(prefix)) return null;
  const rest = tag.slice(prefix.length);
  // semver.parse also accepts a leading "v" and surrounding whitespace, even when not loose: that
  // would take "vv1.2.3" as a "v" tag and "v1.2.3" as a tag of the empty prefix.
  if (!/^[0-9]\S*$/.test(rest)) return null;
  const version = semver.parse(rest, { loose: false });
  return version ? { tag, version } : null;
}

/** The highest version tag by semver order; prerelease tags only when asked for. */
export function highestVersionTag(
  tags: Iterable<string>,
  prefix: string,
  options: { includePrerelease?: boolean } = {},
): VersionTag | null {
  let best: VersionTag | null = null;
  for (const tag of tags) {
    const parsed = parseVersionTag(tag, prefix);
    if (!parsed) continue;
    if (parsed.version.prerelease.length > 0 && !options.includePrerelease) continue;
    if (!best || semver.gt(parsed.version, best.version)) best = parsed;
  }
  return best;
}

/** The numbers N of existing `<prefix><base>-<id>.N` tags. */
export function prereleaseNumbers(tags: Iterable<string>, prefix: string, base: string, id: string): number[] {
  const numbers: number[] = [];
  for (const tag of tags) {
    const parsed = parseVersionTag(tag, prefix);
    if (!parsed || `${parsed.version.major}.${parsed.version.minor}.${parsed.version.patch}` !== base) continue;
    const [name, n] = parsed.version.prerelease;
    if (name === id && typeof n === 'number') numbers.push(n);
  }
  return numbers;
}
