import type { Git, TaggedCommit } from '../adapters/git.js';
import type { ConventionalCommit } from '../core/commit.js';
import { CommitAnalyzer } from '../core/analyze.js';
import { InputError } from '../core/errors.js';
import type { RepoLinks } from '../core/links.js';
import { renderNotes, type NotesOptions } from '../core/notes.js';
import type { VersionSettings } from '../core/settings.js';
import { parseVersionTag, type VersionTag } from '../core/tags.js';
import { analyzeRange, describeRange, ensureFullHistory, type ShallowPolicy } from './history.js';
import { computeVersion, type VersionResult } from './version.js';

export interface NotesContext {
  settings: VersionSettings;
  links: RepoLinks | null;
  notes?: NotesOptions | undefined;
  shallow: ShallowPolicy;
  /** Today, for versions that have no tag yet. */
  today: Date;
  log?: (line: string) => void;
}

export interface RenderedNotes {
  version: string;
  tag: string;
  previousTag: string | null;
  date: string;
  markdown: string;
}

export const isoDate = (date: Date) => date.toISOString().slice(0, 10);

function render(
  release: Omit<RenderedNotes, 'markdown'>,
  commits: readonly ConventionalCommit[],
  context: Pick<NotesContext, 'links' | 'notes'>,
): RenderedNotes {
  const markdown = renderNotes({ ...release, commits, links: context.links, ...(context.notes ? { options: context.notes } : {}) });
  return { ...release, markdown };
}

/** Notes of a computed next version (computed with `collect`), dated today. */
export function notesForVersion(result: VersionResult, context: Pick<NotesContext, 'links' | 'notes' | 'today'>): RenderedNotes | null {
  if (!result.version || !result.tag) return null;
  const release = { version: result.version, tag: result.tag, previousTag: result.previousTag, date: isoDate(context.today) };
  return render(release, result.included, context);
}

/**
 * Notes of one release tag. When the tag exists they cover the commits since the release before it
 * and carry the date of the tagged commit; when it does not exist yet they are the notes of `ref`
 * (HEAD) released as that tag, dated today.
 */
export async function notesForTag(git: Git, tag: string, context: NotesContext & { ref?: string }): Promise<RenderedNotes> {
  const { settings } = context;
  const parsed = parseVersionTag(tag, settings.tagPrefix);
  if (!parsed) throw new InputError('tag', tag, `a release tag of the form ${settings.tagPrefix}X.Y.Z`);
  await ensureFullHistory(git, context.shallow, context.log ?? (() => {}));
  const exists = await git.tagExists(tag);
  const to = exists ? `refs/tags/${tag}` : (context.ref ?? 'HEAD');
  const range = await describeRange(git, { settings, to, excludeTag: tag, collect: true });
  const date = exists ? await git.commitDate(to) : isoDate(context.today);
  const release = { version: parsed.version.version, tag, previousTag: range.previous?.tag ?? null, date };
  return render(release, range.analysis.included, context);
}

/**
 * Notes as the CLI's `notes` asks: `to` defaults to HEAD. A release tag as `to` gives that release's
 * notes; any other `to` gives the notes of the next version computed for it. `from` overrides where
 * the range starts.
 */
export async function notesForRange(
  git: Git,
  range: { from?: string | undefined; to?: string | undefined },
  context: NotesContext,
): Promise<RenderedNotes | null> {
  const { settings } = context;
  const to = range.to ?? 'HEAD';
  const toTag = parseVersionTag(to, settings.tagPrefix) && (await git.tagExists(to)) ? to : null;
  if (!range.from) {
    if (toTag) return notesForTag(git, toTag, context);
    const result = await computeVersion(git, { settings, ref: to, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
    return notesForVersion(result, context);
  }
  await ensureFullHistory(git, context.shallow, context.log ?? (() => {}));
  const described = await describeRange(git, { settings, to, from: range.from, collect: true });
  const release = {
    version: toTag ? parseVersionTag(toTag, settings.tagPrefix)!.version.version : 'Unreleased',
    tag: toTag ?? to,
    previousTag: described.previous?.tag ?? null,
    date: toTag ? await git.commitDate(to) : isoDate(context.today),
  };
  return render(release, described.analysis.included, context);
}

/**
 * The notes of every release tag reachable from `to`, newest first: what `notes --all` prints to
 * backfill a release-notes.md. One listing of the tags, then one streamed range per release, a few
 * at a time, so a long history costs about one pass over it.
 */
export async function notesForAllTags(git: Git, context: NotesContext & { to?: string; concurrency?: number }): Promise<RenderedNotes[]> {
  const { settings } = context;
  await ensureFullHistory(git, context.shallow, context.log ?? (() => {}));
  const head = await git.resolveCommit(context.to ?? 'HEAD');
  if (!head) throw new InputError('to', context.to, 'a commit, branch or tag that exists in this repository');
  const releases = (await git.tagCommits({ mergedInto: head }))
    .map((t) => ({ ...t, parsed: parseVersionTag(t.name, settings.tagPrefix) }))
    .filter((t) => t.parsed !== null)
    .sort((a, b) => a.parsed!.version.compare(b.parsed!.version));
  const stable = releases.filter((t) => t.parsed!.version.prerelease.length === 0);
  const jobs = releases.map((release) => async () => {
    const { previous, analysis } = await sincePreviousRelease(git, stable, release, settings);
    const notes = { version: release.parsed!.version.version, tag: release.name, previousTag: previous?.name ?? null, date: release.date };
    return render(notes, analysis.included, context);
  });
  const rendered = await runLimited(jobs, context.concurrency ?? 4);
  return rendered.reverse();
}

type ParsedTag = TaggedCommit & { parsed: VersionTag | null };

/**
 * The commits since the highest stable release below `release` that it contains, as for a single
 * tag. Candidates are tried from the highest down and each range proves its own start (see
 * analyzeRange), so in a linear history this is one git log per release; a backport on another
 * branch (v1.1.1 beside v2.0.0) is passed over because v2.0.0 does not contain it.
 */
async function sincePreviousRelease(git: Git, stable: readonly ParsedTag[], release: ParsedTag, settings: VersionSettings) {
  const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: true });
  for (let i = stable.length - 1; i >= 0; i--) {
    const candidate = stable[i]!;
    if (candidate.parsed!.version.compare(release.parsed!.version) >= 0) continue;
    if (candidate.commit === release.commit) return { previous: candidate, analysis: analyzer().finish() };
    const attempt = await analyzeRange(git, { from: candidate.commit, to: release.commit }, analyzer(), candidate.commit);
    if (attempt.reachedStart) return { previous: candidate, analysis: attempt.analysis };
  }
  return { previous: null, analysis: (await analyzeRange(git, { from: null, to: release.commit }, analyzer())).analysis };
}

async function runLimited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
