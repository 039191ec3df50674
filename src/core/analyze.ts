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
  /** Where each reason's commit came in the stream (1 = newest), parallel to `reasons`. */
  private reasonPositions: number[] = [];
  private counts = { major: 0, minor: 0, patch: 0 };
  private releaseAs: Analysis['releaseAs'] = null;
  private included: ConventionalCommit[] = [];
  /** Open reverts by the first 7 characters of their target. */
  private openReverts = new Map<string, ConventionalCommit[]>();
  private openRevertPositions = new Map<ConventionalCommit, number>();
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
      this.openRevertPositions.set(commit, this.commits);
    } else {
      this.count(commit, this.bumpOf(commit), this.commits);
    }
    if (this.collect) this.included.push(commit);
  }

  finish(): Analysis {
    // Open reverts are counted only now, but they are newer than some commits counted before them:
    // put the reasons back in stream order (newest first) and keep the newest `maxReasons`.
    for (const reverts of this.openReverts.values()) {
      for (const revert of reverts) {
        this.count(revert, maxBump('patch', this.bumpOf(revert)), this.openRevertPositions.get(revert)!, false);
      }
    }
    this.openReverts.clear();
    this.openRevertPositions.clear();
    if (this.reasons.length > 1) {
      const order = this.reasons.map((reason, i) => ({ reason, position: this.reasonPositions[i]! }));
      order.sort((a, b) => a.position - b.position);
      order.length = Math.min(order.length, this.maxReasons);
      this.reasons = order.map((o) => o.reason);
      this.reasonPositions = order.map((o) => o.position);
    }
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
    this.openRevertPositions.delete(revert);
    if (this.collect) this.cancelled.add(revert.sha);
    return true;
  }

  /** `capped` false lets a reason in past `maxReasons`; `finish` then keeps the newest. */
  private count(commit: ConventionalCommit, bump: Bump, position: number, capped = true): void {
    if (bump === 'none') return;
    this.counts[bump]++;
    const order = compareBumps(bump, this.bump);
    if (order > 0) {
      this.bump = bump;
      this.reasons = [];
      this.reasonPositions = [];
    }
    if (order >= 0 && (!capped || this.reasons.length < this.maxReasons)) {
      this.reasons.push({ sha: commit.sha, header: commit.header, bump });
      this.reasonPositions.push(position);
    }
  }
}
