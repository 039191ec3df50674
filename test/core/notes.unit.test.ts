import { describe, expect, test } from 'vitest';
import { parseCommit, type ConventionalCommit } from '../../src/core/commit.js';
import { repoLinks } from '../../src/core/links.js';
import { defaultNotesSections, parseShownTypes, renderNotes, type NotesOptions } from '../../src/core/notes.js';

/** Commit n gets sha 000000n… so that its short sha is easy to read in the expected text. */
function sha(n: number): string {
  return String(n).padStart(7, '0') + 'e'.repeat(33);
}

type Message = string | { merge: string };

/** Newest first, like git log; `{ merge }` is a commit with two parents. */
function commits(...messages: Message[]): ConventionalCommit[] {
  return messages.map((m, i) =>
    typeof m === 'string'
      ? parseCommit({ sha: sha(i + 1), parents: ['p'], message: m })
      : parseCommit({ sha: sha(i + 1), parents: ['p', 'q'], message: m.merge }),
  );
}

const github = repoLinks('https://github.com', 'octo/app');

function plain(messages: Message[], options?: NotesOptions): string {
  return renderNotes({ version: '1.3.0', date: '2026-11-23', tag: 'v1.3.0', previousTag: 'v1.2.0', commits: commits(...messages), links: null, ...(options ? { options } : {}) });
}

const heading = '## 1.3.0 (2026-11-23)\n\n';

describe('renderNotes: which commits go where (no links)', () => {
  test.each<[string, Message[], string]>([
    [
      'default sections in their order, whatever the commit order',
      ['perf: cache lookups', 'fix: crash on empty input', 'feat: add export'],
      `${heading}### Features\n\n* add export (0000003)\n\n### Bug fixes\n\n* crash on empty input (0000002)\n\n### Performance\n\n* cache lookups (0000001)\n`,
    ],
    [
      'entries keep the input order (newest first)',
      ['feat: newest', 'fix: a fix', 'feat: older', 'feat: oldest'],
      `${heading}### Features\n\n* newest (0000001)\n* older (0000003)\n* oldest (0000004)\n\n### Bug fixes\n\n* a fix (0000002)\n`,
    ],
    [
      'scope in bold only when present',
      ['feat(api): add endpoint', 'feat: add flag'],
      `${heading}### Features\n\n* **api:** add endpoint (0000001)\n* add flag (0000002)\n`,
    ],
    [
      'type in upper case is still a feature',
      ['FEAT(ui): dark mode'],
      `${heading}### Features\n\n* **ui:** dark mode (0000001)\n`,
    ],
    [
      'hidden types are left out',
      ['docs: fix typo', 'chore: bump deps', 'refactor: split module', 'test: more cases', 'build: ncc', 'ci: cache', 'style: format', 'fix: real fix'],
      `${heading}### Bug fixes\n\n* real fix (0000008)\n`,
    ],
    [
      'only hidden types: no user-facing changes',
      ['docs: fix typo', 'chore: bump deps'],
      `${heading}_No user-facing changes._\n`,
    ],
    ['no commits at all', [], `${heading}_No user-facing changes._\n`],
    [
      'non-conventional commits never appear',
      ['Update README.md', 'wip', 'feat:missing space', 'fix: kept'],
      `${heading}### Bug fixes\n\n* kept (0000004)\n`,
    ],
    [
      'merge commits are skipped, even with a conventional header',
      [{ merge: 'feat: merge branch release' }, { merge: "Merge pull request #7 from octo/x\n\nfeat: x" }, 'feat: x'],
      `${heading}### Features\n\n* x (0000003)\n`,
    ],
    [
      'a breaking `!` commit without footer: listed once, no quote',
      ['feat(api)!: drop v1 endpoints', 'feat: add v2'],
      `${heading}### ⚠ Breaking changes\n\n* **api:** drop v1 endpoints (0000001)\n\n### Features\n\n* add v2 (0000002)\n`,
    ],
    [
      'a breaking footer is quoted inside the list item',
      ['fix: stricter parsing\n\nBREAKING CHANGE: numbers with a leading zero are rejected'],
      `${heading}### ⚠ Breaking changes\n\n* stricter parsing (0000001)\n  > numbers with a leading zero are rejected\n`,
    ],
    [
      'a multi-line footer keeps every line, blank ones as an empty quote line',
      ['feat(config)!: new format\n\nBody text.\n\nBREAKING CHANGE: the config file moved.\nRun `migrate` once.\n\nOld keys are ignored.\nRefs: #12'],
      `${heading}### ⚠ Breaking changes\n\n* **config:** new format (0000001)\n  > the config file moved.\n  > Run \`migrate\` once.\n  >\n  > Old keys are ignored.\n`,
    ],
    [
      'several footers share one quote',
      ['feat: v2\n\nBREAKING CHANGE: first\nBREAKING-CHANGE: second'],
      `${heading}### ⚠ Breaking changes\n\n* v2 (0000001)\n  > first\n  >\n  > second\n`,
    ],
    [
      'CRLF message: no carriage return reaches the notes',
      ['feat(cli)!: rename flags\r\n\r\nBREAKING CHANGE: --out is now --output\r\nand -o too\r\n'],
      `${heading}### ⚠ Breaking changes\n\n* **cli:** rename flags (0000001)\n  > --out is now --output\n  > and -o too\n`,
    ],
    [
      'a breaking commit of a hidden type is user-facing',
      ['refactor!: drop Node 20', 'chore: tidy\n\nBREAKING CHANGE: the `legacy` export is gone'],
      `${heading}### ⚠ Breaking changes\n\n* drop Node 20 (0000001)\n* tidy (0000002)\n  > the \`legacy\` export is gone\n`,
    ],
    [
      'revert type and git\'s own Revert "…" header both go to Reverts',
      ['Revert "feat: add export"\n\nThis reverts commit abcdef1234567890.', 'revert: fix: crash\n\nThis reverts commit 1234567abc.', 'feat: other'],
      `${heading}### Features\n\n* other (0000003)\n\n### Reverts\n\n* Revert "feat: add export" (0000001)\n* fix: crash (0000002)\n`,
    ],
    [
      'a non-conventional Revert header without the reverts line is not a revert',
      ['Revert "feat: add export"'],
      `${heading}_No user-facing changes._\n`,
    ],
    [
      'all sections at once',
      ['revert: feat: a\n\nThis reverts commit aaaaaaa.', 'perf(db): index', 'fix: b', 'feat!: c', 'feat(x): d', 'docs: e'],
      `${heading}### ⚠ Breaking changes\n\n* c (0000004)\n\n### Features\n\n* **x:** d (0000005)\n\n### Bug fixes\n\n* b (0000003)\n\n### Performance\n\n* **db:** index (0000002)\n\n### Reverts\n\n* feat: a (0000001)\n`,
    ],
  ])('%s', (_, messages, expected) => {
    expect(plain(messages)).toBe(expected);
  });
});

