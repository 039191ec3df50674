import { commitBumper, compareBumps, maxBump, type Bump, type ReleaseRule } from './bump.js';
import { parseCommit, type ConventionalCommit, type RawCommit } from './commit.js';

/** A commit that asked for the bump that was chosen. */
export interface BumpReason {
  sha: string;
  header: string;
  bump: Bump;
}

export interface Analysis {
  bump: Bump;
  /** Commits in the range, merges included. */
  commits: number;
  /** The commits that asked for `bump` (at most `maxReasons`), newest first. */
  reasons: BumpReason[];
  /** How many commits asked for each level. */
  counts: Record<Exclude<Bump, 'none'>, number>;
  /** The newest `Release-As:` footer in the range. */
  releaseAs: { value: string; sha: string } | null;
  /** With `collect`: the commits that count, newest first (merges and cancelled pairs removed). */
  included: ConventionalCommit[];
}

export interface AnalyzerOptions {
  rules?: readonly ReleaseRule[];
  /** Keep the parsed commits for release notes. Off for version-only runs, to keep memory flat. */
  collect?: boolean;
  maxReasons?: number;
}

const abbreviated = 7;

/**
 * Folds a range of commits, newest first (as `git log` streams them), into the bump it asks for.
 *
 * Only what the answer needs is kept: a revert and its target cancel each other, and because a revert
 * always comes before its target in this order, an open revert is remembered only until its target
 * shows up. Reverts whose target is outside the range revert something released earlier: patch.
 */
export class CommitAnalyzer {
  private readonly bumpOf: (c: ConventionalCommit) => Bump;
  private readonly collect: boolean;
  private readonly maxReasons: number;
  private bump: Bump = 'none';
  private commits = 0;
  private reasons: BumpReason[] = [];
  private counts = { major: 0, minor: 0, patch: 0 };
  private releaseAs: Analysis['releaseAs'] = null;
  private included: ConventionalCommit[] = [];
  /** Open reverts by the first 7 characters of their target. */
  private openReverts = new Map<string, ConventionalCommit[]>();
  private cancelled = new Set<string>();

  constructor(options: AnalyzerOptions = {}) {
    this.bumpOf = commitBumper(options.rules ?? []);
    this.collect = options.collect ?? false;
    this.maxReasons = options.maxReasons ?? 20;
  }

  add(raw: RawCommit): void {
    this.commits++;
    if (raw.parents.length > 1) return;
    const commit = parseCommit(raw);
    if (this.revertedInRange(commit)) return;
    if (commit.releaseAs && !this.releaseAs) this.releaseAs = { value: commit.releaseAs, sha: commit.sha };
    if (commit.reverts) {
      const key = commit.reverts.slice(0, abbreviated);
      this.openReverts.set(key, [...(this.openReverts.get(key) ?? []), commit]);
    } else {
      this.count(commit, this.bumpOf(commit));
    }
    if (this.collect) this.included.push(commit);
  }

  finish(): Analysis {
    for (const reverts of this.openReverts.values()) {
      for (const revert of reverts) this.count(revert, maxBump('patch', this.bumpOf(revert)));
    }
    this.openReverts.clear();
    return {
      bump: this.bump,
      commits: this.commits,
      reasons: this.reasons,
      counts: this.counts,
      releaseAs: this.releaseAs,
      included: this.cancelled.size ? this.included.filter((c) => !this.cancelled.has(c.sha)) : this.included,
    };
  }

  /** True when a newer revert in the range targets this commit; both then count for nothing. */
  private revertedInRange(commit: ConventionalCommit): boolean {
    const key = commit.sha.slice(0, abbreviated);
    const candidates = this.openReverts.get(key);
    const revert = candidates?.find((r) => commit.sha.startsWith(r.reverts!));
    if (!revert) return false;
    const rest = candidates!.filter((r) => r !== revert);
    if (rest.length) this.openReverts.set(key, rest);
    else this.openReverts.delete(key);
    if (this.collect) this.cancelled.add(revert.sha);
    return true;
  }

  private count(commit: ConventionalCommit, bump: Bump): void {
    if (bump === 'none') return;
    this.counts[bump]++;
    const order = compareBumps(bump, this.bump);
    if (order > 0) {
      this.bump = bump;
      this.reasons = [];
    }
    if (order >= 0 && this.reasons.length < this.maxReasons) {
      this.reasons.push({ sha: commit.sha, header: commit.header, bump });
    }
  }
}
