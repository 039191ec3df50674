import { InputError } from './errors.js';
import type { ConventionalCommit } from './commit.js';

export type Bump = 'major' | 'minor' | 'patch' | 'none';

const rank: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

export function compareBumps(a: Bump, b: Bump): number {
  return rank[a] - rank[b];
}

export function maxBump(a: Bump, b: Bump): Bump {
  return compareBumps(a, b) >= 0 ? a : b;
}

/** A release rule: commits of `type` (and `scope`, when given) bump `bump`. */
export interface ReleaseRule {
  type: string;
  scope?: string;
  bump: Bump;
}

export const defaultReleaseRules: readonly ReleaseRule[] = [
  { type: 'feat', bump: 'minor' },
  { type: 'fix', bump: 'patch' },
  { type: 'perf', bump: 'patch' },
];

const ruleEntry = /^([\w-]+)(?:\(([^()]+)\))?=(major|minor|patch|none)$/i;

/**
 * Parses `build(deps)=patch, docs=none` (commas or newlines between entries). User rules come before
 * the defaults, so they override them; within one list a rule with a scope wins over one without.
 */
export function parseReleaseRules(text: string, input = 'release-rules'): ReleaseRule[] {
  const rules: ReleaseRule[] = [];
  for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const m = ruleEntry.exec(entry.replace(/\s+/g, ''));
    if (!m) throw new InputError(input, entry, 'entries like "type=bump" or "type(scope)=bump" with bump major, minor, patch or none, e.g. "build(deps)=patch, docs=none"');
    const [, type, scope, bump] = m;
    rules.push({ type: type!.toLowerCase(), ...(scope ? { scope } : {}), bump: bump!.toLowerCase() as Bump });
  }
  return rules;
}

/**
 * Compiles rules into the bump a single commit asks for. Breaking changes are always major, whatever
 * the rules say. Compiled once because it runs for every commit of a long history.
 */
export function commitBumper(rules: readonly ReleaseRule[]): (commit: ConventionalCommit) => Bump {
  const byType = new Map<string, Bump>();
  const byScope = new Map<string, Bump>();
  // Reversed so that earlier rules (the user's) overwrite later ones (the defaults).
  for (const rule of [...rules, ...defaultReleaseRules].reverse()) {
    if (rule.scope === undefined) byType.set(rule.type, rule.bump);
    else byScope.set(`${rule.type}(${rule.scope})`, rule.bump);
  }
  return (commit) => {
    if (commit.type === null) return 'none';
    if (commit.breaking) return 'major';
    if (commit.scope !== null && byScope.size > 0) {
      const scoped = byScope.get(`${commit.type}(${commit.scope})`);
      if (scoped) return scoped;
    }
    return byType.get(commit.type) ?? 'none';
  };
}
