import { computeVersion, versionJson } from '../../flows/version.js';
import { flag, type Command } from '../command.js';
import { formatVersion } from '../format.js';
import { cwdOption, jsonOption, repositoryFromArgs, settingsFromArgs, versionRuleOptions } from '../shared-options.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Compute the next semantic version from the Conventional Commits since the last release tag.',
  usage: 'release-flow version [--json] [--cwd DIR] [--tag-prefix v] [--initial-version X.Y.Z] [--prerelease ID] [--pre-major] [--release-rules RULES]',
  options: { ...jsonOption, ...cwdOption, ...versionRuleOptions },
  async run(args, io) {
    const settings = settingsFromArgs(args);
    const git = await repositoryFromArgs(args, io);
    const result = await computeVersion(git, { settings, shallow: 'fail' });
    io.stdout(flag(args, 'json') ? JSON.stringify(versionJson(result)) + '\n' : formatVersion(result));
    return 0;
  },
};
