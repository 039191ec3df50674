import type { Git } from '../../adapters/git.js';
import { cutRelease, type ReleaseOutcome } from '../../flows/release.js';
import { flag, stringValue, type Command } from '../command.js';
import { notesCommandContext, notesOptions } from '../notes-options.js';
import { cwdOption, jsonOption, versionRuleOptions } from '../shared-options.js';

export const releaseCommand: Command = {
  name: 'release',
  summary: 'Cut a release locally: compute the version, update release-notes.md, commit chore(release) and tag it.',
  usage: 'release-flow release [--as X.Y.Z] [--prerelease ID] [--push] [--move-major-tag] [--dry-run] [--remote origin] [--file release-notes.md] [--json] [--cwd DIR]',
  options: {
    as: { type: 'string', placeholder: 'X.Y.Z', help: 'release this version instead of the computed one (must be greater than the last release)' },
    push: { type: 'boolean', help: 'push the branch and the tag, atomically (default: local only)' },
    'move-major-tag': { type: 'boolean', help: 'also point the major tag (v1) at the release, only forward and only for the highest stable release of its line' },
    'dry-run': { type: 'boolean', help: 'print what would happen and change nothing' },
    remote: { type: 'string', placeholder: 'NAME', help: 'the remote to push to (default: origin)' },
    file: { type: 'string', placeholder: 'FILE', help: 'the release notes file, relative to the repository (default: release-notes.md)' },
    ...jsonOption,
    ...cwdOption,
    ...versionRuleOptions,
    ...notesOptions,
  },
  async run(args, io) {
    const { settings, notes, git, links } = await notesCommandContext(args, io);
    const dryRun = flag(args, 'dry-run');
    const remote = stringValue(args, 'remote') ?? 'origin';
    const outcome = await cutRelease(git, {
      settings,
      as: stringValue(args, 'as'),
      file: stringValue(args, 'file') ?? 'release-notes.md',
      push: flag(args, 'push'),
      moveMajorTag: flag(args, 'move-major-tag'),
      remote,
      dryRun,
      links,
      notes,
      today: io.now(),
      log: (line) => io.stderr(`${line}\n`),
    });
    if (flag(args, 'json')) {
      io.stdout(JSON.stringify(outcomeJson(outcome)) + '\n');
      return 0;
    }
    const what = `${outcome.tag} (${outcome.bump}; previous: ${outcome.previousTag ?? 'none'})`;
    const lines = dryRun
      ? [
          `Dry run: nothing was changed. A release would:`,
          `  write the ${outcome.tag} section of ${outcome.file}`,
          `  commit "${outcome.commitMessage}" on ${outcome.branch}`,
          `  create the annotated tag ${outcome.tag}`,
          ...majorTagLines(outcome),
          outcome.pushed || flag(args, 'push') ? `  push ${outcome.branch} and ${outcome.tag} atomically` : `  not push (add --push)`,
          '',
          outcome.notes.markdown,
        ]
      : [
          `Released ${what}.`,
          ...majorTagLines(outcome),
          outcome.pushed ? `Pushed ${outcome.branch} and ${outcome.tag}.` : await notPushedHint(git, remote, outcome),
        ];
    io.stdout(lines.join('\n').trimEnd() + '\n');
    return 0;
  },
};

/** How to push what was released; when the remote does not exist, how to add it first. */
async function notPushedHint(git: Git, remote: string, { branch, tag, majorTag }: ReleaseOutcome): Promise<string> {
  // A moved major tag is a forced update of that one ref (`+v1`), as the release's own push does.
  const push = `git push --atomic ${remote} ${branch} ${tag}${majorTag?.move ? ` +${majorTag.tag}` : ''}`;
  if ((await git.remoteUrl(remote)) !== null) return `Not pushed. Push with: ${push}`;
  return `Not pushed: this repository has no remote "${remote}". Add it with: git remote add ${remote} <url>, then push with: ${push}`;
}

function majorTagLines({ majorTag, dryRun }: ReleaseOutcome): string[] {
  if (!majorTag) return [];
  if (dryRun) return [majorTag.move ? `  move ${majorTag.tag} to the release` : `  leave ${majorTag.tag} where it is: ${majorTag.reason}`];
  return [majorTag.move ? `Moved ${majorTag.tag} to the release.` : `Left ${majorTag.tag} where it is: ${majorTag.reason}.`];
}

/** What was released (or, on a dry run, would be). */
function outcomeJson(outcome: ReleaseOutcome) {
  const { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun, majorTag } = outcome;
  return { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun, majorTag, notes: outcome.notes.markdown };
}
