import semver from 'semver';
import type { CacheMode } from './buildx.js';
import { InputError } from './errors.js';
import { parseImageName, type ImageName } from './image-ref.js';
import type { ImageTarget } from './image-tags.js';
import { parsePlatforms } from './platforms.js';

/** The image options of the CLI and the action, before any I/O; validated in one place. */
export interface RawImageSettings {
  image?: string | undefined;
  version?: string | undefined;
  main?: boolean | undefined;
  platforms?: string | undefined;
  cache?: string | undefined;
  /** One `KEY=VALUE` text (lines; commas on a single line) or entries that are one pair each. */
  buildArgs?: string | string[] | undefined;
  labels?: string | string[] | undefined;
}

export type ImageSettingNames = Record<keyof RawImageSettings, string>;

export interface ImageSettings {
  image: ImageName;
  target: ImageTarget;
  platforms: string[];
  cache: CacheMode;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

const cacheModes: readonly CacheMode[] = ['registry', 'gha', 'none'];

export function imageSettings(raw: RawImageSettings, names: ImageSettingNames): ImageSettings {
  if (!raw.image) throw new InputError(names.image, raw.image ?? '', 'an image name such as ghcr.io/owner/synapse');
  const image = parseImageName(raw.image, names.image);
  const version = raw.version?.trim() || '';
  if (version && raw.main) throw new InputError(names.main, true, `either ${names.version} or ${names.main}, not both`);
  if (!version && !raw.main) throw new InputError(names.version, '', `a release version such as 1.4.0, or ${names.main} for a build of main`);
  // semver.valid takes one optional leading `v`: `1.4.0` and `v1.4.0`, not `vv1.4.0` or `V1.4.0`.
  const valid = version ? semver.valid(version) : null;
  if (version && !valid) {
    throw new InputError(names.version, version, 'a semantic version such as 1.4.0 or v1.4.0 (the version action\'s output)');
  }
  const target: ImageTarget = valid ? { kind: 'version', version: valid } : { kind: 'main' };
  const cache = (raw.cache?.trim() || 'registry') as CacheMode;
  if (!cacheModes.includes(cache)) throw new InputError(names.cache, raw.cache, `one of ${cacheModes.join(', ')}`);
  return {
    image,
    target,
    platforms: parsePlatforms(raw.platforms ?? '', names.platforms),
    cache,
    buildArgs: keyValues(raw.buildArgs, names.buildArgs),
    labels: keyValues(raw.labels, names.labels),
  };
}

/** A repeated CLI flag gives one pair per entry, so `--label 'd=Hello, world'` keeps its comma. */
function keyValues(raw: string | string[] | undefined, input: string): Record<string, string> {
  if (Array.isArray(raw)) return Object.assign({}, ...raw.map((entry) => parseKeyValues(entry, input, { lines: true })));
  return parseKeyValues(raw ?? '', input);
}

/**
 * `KEY=VALUE` per line: build args, labels, secrets. Without newlines, commas also separate entries
 * (`A=1,B=2`), except for `lines: true`, which is for secrets: their values may hold commas, and a
 * bad entry is named by its line number, never by its text (it may be a secret's value).
 */
export function parseKeyValues(text: string, input: string, options: { lines?: boolean } = {}): Record<string, string> {
  const entries = text.includes('\n') || options.lines ? text.split('\n') : text.split(',');
  const values: Record<string, string> = {};
  for (const [index, raw] of entries.entries()) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      const shown = options.lines ? `line ${index + 1} (its text is not shown: it may hold a secret)` : entry;
      throw new InputError(input, shown, 'KEY=VALUE entries, one per line');
    }
    values[entry.slice(0, eq).trim()] = entry.slice(eq + 1);
  }
  return values;
}
