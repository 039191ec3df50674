import { plan } from '../../flows/plan.js';
import { versionJson } from '../../flows/version.js';
import { flag, type Command } from '../command.js';
import { formatVersion } from '../format.js';
import { notesCommandContext, notesOptions } from '../notes-options.js';
import { cwdOption, jsonOption, versionRuleOptions } from '../shared-options.js';

const indent = (text: string) => text.trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what a push to main and a release tag push would do now: version, why, and the notes.',
  usage: 'release-flow plan [--json] [--cwd DIR] [--tag-prefix v] [--prerelease ID] [--pre-major] [--release-rules RULES]',
  options: { ...jsonOption, ...cwdOption, ...versionRuleOptions, ...notesOptions },
  async run(args, io) {
    const { settings, notes, git, links, repository } = await notesCommandContext(args, io);
    const result = await plan(git, { settings, links, notes, shallow: 'fail', today: io.now() });
    const { mainPush, tagPush } = result;
    if (flag(args, 'json')) {
      const tag = tagPush && { tag: tagPush.tag, version: tagPush.version, prerelease: tagPush.prerelease, makeLatest: tagPush.makeLatest, notes: tagPush.notes.markdown };
      io.stdout(JSON.stringify({ repository, branch: result.branch, head: mainPush.head, mainPush: { ...versionJson(mainPush), reasons: mainPush.reasons }, tagPush: tag }) + '\n');
      return 0;
    }
    const lines = [
      `${repository ?? git.cwd} on ${result.branch ?? 'a detached HEAD'} at ${mainPush.head.slice(0, 7)}`,
      '',
      'Push to main now:',
      indent(formatVersion(mainPush)),
      '',
    ];
    if (tagPush) {
      lines.push(
        `Tag push now (release-flow release --push, or git tag ${tagPush.tag} && git push origin ${tagPush.tag}):`,
        `    the tag passes its check; GitHub Release ${tagPush.tag}${tagPush.prerelease ? ' (prerelease)' : ''}${tagPush.makeLatest ? ' (latest)' : ''} with these notes:`,
        '',
        indent(tagPush.notes.markdown),
      );
    } else {
      lines.push('Tag push now: nothing to release, so no release tag to push.');
    }
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