describe('renderNotes: sections from configuration', () => {
  test.each<[string, NotesOptions, Message[], string]>([
    [
      'a shown type is appended after the defaults',
      { shownTypes: [{ title: 'Documentation', types: ['docs'] }] },
      ['docs: usage guide', 'revert: x\n\nThis reverts commit abcdef1.', 'feat: y', 'chore: z'],
      `${heading}### Features\n\n* y (0000003)\n\n### Reverts\n\n* x (0000002)\n\n### Documentation\n\n* usage guide (0000001)\n`,
    ],
    [
      'shown types keep their configured order',
      { shownTypes: [{ title: 'Refactoring', types: ['refactor'] }, { title: 'Documentation', types: ['docs'] }] },
      ['docs: a', 'refactor: b'],
      `${heading}### Refactoring\n\n* b (0000002)\n\n### Documentation\n\n* a (0000001)\n`,
    ],
    [
      'a shown type under an existing title joins that section, in commit order',
      { shownTypes: [{ title: 'Bug fixes', types: ['build'] }] },
      ['fix: a', 'build: b', 'fix: c'],
      `${heading}### Bug fixes\n\n* a (0000001)\n* b (0000002)\n* c (0000003)\n`,
    ],
    [
      'configured types match whatever their case',
      { shownTypes: [{ title: 'Documentation', types: ['DOCS'] }] },
      ['docs: a'],
      `${heading}### Documentation\n\n* a (0000001)\n`,
    ],
    [
      'a breaking commit of a shown type is still only under breaking changes',
      { shownTypes: [{ title: 'Documentation', types: ['docs'] }] },
      ['docs!: remove the wiki'],
      `${heading}### ⚠ Breaking changes\n\n* remove the wiki (0000001)\n`,
    ],
    [
      'an empty section list hides everything but breaking changes',
      { sections: [] },
      ['feat: a', 'fix: b', 'fix!: c'],
      `${heading}### ⚠ Breaking changes\n\n* c (0000003)\n`,
    ],
    [
      'an empty section list and no breaking change: no user-facing changes',
      { sections: [] },
      ['feat: a', 'fix: b'],
      `${heading}_No user-facing changes._\n`,
    ],
    [
      'custom sections replace the defaults',
      { sections: [{ title: 'Changes', types: ['feat', 'fix'] }] },
      ['fix: a', 'feat: b', 'perf: c'],
      `${heading}### Changes\n\n* a (0000001)\n* b (0000002)\n`,
    ],
    [
      'a type in two sections goes to the first only',
      { sections: [{ title: 'First', types: ['feat'] }, { title: 'Second', types: ['feat', 'fix'] }] },
      ['feat: a', 'fix: b'],
      `${heading}### First\n\n* a (0000001)\n\n### Second\n\n* b (0000002)\n`,
    ],
    [
      'without a revert section, reverts are hidden too',
      { sections: [{ title: 'Features', types: ['feat'] }] },
      ['Revert "feat: a"\n\nThis reverts commit abcdef1.', 'feat: b'],
      `${heading}### Features\n\n* b (0000002)\n`,
    ],
  ])('%s', (_, options, messages, expected) => {
    expect(plain(messages, options)).toBe(expected);
  });

  test('the default sections are not changed by rendering with extra types', () => {
    const before = JSON.stringify(defaultNotesSections);
    plain(['docs: a'], { shownTypes: [{ title: 'Features', types: ['docs'] }] });
    expect(JSON.stringify(defaultNotesSections)).toBe(before);
    expect(plain(['docs: a'])).toBe(`${heading}_No user-facing changes._\n`);
  });

  test('shown types parsed from configuration render under their title', () => {
    const notes = plain(['refactor: split', 'docs: guide'], { shownTypes: parseShownTypes('docs=Documentation, refactor=Refactoring') });
    expect(notes).toBe(`${heading}### Documentation\n\n* guide (0000002)\n\n### Refactoring\n\n* split (0000001)\n`);
  });
});

