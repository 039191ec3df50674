import { describe, expect, test } from 'vitest';
import { CommitAnalyzer, type Analysis, type AnalyzerOptions } from '../../src/core/analyze.js';
import type { Bump } from '../../src/core/bump.js';
import { parseReleaseRules } from '../../src/core/bump.js';
import type { RawCommit } from '../../src/core/commit.js';

/** A fake 40-hex sha whose first 7 characters differ for every n below 4096. */
function sha(n: number): string {
  return n.toString(16).padStart(4, '0').repeat(10);
}

/** A commit of the fake history: `n` names it, `msg` may quote other commits as {n} (full) or {n:7} (abbreviated). */
interface C {
  n: number;
  msg: string;
  merge?: boolean;
  /** Overrides the sha made from n (for shas that share a prefix). */
  sha?: string;
}

function shaOf(c: C): string {
  return c.sha ?? sha(c.n);
}

function toRaw(commits: C[]): RawCommit[] {
  const byN = new Map(commits.map((c) => [c.n, shaOf(c)]));
  return commits.map((c, i) => {
    const message = c.msg.replace(/\{(\d+)(?::(\d+))?\}/g, (_, n: string, len?: string) => {
      const full = byN.get(Number(n)) ?? sha(Number(n));
      return len ? full.slice(0, Number(len)) : full;
    });
    const parent = i + 1 < commits.length ? shaOf(commits[i + 1]!) : 'f'.repeat(40);
    const parents = c.merge ? [parent, 'e'.repeat(40)] : [parent];
    return { sha: shaOf(c), parents, message };
  });
}

function analyze(commits: C[], options: AnalyzerOptions = {}): Analysis {
  const analyzer = new CommitAnalyzer(options);
  for (const raw of toRaw(commits)) analyzer.add(raw);
  return analyzer.finish();
}

const gitRevert = (header: string, ref: string) => `Revert "${header}"\n\nThis reverts commit ${ref}.`;

interface Expected {
  bump: Bump;
  /** The n of the commits in `reasons`, in order. */
  reasons: number[];
  counts?: Partial<Record<'major' | 'minor' | 'patch', number>>;
}

