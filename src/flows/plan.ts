import type { Git } from '../adapters/git.js';
import { releaseFlags, type ReleaseFlags } from '../core/release-flags.js';
import { notesForVersion, type NotesContext, type RenderedNotes } from './notes.js';
import { computeVersion, type VersionResult } from './version.js';

export interface Plan {
  branch: string | null;
  /** What a push of HEAD to main does now: the version preview of the job summary. */
  mainPush: VersionResult;
  /** What pushing the next release tag at HEAD does now; null when there is nothing to release. */
  tagPush: (ReleaseFlags & { tag: string; version: string; notes: RenderedNotes }) | null;
}

/** Both triggers of DESIGN.md, previewed for the repository as it is now. Changes nothing. */
export async function plan(git: Git, context: NotesContext): Promise<Plan> {
  const mainPush = await computeVersion(git, { settings: context.settings, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
  const branch = await git.currentBranch();
  const notes = notesForVersion(mainPush, context);
  if (!notes || !mainPush.version) return { branch, mainPush, tagPush: null };
  const flags = releaseFlags(mainPush.version, await git.tags(), context.settings.tagPrefix);
  return { branch, mainPush, tagPush: { tag: notes.tag, version: notes.version, notes, ...flags } };
}