describe('renderNotes: links', () => {
  const base = 'https://github.com/octo/app';

  test.each<[string, { version: string; tag: string; previousTag: string | null; linked: boolean }, string]>([
    ['compare link from the previous tag', { version: '1.3.0', tag: 'v1.3.0', previousTag: 'v1.2.0', linked: true }, `## [1.3.0](${base}/compare/v1.2.0...v1.3.0) (2026-11-23)`],
    ['first release: nothing to compare', { version: '1.0.0', tag: 'v1.0.0', previousTag: null, linked: true }, '## 1.0.0 (2026-11-23)'],
    ['no links: plain heading', { version: '1.3.0', tag: 'v1.3.0', previousTag: 'v1.2.0', linked: false }, '## 1.3.0 (2026-11-23)'],
    ['tags without prefix', { version: '2.0.0', tag: '2.0.0', previousTag: '1.9.9', linked: true }, `## [2.0.0](${base}/compare/1.9.9...2.0.0) (2026-11-23)`],
    ['other prefix, shown version is bare', { version: '0.4.0', tag: 'api-v0.4.0', previousTag: 'api-v0.3.1', linked: true }, `## [0.4.0](${base}/compare/api-v0.3.1...api-v0.4.0) (2026-11-23)`],
    ['prerelease from a release', { version: '1.1.0-rc.1', tag: 'v1.1.0-rc.1', previousTag: 'v1.0.0', linked: true }, `## [1.1.0-rc.1](${base}/compare/v1.0.0...v1.1.0-rc.1) (2026-11-23)`],
    ['build metadata is encoded in the link only', { version: '1.0.1+build.7', tag: 'v1.0.1+build.7', previousTag: 'v1.0.0', linked: true }, `## [1.0.1+build.7](${base}/compare/v1.0.0...v1.0.1%2Bbuild.7) (2026-11-23)`],
  ])('heading: %s', (_, { version, tag, previousTag, linked }, expected) => {
    const notes = renderNotes({ version, date: '2026-11-23', tag, previousTag, commits: [], links: linked ? github : null });
    expect(notes.split('\n')[0]).toBe(expected);
  });

  test.each<[string, string, string]>([
    ['commit link uses the full sha', 'feat: a', `* a ([0000001](${base}/commit/${sha(1)}))`],
    ['scope with link', 'fix(ui): b', `* **ui:** b ([0000001](${base}/commit/${sha(1)}))`],
    ['#123 becomes an issue link', 'fix: crash (#123)', `* crash ([#123](${base}/issues/123)) ([0000001](${base}/commit/${sha(1)}))`],
    ['several references', 'fix: a #1 and #22', `* a [#1](${base}/issues/1) and [#22](${base}/issues/22) ([0000001](${base}/commit/${sha(1)}))`],
    ['reference at the start', 'fix: #5 again', `* [#5](${base}/issues/5) again ([0000001](${base}/commit/${sha(1)}))`],
    ['already a Markdown link: not linked twice', 'fix: see [#12](https://example.com/12)', `* see [#12](https://example.com/12) ([0000001](${base}/commit/${sha(1)}))`],
    ['inside a URL: left alone', 'fix: see https://example.com/page#12', `* see https://example.com/page#12 ([0000001](${base}/commit/${sha(1)}))`],
    ['inside inline code: left alone', 'fix: escape `#1` in templates', `* escape \`#1\` in templates ([0000001](${base}/commit/${sha(1)}))`],
    ['another repository: left alone', 'fix: port octo/lib#9', `* port octo/lib#9 ([0000001](${base}/commit/${sha(1)}))`],
    ['HTML entity: left alone', 'fix: encode &#35; sign', `* encode &#35; sign ([0000001](${base}/commit/${sha(1)}))`],
    ['not a number: left alone', 'fix: color #fff and #12abc', `* color #fff and #12abc ([0000001](${base}/commit/${sha(1)}))`],
    ['#0 is not an issue', 'fix: slot #0', `* slot #0 ([0000001](${base}/commit/${sha(1)}))`],
  ])('entry: %s', (_, message, expected) => {
    const notes = renderNotes({ version: '1.3.0', date: '2026-11-23', tag: 'v1.3.0', previousTag: 'v1.2.0', commits: commits(message), links: github });
    expect(notes.trimEnd().split('\n').at(-1)).toBe(expected);
  });

  test('references in breaking footers are linked too', () => {
    const notes = renderNotes({
      version: '2.0.0', date: '2026-11-23', tag: 'v2.0.0', previousTag: 'v1.9.0',
      commits: commits('feat!: new API\n\nBREAKING CHANGE: see #40 and [#41](https://x.test/41)'),
      links: github,
    });
    expect(notes).toContain(`\n  > see [#40](${base}/issues/40) and [#41](https://x.test/41)\n`);
  });

  test('without links, #123 stays plain text', () => {
    expect(plain(['fix: crash (#123)'])).toBe(`${heading}### Bug fixes\n\n* crash (#123) (0000001)\n`);
  });

  test('GitHub Enterprise Server links follow the server URL', () => {
    const ghes = repoLinks('https://ghe.example.com/', 'platform/api');
    const notes = renderNotes({ version: '1.3.0', date: '2026-11-23', tag: 'v1.3.0', previousTag: 'v1.2.0', commits: commits('feat: a (#7)'), links: ghes });
    expect(notes).toBe(
      '## [1.3.0](https://ghe.example.com/platform/api/compare/v1.2.0...v1.3.0) (2026-11-23)\n\n' +
        '### Features\n\n' +
        `* a ([#7](https://ghe.example.com/platform/api/issues/7)) ([0000001](https://ghe.example.com/platform/api/commit/${sha(1)}))\n`,
    );
    expect(notes).not.toContain('github.com');
  });
});

