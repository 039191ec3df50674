import { parseShownTypes, type NotesOptions } from '../core/notes.js';
import { repositoryContext } from '../flows/repository.js';
import { stringValue, type CliIO, type OptionSpec, type ParsedArgs } from './command.js';
import { repositoryFromArgs, settingsFromArgs } from './shared-options.js';

export const notesOptions: Record<string, OptionSpec> = {
  'show-types': { type: 'string', placeholder: 'TYPES', help: 'also list these hidden types, e.g. "docs=Documentation, refactor=Refactoring"' },
};

export function notesOptionsFromArgs(args: ParsedArgs): NotesOptions | undefined {
  const shown = stringValue(args, 'show-types');
  return shown ? { shownTypes: parseShownTypes(shown, '--show-types') } : undefined;
}

/**
 * What every command that writes notes starts from: the rule flags and notes flags checked first
 * (bad input fails before anything is read), then the repository and where its links point.
 */
export async function notesCommandContext(args: ParsedArgs, io: CliIO) {
  const settings = settingsFromArgs(args);
  const notes = notesOptionsFromArgs(args);
  const git = await repositoryFromArgs(args, io);
  return { settings, notes, git, ...(await repositoryContext(git, io.env)) };
}
