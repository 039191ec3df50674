import { resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import { openRepository } from '../flows/repository.js';
import { versionSettings, type VersionSettings } from '../core/settings.js';
import { flag, stringValue, type CliIO, type OptionSpec, type ParsedArgs } from './command.js';

export const cwdOption: Record<string, OptionSpec> = {
  cwd: { type: 'string', placeholder: 'DIR', help: 'the git repository to work in (default: the current directory)' },
};

export const jsonOption: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print one JSON object on stdout instead of text' },
};

/** The rule options of DESIGN.md, the same set as the version action's inputs. */
export const versionRuleOptions: Record<string, OptionSpec> = {
  'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
  'initial-version': { type: 'string', placeholder: 'X.Y.Z', help: 'version of the first release (default: 1.0.0)' },
  prerelease: { type: 'string', placeholder: 'ID', help: 'prerelease channel: the next version is <next>-ID.N' },
  'pre-major': { type: 'boolean', help: 'while the major version is 0, breaking changes bump minor' },
  'release-rules': { type: 'string', placeholder: 'RULES', help: 'extra bump rules, e.g. "build(deps)=patch, docs=none"' },
};

export function settingsFromArgs(args: ParsedArgs): VersionSettings {
  return versionSettings(
    {
      tagPrefix: stringValue(args, 'tag-prefix'),
      initialVersion: stringValue(args, 'initial-version'),
      prerelease: stringValue(args, 'prerelease'),
      preMajor: flag(args, 'pre-major'),
      releaseRules: stringValue(args, 'release-rules'),
    },
    {
      tagPrefix: '--tag-prefix',
      initialVersion: '--initial-version',
      prerelease: '--prerelease',
      preMajor: '--pre-major',
      releaseRules: '--release-rules',
    },
  );
}

/** The repository named by --cwd (or the current directory); a usage error when it is not one. */
export function repositoryFromArgs(args: ParsedArgs, io: CliIO): Promise<Git> {
  const given = stringValue(args, 'cwd') ?? '.';
  return openRepository(resolve(io.cwd, given), '--cwd', given);
}
