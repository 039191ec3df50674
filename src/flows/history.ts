import type { Git } from '../adapters/git.js';
import { CommitAnalyzer, type Analysis } from '../core/analyze.js';
import { InputError, PreconditionError } from '../core/errors.js';
import type { VersionSettings } from '../core/settings.js';
import { highestVersionTag, type VersionTag } from '../core/tags.js';

/** What to do with a shallow clone: the action deepens it, the CLI stops with the fix. */
export type ShallowPolicy = 'deepen' | 'fail';

export const unshallowCommand = 'git fetch --unshallow --tags';

/** Never computes from an incomplete history: deepens it, or stops with the command that does. */
export async function ensureFullHistory(git: Git, policy: ShallowPolicy, log: (line: string) => void): Promise<void> {
  if (!(await git.isShallow())) return;
  if (policy === 'fail') {
    throw new PreconditionError(
      'this repository is a shallow clone, so the last release and the commits since it cannot be known',
      `${unshallowCommand}   (in actions/checkout: fetch-depth: 0)`,
    );
  }
  log(`Shallow clone detected: fetching the full history and tags (${unshallowCommand}).`);
  await git.deepen();
  if (await git.isShallow()) {
    throw new PreconditionError('the clone is still shallow after fetching its history', `${unshallowCommand}, or fetch-depth: 0 in actions/checkout`);
  }
}

export async function resolveRef(git: Git, ref: string, input: string): Promise<string> {
  const sha = await git.resolveCommit(ref);
  if (sha) return sha;
  if (ref === 'HEAD') throw new PreconditionError('HEAD has no commit yet: there is no history to version', 'commit something first, e.g. git commit --allow-empty -m "chore: start"');
  throw new InputError(input, ref, 'a commit, branch or tag that exists in this repository');
}

export interface RangeDescription {
  /** The commit the range ends at. */
  head: string;
  /** The last release before `head`, or the `from` the caller gave. */
  previous: VersionTag | null;
  /** The commit the range starts after, or null for the whole history. */
  from: string | null;
  analysis: Analysis;
}

export interface RangeOptions {
  settings: VersionSettings;
  /** Where the range ends (inclusive). */
  to: string;
  /** Where it starts (exclusive); by default the last release reachable from `to`. */
  from?: string | null;
  /** A tag that is not its own previous release (the pushed tag being checked). */
  excludeTag?: string;
  collect?: boolean;
}

/** The last release before `to` and the analysis of the commits since it, streamed from git. */
export async function describeRange(git: Git, options: RangeOptions): Promise<RangeDescription> {
  const { settings } = options;
  const head = await resolveRef(git, options.to, 'to');
  const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: options.collect ?? false });
  if (options.from) {
    const from = await resolveRef(git, options.from, 'from');
    const previous = highestVersionTag([options.from], settings.tagPrefix, { includePrerelease: true });
    return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
  }

  // Asking git which tags `head` contains walks the whole history, which costs more than the range.
  // So the highest release tag is tried first, and the range itself proves that `head` contains it:
  // git log --boundary lists the range's start at its edge exactly when it is an ancestor.
  const tagged = (await git.tagCommits()).filter((t) => t.name !== options.excludeTag);
  const highest = highestVersionTag(tagged.map((t) => t.name), settings.tagPrefix);
  const highestCommit = highest && tagged.find((t) => t.name === highest.tag)!.commit;
  if (highest && highestCommit === head) {
    return { head, previous: highest, from: head, analysis: analyzer().finish() };
  }
  if (highest && highestCommit) {
    const attempt = await analyzeRange(git, { from: highestCommit, to: head }, analyzer(), highestCommit);
    if (attempt.reachedStart) return { head, previous: highest, from: highestCommit, analysis: attempt.analysis };
  }
  // The highest tag is on another branch: let git find the highest one `head` contains.
  const reachable = (await git.tags({ mergedInto: head })).filter((t) => t !== options.excludeTag);
  const previous = highestVersionTag(reachable, settings.tagPrefix);
  const from = previous ? tagged.find((t) => t.name === previous.tag)!.commit : null;
  return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
}

/** Streams `from..to` through the analyzer; with `start`, also tells whether `to` contains it. */
export async function analyzeRange(
  git: Git,
  range: { from: string | null; to: string },
  analyzer: CommitAnalyzer,
  start?: string,
): Promise<{ analysis: Analysis; reachedStart: boolean }> {
  let reachedStart = false;
  for await (const commit of git.log(range, { boundary: start !== undefined })) {
    if (commit.boundary) {
      if (commit.sha === start) reachedStart = true;
    } else {
      analyzer.add(commit);
    }
  }
  return { analysis: analyzer.finish(), reachedStart };
}
