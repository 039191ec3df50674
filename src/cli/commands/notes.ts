import { resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { parseVersionTag } from '../../core/tags.js';
import { notesForAllTags, notesForRange, type NotesContext } from '../../flows/notes.js';
import { writeNotesFile } from '../../flows/notes-file.js';
import { flag, stringValue, type Command } from '../command.js';
import { notesCommandContext, notesOptions } from '../notes-options.js';
import { cwdOption, jsonOption, versionRuleOptions } from '../shared-options.js';

export const notesCommand: Command = {
  name: 'notes',
  summary: 'Print the release notes of a range, a release tag or every release; optionally write them into release-notes.md.',
  usage: 'release-flow notes [--from REF] [--to REF] [--all] [--write FILE] [--json] [--cwd DIR] [--tag-prefix v] [--show-types TYPES]',
  options: {
    from: { type: 'string', placeholder: 'REF', help: 'start of the range, exclusive (default: the last release before --to)' },
    to: { type: 'string', placeholder: 'REF', help: 'end of the range (default: HEAD); a release tag gives that release\'s notes' },
    all: { type: 'boolean', help: 'the notes of every release tag reachable from --to, newest first' },
    write: { type: 'string', placeholder: 'FILE', help: 'put the section(s) into FILE (relative to --cwd, e.g. release-notes.md), in place, newest first' },
    ...jsonOption,
    ...cwdOption,
    ...versionRuleOptions,
    ...notesOptions,
  },
  async run(args, io) {
    if (flag(args, 'all') && stringValue(args, 'from')) {
      throw new InputError('--from', stringValue(args, 'from'), 'no --from with --all: every release starts at the release before it');
    }
    const { settings, notes, git, links } = await notesCommandContext(args, io);
    const context: NotesContext = { settings, links, notes, shallow: 'fail', today: io.now() };
    const to = stringValue(args, 'to');
    const sections = flag(args, 'all')
      ? await notesForAllTags(git, { ...context, ...(to ? { to } : {}) })
      : [await notesForRange(git, { from: stringValue(args, 'from'), to }, context)].filter((n) => n !== null);

    const file = stringValue(args, 'write');
    const unreleased = sections.find((s) => !parseVersionTag(s.tag, settings.tagPrefix));
    if (file && unreleased) {
      throw new InputError('--write', file, 'a range that ends at a release tag (--to vX.Y.Z): an unreleased range has no version to file its section under');
    }
    if (file) {
      const path = resolve(git.cwd, file);
      // Oldest first, so that each insertion lands above the previous one, as releases happen.
      for (const section of [...sections].reverse()) await writeNotesFile(path, section.markdown, section.version);
      io.stderr(`Wrote ${sections.length} section(s) into ${path}\n`);
    }
    if (flag(args, 'json')) {
      io.stdout(JSON.stringify({ releases: sections.map(({ version, tag, previousTag, date, markdown }) => ({ version, tag, previousTag, date, notes: markdown })), file: file ?? null }) + '\n');
    } else if (!file) {
      io.stdout(sections.length ? sections.map((s) => s.markdown).join('\n') : 'No release notes: nothing releasable in the range.\n');
    }
    return 0;
  },
};