describe('renderNotes: text that could break the list', () => {
  function withSubject(subject: string, scope: string | null = null): ConventionalCommit {
    return { ...parseCommit({ sha: sha(1), parents: ['p'], message: 'fix: placeholder' }), subject, scope };
  }

  test.each<[string, ConventionalCommit, string]>([
    ['LF in the subject', withSubject('first\nsecond'), '* first second (0000001)'],
    ['CRLF and indentation in the subject', withSubject('first\r\n   second\r\n'), '* first second (0000001)'],
    ['blank lines in the subject', withSubject('first\n\n\n- second'), '* first - second (0000001)'],
    ['newline in the scope', withSubject('a', 'x\ny'), '* **x y:** a (0000001)'],
  ])('%s', (_, commit, expected) => {
    const notes = renderNotes({ version: '1.3.0', date: '2026-11-23', tag: 'v1.3.0', previousTag: null, commits: [commit], links: null });
    expect(notes).toBe(`${heading}### Bug fixes\n\n${expected}\n`);
  });

  test.each([
    ['empty', []],
    ['one entry', commits('feat: a')],
    ['breaking with footer last', commits('feat: a', 'fix!: b\n\nBREAKING CHANGE: c\n\n')],
  ])('ends with exactly one newline: %s', (_, list) => {
    const notes = renderNotes({ version: '1.0.0', date: '2026-01-02', tag: 'v1.0.0', previousTag: null, commits: list, links: github });
    expect(notes).toMatch(/[^\n]\n$/);
  });

  test.each(['2026-1-2', '23.11.2026', '2026-11-23T10:00:00Z', ''])('a date not in YYYY-MM-DD form is rejected: %j', (date) => {
    expect(() => renderNotes({ version: '1.0.0', date, tag: 'v1.0.0', previousTag: null, commits: [], links: null })).toThrow(/YYYY-MM-DD/);
  });
});

