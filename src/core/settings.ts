import semver from 'semver';
import { parseReleaseRules, type ReleaseRule } from './bump.js';
import { InputError } from './errors.js';
import type { VersionRules } from './version.js';

/** Every rule option of DESIGN.md, validated. The CLI and the actions both build it here. */
export interface VersionSettings extends VersionRules {
  tagPrefix: string;
  releaseRules: ReleaseRule[];
}

export interface RawVersionSettings {
  tagPrefix?: string | undefined;
  initialVersion?: string | undefined;
  preMajor?: boolean | undefined;
  prerelease?: string | undefined;
  releaseRules?: string | undefined;
}

/** How the caller names each setting, so errors quote the flag or input the user typed. */
export type SettingNames = Record<keyof RawVersionSettings, string>;

export const defaultVersionSettings: VersionSettings = {
  tagPrefix: 'v',
  initialVersion: '1.0.0',
  preMajor: false,
  prerelease: null,
  releaseRules: [],
};

// What git refuses in a ref name (git check-ref-format), plus whitespace. A version follows the
// prefix, so only the prefix's own components can start with a dot, be empty or end in `.lock`.
const badRefChars = /[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|(?:^|\/)\.|\/\/|\.lock\//;
const prereleaseId = /^(?!\d+$)[0-9A-Za-z-]+$/;

export function versionSettings(raw: RawVersionSettings, names: SettingNames): VersionSettings {
  const tagPrefix = raw.tagPrefix ?? defaultVersionSettings.tagPrefix;
  if (badRefChars.test(tagPrefix) || tagPrefix.startsWith('-') || tagPrefix.startsWith('/')) {
    throw new InputError(names.tagPrefix, tagPrefix, 'a tag prefix git accepts in a tag name, such as "v" or "synapse-v"');
  }
  const initial = raw.initialVersion?.trim() || defaultVersionSettings.initialVersion;
  const initialVersion = semver.valid(initial);
  if (!initialVersion || semver.prerelease(initialVersion)) {
    throw new InputError(names.initialVersion, initial, 'a stable semantic version such as 1.0.0 or 0.1.0');
  }
  const prerelease = raw.prerelease?.trim() || null;
  if (prerelease !== null && !prereleaseId.test(prerelease)) {
    throw new InputError(names.prerelease, prerelease, 'a prerelease identifier of letters, digits and hyphens, such as rc or beta');
  }
  return {
    tagPrefix,
    initialVersion,
    preMajor: raw.preMajor ?? false,
    prerelease,
    releaseRules: raw.releaseRules ? parseReleaseRules(raw.releaseRules, names.releaseRules) : [],
  };
}
