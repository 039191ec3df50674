import { parseShownTypes, type NotesOptions } from '../core/notes.js';
import { stringValue, type OptionSpec, type ParsedArgs } from './command.js';

export const notesOptions: Record<string, OptionSpec> = {
  'show-types': { type: 'string', placeholder: 'TYPES', help: 'also list these hidden types, e.g. "docs=Documentation, refactor=Refactoring"' },
};

export function notesOptionsFromArgs(args: ParsedArgs): NotesOptions | undefined {
  const shown = stringValue(args, 'show-types');
  return shown ? { shownTypes: parseShownTypes(shown, '--show-types') } : undefined;
}