describe('parseShownTypes', () => {
  test.each<[string, string, { title: string; types: string[] }[]]>([
    ['two entries', 'docs=Documentation,refactor=Refactoring', [{ title: 'Documentation', types: ['docs'] }, { title: 'Refactoring', types: ['refactor'] }]],
    ['spaces around', '  docs = Documentation ,  refactor=Refactoring ', [{ title: 'Documentation', types: ['docs'] }, { title: 'Refactoring', types: ['refactor'] }]],
    ['newlines, as in a multi-line action input', 'docs=Documentation\nrefactor=Refactoring\n', [{ title: 'Documentation', types: ['docs'] }, { title: 'Refactoring', types: ['refactor'] }]],
    ['title with spaces', 'ci=Build and CI', [{ title: 'Build and CI', types: ['ci'] }]],
    ['same title: one section', 'build=Build and CI, docs=Documentation, ci=Build and CI', [{ title: 'Build and CI', types: ['build', 'ci'] }, { title: 'Documentation', types: ['docs'] }]],
    ['repeated entry counted once', 'docs=Documentation,docs=Documentation', [{ title: 'Documentation', types: ['docs'] }]],
    ['type lower-cased', 'DOCS=Documentation', [{ title: 'Documentation', types: ['docs'] }]],
    ['type with a dash', 'ui-tweak=UI', [{ title: 'UI', types: ['ui-tweak'] }]],
    ['empty input', '', []],
    ['trailing comma', 'docs=Documentation,', [{ title: 'Documentation', types: ['docs'] }]],
  ])('%s', (_, text, expected) => {
    expect(parseShownTypes(text)).toEqual(expected);
  });

  test.each([
    ['no title', 'docs', 'docs'],
    ['empty title', 'docs=', 'docs='],
    ['no type', '=Documentation', '=Documentation'],
    ['colon instead of equals', 'docs:Documentation', 'docs:Documentation'],
    ['space in the type', 'do cs=Documentation', 'do cs=Documentation'],
    ['bad second entry', 'docs=Documentation, refactor', 'refactor'],
  ])('rejects %s', (_, text, entry) => {
    expect(() => parseShownTypes(text, 'notes-types')).toThrow(
      expect.objectContaining({ message: expect.stringContaining(JSON.stringify(entry)) }),
    );
    expect(() => parseShownTypes(text)).toThrow(/type=Section title/);
    expect(() => parseShownTypes(text, 'notes-types')).toThrow(/^notes-types: /);
  });
});
