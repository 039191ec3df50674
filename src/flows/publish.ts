import { resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import type { GitHubReleases } from '../adapters/github.js';
import { InputError } from '../core/errors.js';
import { releaseFlags, type ReleaseFlags } from '../core/release-flags.js';
import { notesForTag, type NotesContext, type RenderedNotes } from './notes.js';
import { writeNotesFile } from './notes-file.js';

export interface PublishOptions extends NotesContext {
  tag: string;
  /** The notes file to update, relative to the repository; null to leave files alone. */
  file: string | null;
  /** `owner/name`; needed when a GitHub Release is made. */
  repository: string | null;
  releaseName?: string | undefined;
}

export interface PublishOutcome {
  notes: RenderedNotes;
  file: string | null;
  release: ({ id: number; url: string; created: boolean } & ReleaseFlags) | null;
}

/** The notes of a release tag, into the notes file and the GitHub Release (created or updated). */
export async function publishRelease(git: Git, github: GitHubReleases | null, options: PublishOptions): Promise<PublishOutcome> {
  if (github && !options.repository?.includes('/')) {
    throw new InputError('repository', options.repository, 'owner/name (GITHUB_REPOSITORY), to know where the GitHub Release goes');
  }
  const notes = await notesForTag(git, options.tag, options);
  // The GitHub Release first: when the API refuses, the step fails with the workspace untouched.
  const release = github ? await upsertGitHubRelease(git, github, notes, options) : null;
  let file: string | null = null;
  if (options.file) {
    file = resolve(git.cwd, options.file);
    options.log?.(`Writing the ${notes.tag} section of ${options.file}`);
    await writeNotesFile(file, notes.markdown, notes.version);
  }
  return { notes, file, release };
}

async function upsertGitHubRelease(git: Git, github: GitHubReleases, notes: RenderedNotes, options: PublishOptions): Promise<PublishOutcome['release']> {
  const flags = releaseFlags(notes.version, [...(await git.tags()), notes.tag], options.settings.tagPrefix);
  const [owner, repo] = options.repository!.split('/') as [string, string];
  const target = (await git.tagExists(notes.tag)) ? undefined : await git.resolveCommit('HEAD');
  const release = await github.upsertRelease({
    owner,
    repo,
    tag: notes.tag,
    name: options.releaseName || notes.tag,
    body: notes.markdown,
    prerelease: flags.prerelease,
    makeLatest: flags.makeLatest,
    ...(target ? { targetCommitish: target } : {}),
  });
  options.log?.(`${release.created ? 'Created' : 'Updated'} the GitHub Release ${notes.tag}: ${release.url}`);
  return { ...release, ...flags };
}