// Commits are listed newest first, as git log streams them.
const cases: [string, C[], Expected][] = [
  ['no commits', [], { bump: 'none', reasons: [] }],
  ['only non-releasable commits', [{ n: 1, msg: 'docs: x' }, { n: 2, msg: 'chore: y' }, { n: 3, msg: 'Update README' }], { bump: 'none', reasons: [] }],
  ['one feat', [{ n: 1, msg: 'feat: x' }], { bump: 'minor', reasons: [1], counts: { minor: 1 } }],
  ['one fix', [{ n: 1, msg: 'fix: x' }], { bump: 'patch', reasons: [1], counts: { patch: 1 } }],
  ['one perf', [{ n: 1, msg: 'perf: x' }], { bump: 'patch', reasons: [1], counts: { patch: 1 } }],
  [
    'highest level wins; reasons are the commits of that level, newest first',
    [
      { n: 1, msg: 'fix: a' },
      { n: 2, msg: 'feat: b' },
      { n: 3, msg: 'docs: c' },
      { n: 4, msg: 'feat(api): d' },
      { n: 5, msg: 'perf: e' },
    ],
    { bump: 'minor', reasons: [2, 4], counts: { minor: 2, patch: 2 } },
  ],
  [
    'an older higher level replaces the reasons',
    [
      { n: 1, msg: 'fix: a' },
      { n: 2, msg: 'fix: b' },
      { n: 3, msg: 'feat: c' },
    ],
    { bump: 'minor', reasons: [3], counts: { minor: 1, patch: 2 } },
  ],
  [
    'breaking on any type is major',
    [
      { n: 1, msg: 'feat: a' },
      { n: 2, msg: 'chore!: drop node 18' },
      { n: 3, msg: 'docs: b\n\nBREAKING CHANGE: c' },
    ],
    { bump: 'major', reasons: [2, 3], counts: { major: 2, minor: 1 } },
  ],
  [
    'not breaking: lower-case and plural footers',
    [
      { n: 1, msg: 'fix: a\n\nbreaking change: b' },
      { n: 2, msg: 'fix: c\n\nBREAKING CHANGES: d' },
    ],
    { bump: 'patch', reasons: [1, 2], counts: { patch: 2 } },
  ],
  [
    'revert and its target in the range cancel (git style, full sha)',
    [
      { n: 1, msg: gitRevert('feat: b', '{2}') },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'revert and its target cancel, the rest counts',
    [
      { n: 1, msg: 'fix: a' },
      { n: 2, msg: gitRevert('feat: b', '{3}') },
      { n: 3, msg: 'feat: b' },
      { n: 4, msg: 'fix: c' },
    ],
    { bump: 'patch', reasons: [1, 4], counts: { patch: 2 } },
  ],
  [
    'a cancelled breaking change no longer counts',
    [
      { n: 1, msg: gitRevert('feat!: b', '{2}') },
      { n: 2, msg: 'feat!: b' },
      { n: 3, msg: 'feat: c' },
    ],
    { bump: 'minor', reasons: [3], counts: { minor: 1 } },
  ],
  [
    'conventional revert cancels its target',
    [
      { n: 1, msg: 'revert: feat: b\n\nThis reverts commit {2}.' },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'conventional revert with an upper-case type cancels its target',
    [
      { n: 1, msg: 'Revert: add b\n\nThis reverts commit {2}.' },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'revert with a 7-character sha cancels',
    [
      { n: 1, msg: gitRevert('feat: b', '{2:7}') },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'revert with a 10-character sha cancels',
    [
      { n: 1, msg: gitRevert('feat: b', '{2:10}') },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'revert with an upper-case sha cancels',
    [
      { n: 1, msg: gitRevert('feat: b', 'ABCDEF0111') },
      { n: 2, msg: 'feat: b', sha: 'abcdef0111' + '0'.repeat(30) },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'a 10-character sha picks its target among commits sharing 7 characters',
    [
      { n: 1, msg: gitRevert('fix: c', 'abcdef0222') },
      { n: 2, msg: 'feat: b', sha: 'abcdef0111' + '1'.repeat(30) },
      { n: 3, msg: 'fix: c', sha: 'abcdef0222' + '2'.repeat(30) },
    ],
    { bump: 'minor', reasons: [2], counts: { minor: 1 } },
  ],
  [
    'revert whose target is outside the range: patch',
    [{ n: 1, msg: gitRevert('feat: old', '{900}') }],
    { bump: 'patch', reasons: [1], counts: { patch: 1 } },
  ],
  [
    'revert of an old docs commit is still a patch',
    [{ n: 1, msg: gitRevert('docs: old', '{900:7}') }],
    { bump: 'patch', reasons: [1], counts: { patch: 1 } },
  ],
  [
    'breaking conventional revert outside the range: major',
    [{ n: 1, msg: 'revert!: drop old api\n\nThis reverts commit {900}.' }],
    { bump: 'major', reasons: [1], counts: { major: 1 } },
  ],
  [
    'revert outside the range and a fix: reasons newest first',
    [
      { n: 1, msg: gitRevert('feat: old', '{900}') },
      { n: 2, msg: 'fix: b' },
    ],
    { bump: 'patch', reasons: [1, 2], counts: { patch: 2 } },
  ],
  [
    'revert outside the range and older fixes, capped by maxReasons: the newest are kept',
    [
      { n: 1, msg: 'fix: a' },
      { n: 2, msg: gitRevert('feat: old', '{900}') },
      { n: 3, msg: 'fix: b' },
      { n: 4, msg: 'fix: c' },
    ],
    { bump: 'patch', reasons: [1, 2], counts: { patch: 4 } },
  ],
  [
    'revert of a revert restores the original',
    [
      { n: 1, msg: gitRevert('Revert "feat: b"', '{2}') },
      { n: 2, msg: gitRevert('feat: b', '{3}') },
      { n: 3, msg: 'feat: b' },
    ],
    { bump: 'minor', reasons: [3], counts: { minor: 1 } },
  ],
  [
    'revert of a revert with abbreviated shas restores the original',
    [
      { n: 1, msg: gitRevert('Revert "feat: b"', '{2:7}') },
      { n: 2, msg: gitRevert('feat: b', '{3:8}') },
      { n: 3, msg: 'feat: b' },
    ],
    { bump: 'minor', reasons: [3], counts: { minor: 1 } },
  ],
  [
    'revert of a revert of a revert removes it again',
    [
      { n: 1, msg: gitRevert('Revert "Revert "feat: b""', '{2}') },
      { n: 2, msg: gitRevert('Revert "feat: b"', '{3}') },
      { n: 3, msg: gitRevert('feat: b', '{4}') },
      { n: 4, msg: 'feat: b' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    'revert of a revert whose revert was released earlier: patch',
    [{ n: 1, msg: gitRevert('Revert "feat: b"', '{900}') }],
    { bump: 'patch', reasons: [1], counts: { patch: 1 } },
  ],
  [
    'two reverts of commits in the range',
    [
      { n: 1, msg: gitRevert('fix: c', '{4}') },
      { n: 2, msg: gitRevert('feat: b', '{3}') },
      { n: 3, msg: 'feat: b' },
      { n: 4, msg: 'fix: c' },
      { n: 5, msg: 'docs: d' },
    ],
    { bump: 'none', reasons: [] },
  ],
  [
    "a merge commit's own header is ignored",
    [
      { n: 1, msg: "feat!: x\n\nBREAKING CHANGE: y", merge: true },
      { n: 2, msg: 'fix: b' },
    ],
    { bump: 'patch', reasons: [2], counts: { patch: 1 } },
  ],
  [
    'the merged commits count',
    [
      { n: 1, msg: "Merge pull request #5 from octo/feature\n\nfeat: x", merge: true },
      { n: 2, msg: 'feat: b' },
      { n: 3, msg: 'fix: c' },
    ],
    { bump: 'minor', reasons: [2], counts: { minor: 1, patch: 1 } },
  ],
  [
    'a merge that looks like a revert reverts nothing',
    [
      { n: 1, msg: gitRevert('feat: b', '{2}'), merge: true },
      { n: 2, msg: 'feat: b' },
    ],
    { bump: 'minor', reasons: [2], counts: { minor: 1 } },
  ],
  [
    'rules apply',
    [
      { n: 1, msg: 'build(deps): bump x' },
      { n: 2, msg: 'docs: y' },
    ],
    { bump: 'patch', reasons: [1], counts: { patch: 1 } },
  ],
];

describe('CommitAnalyzer', () => {
  test.each(cases)('%s', (name, commits, expected) => {
    const rules = name === 'rules apply' ? parseReleaseRules('build(deps)=patch') : [];
    const maxReasons = name.includes('maxReasons') ? 2 : undefined;
    const analysis = analyze(commits, { rules, ...(maxReasons ? { maxReasons } : {}) });
    expect(analysis.bump).toBe(expected.bump);
    expect(analysis.commits).toBe(commits.length);
    const raws = toRaw(commits);
    const byN = new Map(raws.map((r, i) => [r.sha, commits[i]!.n]));
    expect(analysis.reasons.map((r) => byN.get(r.sha))).toEqual(expected.reasons);
    for (const r of analysis.reasons) {
      expect(r.bump).toBe(expected.bump);
      expect(r.header).toBe(raws.find((raw) => raw.sha === r.sha)!.message.split('\n')[0]);
    }
    expect(analysis.counts).toEqual({ major: 0, minor: 0, patch: 0, ...expected.counts });
    expect(analysis.releaseAs).toBeNull();
    expect(analysis.included).toEqual([]);
  });

  test('maxReasons caps the reasons, not the counts', () => {
    const commits = [1, 2, 3, 4, 5].map((n) => ({ n, msg: `fix: ${n}` }));
    const analysis = analyze(commits, { maxReasons: 3 });
    expect(analysis.reasons.map((r) => r.sha)).toEqual([sha(1), sha(2), sha(3)]);
    expect(analysis.counts.patch).toBe(5);
  });

  test('at most 20 reasons by default', () => {
    const commits = Array.from({ length: 30 }, (_, i) => ({ n: i + 1, msg: `feat: ${i}` }));
    const analysis = analyze(commits);
    expect(analysis.reasons).toHaveLength(20);
    expect(analysis.reasons[0]!.sha).toBe(sha(1));
    expect(analysis.counts.minor).toBe(30);
  });
});

describe('CommitAnalyzer: Release-As', () => {
  test.each<[string, C[], { value: string; n: number } | null]>([
    ['none', [{ n: 1, msg: 'feat: a' }], null],
    ['one footer', [{ n: 1, msg: 'fix: a' }, { n: 2, msg: 'chore: release\n\nRelease-As: 2.0.0' }], { value: '2.0.0', n: 2 }],
    [
      'the newest wins',
      [
        { n: 1, msg: 'chore: again\n\nRelease-As: 3.0.0' },
        { n: 2, msg: 'fix: a' },
        { n: 3, msg: 'chore: release\n\nRelease-As: 2.0.0' },
      ],
      { value: '3.0.0', n: 1 },
    ],
    ['token case-insensitive', [{ n: 1, msg: 'chore: x\n\nrelease-as: 1.4.0' }], { value: '1.4.0', n: 1 }],
    ['ignored on a merge commit', [{ n: 1, msg: 'Merge x\n\nRelease-As: 9.0.0', merge: true }, { n: 2, msg: 'fix: a' }], null],
    [
      'ignored on a commit reverted in the range',
      [
        { n: 1, msg: gitRevert('chore: release', '{2}') },
        { n: 2, msg: 'chore: release\n\nRelease-As: 2.0.0' },
      ],
      null,
    ],
    [
      'a reverted newer footer leaves the older one',
      [
        { n: 1, msg: gitRevert('chore: release', '{2}') },
        { n: 2, msg: 'chore: release\n\nRelease-As: 3.0.0' },
        { n: 3, msg: 'chore: release\n\nRelease-As: 2.0.0' },
      ],
      { value: '2.0.0', n: 3 },
    ],
  ])('%s', (_, commits, expected) => {
    const analysis = analyze(commits);
    expect(analysis.releaseAs).toEqual(expected ? { value: expected.value, sha: sha(expected.n) } : null);
  });

  test('Release-As does not change the bump', () => {
    expect(analyze([{ n: 1, msg: 'chore: release\n\nRelease-As: 2.0.0' }]).bump).toBe('none');
  });
});

describe('CommitAnalyzer: collect', () => {
  test.each<[string, C[], number[]]>([
    ['every single-parent commit, newest first', [{ n: 1, msg: 'feat: a' }, { n: 2, msg: 'docs: b' }, { n: 3, msg: 'Update README' }], [1, 2, 3]],
    ['merges are left out', [{ n: 1, msg: 'Merge branch x', merge: true }, { n: 2, msg: 'feat: a' }], [2]],
    [
      'a cancelled pair is left out',
      [
        { n: 1, msg: 'fix: a' },
        { n: 2, msg: gitRevert('feat: b', '{3}') },
        { n: 3, msg: 'feat: b' },
        { n: 4, msg: 'fix: c' },
      ],
      [1, 4],
    ],
    ['a revert of something released earlier stays', [{ n: 1, msg: gitRevert('feat: old', '{900}') }, { n: 2, msg: 'fix: a' }], [1, 2]],
    [
      'revert of a revert: only the original stays',
      [
        { n: 1, msg: gitRevert('Revert "feat: b"', '{2}') },
        { n: 2, msg: gitRevert('feat: b', '{3}') },
        { n: 3, msg: 'feat: b' },
      ],
      [3],
    ],
  ])('%s', (_, commits, expected) => {
    const analysis = analyze(commits, { collect: true });
    expect(analysis.included.map((c) => c.sha)).toEqual(expected.map((n) => sha(n)));
    expect(analysis.commits).toBe(commits.length);
  });

  test('collected commits are parsed', () => {
    const [c] = analyze([{ n: 1, msg: 'feat(api)!: a (#12)' }], { collect: true }).included;
    expect(c).toMatchObject({ type: 'feat', scope: 'api', breaking: true });
  });

  test('collect=false keeps nothing', () => {
    const analysis = analyze(
      [
        { n: 1, msg: 'feat: a' },
        { n: 2, msg: gitRevert('feat: old', '{900}') },
      ],
      { collect: false },
    );
    expect(analysis.included).toEqual([]);
    expect(analysis.bump).toBe('minor');
  });
});
