import { isAbsolute, relative, resolve } from 'node:path';
import semver from 'semver';
import type { Git } from '../adapters/git.js';
import type { Bump } from '../core/bump.js';
import { InputError, PreconditionError } from '../core/errors.js';
import type { RepoLinks } from '../core/links.js';
import type { NotesOptions } from '../core/notes.js';
import type { VersionSettings } from '../core/settings.js';
import { majorTagDecision, type MajorTagDecision } from '../core/major-tag.js';
import { checkPushedTag } from '../core/tag-check.js';
import { parseVersionTag } from '../core/tags.js';
import { bumpBetween } from '../core/version.js';
import { notesForVersion, type RenderedNotes } from './notes.js';
import { writeNotesFile } from './notes-file.js';
import { computeVersion, type VersionResult } from './version.js';

export interface ReleaseOptions {
  settings: VersionSettings;
  /** Force this version instead of the computed one. */
  as?: string | undefined;
  /** The notes file, relative to the repository root. */
  file: string;
  push: boolean;
  /** Also point the major tag (`v1`) at the release, when that moves it forward. */
  moveMajorTag?: boolean | undefined;
  remote: string;
  dryRun: boolean;
  links: RepoLinks | null;
  notes?: NotesOptions | undefined;
  today: Date;
  log: (line: string) => void;
}

export interface ReleaseOutcome {
  version: string;
  tag: string;
  previousTag: string | null;
  bump: Bump;
  branch: string;
  commitMessage: string;
  notes: RenderedNotes;
  file: string;
  /** The release commit; null on a dry run. */
  commit: string | null;
  pushed: boolean;
  dryRun: boolean;
  /** The major tag's fate when `moveMajorTag` was asked; null otherwise. */
  majorTag: MajorTagDecision | null;
}

/**
 * Cuts a release locally: version, notes file, `chore(release)` commit and annotated tag, pushed
 * atomically (branch and tag together, or neither) only when asked. Every refusal happens before
 * the first change.
 */
export async function cutRelease(git: Git, options: ReleaseOptions): Promise<ReleaseOutcome> {
  const branch = await git.currentBranch();
  if (branch === null) throw new PreconditionError('HEAD is detached: a release commit needs a branch', 'git switch main');
  if (options.push && (await git.remoteUrl(options.remote)) === null) {
    throw new PreconditionError(`there is no remote "${options.remote}" to push the release to`, `git remote add ${options.remote} <url>, or release without --push`);
  }
  if (await git.isDirty()) {
    throw new PreconditionError('the working tree has uncommitted changes, which the release commit would not contain', 'commit them, or git stash --include-untracked');
  }
  const root = await git.topLevel();
  const path = resolve(root, options.file);
  if (relative(root, path).startsWith('..') || isAbsolute(relative(root, path))) {
    throw new InputError('--file', options.file, `a path inside the repository ${root}, such as release-notes.md`);
  }
  const computed = await computeVersion(git, { settings: options.settings, shallow: 'fail', collect: true, log: options.log });
  const result = options.as ? { ...computed, ...forcedVersion(options.as, computed, options.settings) } : computed;
  if (!result.released || !result.version || !result.tag) {
    throw new PreconditionError(
      `nothing to release: no feat, fix, perf, revert or breaking commit in ${result.commits} commit(s) since ${result.previousTag ?? 'the start of history'}`,
      'commit a releasable change, or force a version with --as X.Y.Z',
    );
  }
  if (await git.tagExists(result.tag)) {
    throw new PreconditionError(`tag ${result.tag} already exists`, `choose another version with --as, or delete the tag if it was a mistake: git tag -d ${result.tag}`);
  }
  const notes = notesForVersion(result, options)!;
  const commitMessage = `chore(release): ${result.tag}`;
  const outcome: ReleaseOutcome = {
    version: result.version,
    tag: result.tag,
    previousTag: result.previousTag,
    bump: result.bump,
    branch,
    commitMessage,
    notes,
    file: options.file,
    commit: null,
    pushed: false,
    dryRun: options.dryRun,
    majorTag: options.moveMajorTag ? await majorTagFor(git, result.version, options.settings.tagPrefix) : null,
  };
  if (outcome.majorTag && !outcome.majorTag.move) options.log(`${outcome.majorTag.tag} not moved: ${outcome.majorTag.reason}`);
  if (options.dryRun) return outcome;

  options.log(`Writing the ${result.tag} section of ${relative(root, path)}`);
  await writeNotesFile(path, notes.markdown, result.version);
  await git.add([path]);
  outcome.commit = await git.commit(commitMessage);
  await git.createAnnotatedTag(result.tag, `Release ${result.tag}\n\n${notes.markdown}`);
  options.log(`Committed ${commitMessage} (${outcome.commit.slice(0, 7)}) and tagged ${result.tag}`);
  const refs = [`refs/heads/${branch}`, `refs/tags/${result.tag}`];
  if (outcome.majorTag?.move) {
    await git.moveTag(outcome.majorTag.tag, result.tag);
    options.log(`Moved ${outcome.majorTag.tag} to ${result.tag}`);
    // Forced for this ref only: moving a tag is a non-fast-forward update by git's rules.
    refs.push(`+refs/tags/${outcome.majorTag.tag}`);
  }
  if (options.push) {
    const names = refs.map((ref) => ref.replace(/refs\/(heads|tags)\//, ''));
    options.log(`Pushing ${names.join(' and ').replace('+', '')} to ${options.remote} (atomic)`);
    try {
      await git.push(options.remote, refs, { atomic: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason}\nThe release commit and tags exist locally; nothing was pushed. Retry with: git push --atomic ${options.remote} ${names.join(' ')}`);
    }
    outcome.pushed = true;
  }
  return outcome;
}

async function majorTagFor(git: Git, version: string, tagPrefix: string): Promise<MajorTagDecision> {
  const releasedVersions = (await git.tags())
    .map((tag) => parseVersionTag(tag, tagPrefix)?.version.version)
    .filter((found): found is string => found !== undefined);
  const name = `${tagPrefix}${semver.major(version)}`;
  const current = await git.resolveCommit(`refs/tags/${name}`);
  return majorTagDecision({
    version,
    tagPrefix,
    releasedVersions,
    current: current === null ? null : { isAncestorOfRelease: await git.isAncestor(current, 'HEAD') },
  });
}

/** `--as`: any version the tag check will accept, so the tag pipeline does not reject the release. */
function forcedVersion(as: string, computed: VersionResult, settings: VersionSettings) {
  const version = semver.valid(as);
  const previous = computed.previousVersion;
  if (!version) throw new InputError('--as', as, 'a semantic version such as 1.4.0');
  const tag = `${settings.tagPrefix}${version}`;
  const problem = checkPushedTag({
    tag,
    prefix: settings.tagPrefix,
    previous,
    required: computed.bump,
    preMajor: settings.preMajor,
    forced: computed.releaseAs,
  });
  if (problem) throw new InputError('--as', as, `a version the tag check accepts (${problem.message})`);
  return { version, tag, bump: bumpBetween(previous, version), released: true };
}
