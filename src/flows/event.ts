import type { Git } from '../adapters/git.js';
import type { TagProblem } from '../core/tag-check.js';
import type { ShallowPolicy } from './history.js';
import { notesForVersion, type NotesContext, type RenderedNotes } from './notes.js';
import { checkTag } from './tag-check.js';
import { computeVersion, type VersionResult } from './version.js';

export interface RefVersion {
  /** `tag` on a tag ref: the pushed tag is the release; `branch` otherwise: a preview of the next one. */
  mode: 'tag' | 'branch';
  result: VersionResult;
  /** On a tag ref: why the tag does not match its commits. */
  problem: TagProblem | null;
  notes: RenderedNotes | null;
}

/** The version for the ref a workflow runs on: the pushed tag, checked, or the next version. */
export async function versionForRef(git: Git, ref: string, context: NotesContext & { shallow: ShallowPolicy }): Promise<RefVersion> {
  const common = { settings: context.settings, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) };
  if (ref.startsWith('refs/tags/')) {
    const checked = await checkTag(git, ref.slice('refs/tags/'.length), common);
    // A release is dated by its tagged commit, so re-runs render the same notes.
    const today = checked.released ? new Date(`${await git.commitDate(checked.head)}T00:00:00Z`) : context.today;
    return { mode: 'tag', result: checked, problem: checked.problem, notes: notesForVersion(checked, { ...context, today }) };
  }
  const result = await computeVersion(git, common);
  return { mode: 'branch', result, problem: null, notes: notesForVersion(result, context) };
}
