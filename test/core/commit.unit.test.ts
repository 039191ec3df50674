import { describe, expect, test } from 'vitest';
import { parseCommit, parseCommitFully, type ConventionalCommit, type RawCommit } from '../../src/core/commit.js';

const SHA = '1111111111111111111111111111111111111111';
const TARGET = 'abcdef0123456789abcdef0123456789abcdef01';

function parse(message: string, parents: string[] = ['0000000000000000000000000000000000000000']): ConventionalCommit {
  const raw: RawCommit = { sha: SHA, parents, message };
  return parseCommit(raw);
}

describe('parseCommit: reading the header', () => {
  // [name, message, type, scope, subject]
  test.each<[string, string, string | null, string | null, string]>([
    ['plain feat', 'feat: add login', 'feat', null, 'add login'],
    ['plain fix', 'fix: crash on empty input', 'fix', null, 'crash on empty input'],
    ['type is case-insensitive: Feat', 'Feat: add login', 'feat', null, 'add login'],
    ['type is case-insensitive: FEAT', 'FEAT: add login', 'feat', null, 'add login'],
    ['type is case-insensitive: fIx', 'fIx: typo', 'fix', null, 'typo'],
    ['scope', 'feat(api): add endpoint', 'feat', 'api', 'add endpoint'],
    ['scope with a dash and a slash', 'fix(ui/login-form): focus', 'fix', 'ui/login-form', 'focus'],
    ['scope keeps its case', 'feat(API): add endpoint', 'feat', 'API', 'add endpoint'],
    ['type with a dash', 'chore-deps: bump', 'chore-deps', null, 'bump'],
    ['description may contain colons', 'docs: note: see README', 'docs', null, 'note: see README'],
    ['! before the colon', 'feat!: drop node 18', 'feat', null, 'drop node 18'],
    ['scope then ! before the colon', 'feat(api)!: drop v1', 'feat', 'api', 'drop v1'],
    ['first line only is the header', 'fix: a\n\nbody: with colon', 'fix', null, 'a'],
    ['CRLF line endings', 'feat(api): add\r\n\r\nbody\r\n', 'feat', 'api', 'add'],
    ['old Mac CR line endings', 'fix: x\r\rbody', 'fix', null, 'x'],
  ])('%s', (_, message, type, scope, subject) => {
    const c = parse(message);
    expect(c.type).toBe(type);
    expect(c.scope).toBe(scope);
    expect(c.subject).toBe(subject);
    expect(c.sha).toBe(SHA);
  });

  // Not conventional: the type is null, the subject is the whole header, nothing is breaking.
  test.each<[string, string]>([
    ['no space after the colon', 'feat:add login'],
    ['no colon', 'feat add login'],
    ['space before the colon', 'feat : add login'],
    ['! after the scope position is invalid: feat!(api):', 'feat!(api): add'],
    ['! after the colon', 'feat:! add'],
    ['empty description', 'feat: '],
    ['empty type', ': add login'],
    ['space inside the type', 'my feat: add'],
    ['unclosed scope', 'feat(api: add'],
    ['nested parentheses in the scope', 'feat(a(b)): add'],
    ['leading space', ' feat: add'],
    ['plain English', 'Update README.md'],
    ['git merge header', "Merge branch 'feature' into main"],
    ['BREAKING CHANGE as a header', 'BREAKING CHANGE: everything'],
  ])('not conventional: %s', (_, message) => {
    const c = parse(message);
    expect(c.type).toBeNull();
    expect(c.scope).toBeNull();
    expect(c.subject).toBe(message.split('\n')[0]!.trim());
    expect(c.header).toBe(message.split('\n')[0]!.trim());
    expect(c.breaking).toBe(false);
  });
});

describe('parseCommit: what counts as breaking', () => {
  // [name, message, breaking, breakingNotes]
  test.each<[string, string, boolean, string[]]>([
    ['plain feat', 'feat: add', false, []],
    ['feat!', 'feat!: drop node 18', true, []],
    ['feat(api)!', 'feat(api)!: drop v1', true, []],
    ['! on chore', 'chore!: drop node 18 support', true, []],
    ['! on docs', 'docs!: new license', true, []],
    ['! on an unknown type', 'whatever!: x', true, []],
    ['! on an upper-case type', 'FIX!: x', true, []],
    ['! after a scope that contains a colon', 'feat(db:pg)!: new schema', true, []],
    ['! inside the description does not count', 'feat: make it pop!: really', false, []],
    ['! at the end of the description does not count', 'fix: stop the crash!', false, []],
    ['BREAKING CHANGE footer', 'feat: add\n\nBREAKING CHANGE: the config moved', true, ['the config moved']],
    ['BREAKING-CHANGE footer', 'feat: add\n\nBREAKING-CHANGE: the config moved', true, ['the config moved']],
    ['BREAKING CHANGE footer on a non-bumping type', 'chore: bump\n\nBREAKING CHANGE: needs node 24', true, ['needs node 24']],
    ['footer after a body', 'fix: x\n\nSome body text.\nMore body.\n\nBREAKING CHANGE: y', true, ['y']],
    ['footer after other footers', 'fix: x\n\nRefs: #12\nBREAKING CHANGE: y', true, ['y']],
    ['! and a footer', 'feat!: x\n\nBREAKING CHANGE: details', true, ['details']],
    ['two footers, in order', 'feat: x\n\nBREAKING CHANGE: one\nBREAKING-CHANGE: two', true, ['one', 'two']],
    ['multi-line footer value', 'feat: x\n\nBREAKING CHANGE: first line\nsecond line\n  third line', true, ['first line\nsecond line\n  third line']],
    ['multi-line footer ends at the next footer token', 'feat: x\n\nBREAKING CHANGE: first\nsecond\nReviewed-by: Ann', true, ['first\nsecond']],
    ['CRLF footer', 'feat: x\r\n\r\nBREAKING CHANGE: crlf\r\n', true, ['crlf']],
    ['lower-case token is not breaking', 'feat: x\n\nbreaking change: y', false, []],
    ['title-case token is not breaking', 'feat: x\n\nBreaking Change: y', false, []],
    ['lower-case dashed token is not breaking', 'feat: x\n\nbreaking-change: y', false, []],
    ['plural token is not breaking', 'feat: x\n\nBREAKING CHANGES: y', false, []],
    ['no space after the colon is not breaking', 'feat: x\n\nBREAKING CHANGE:y', false, []],
    ['no colon is not breaking', 'feat: x\n\nBREAKING CHANGE y', false, []],
    ['token not at the start of the line', 'feat: x\n\nThis is a BREAKING CHANGE: y', false, []],
    ['indented token', 'feat: x\n\n  BREAKING CHANGE: y', false, []],
    ['token in the description', 'feat: BREAKING CHANGE: y', false, []],
    ['footer on a non-conventional commit counts for nothing', 'Update stuff\n\nBREAKING CHANGE: y', false, ['y']],
  ])('%s', (_, message, breaking, notes) => {
    const c = parse(message);
    expect(c.breaking).toBe(breaking);
    expect(c.breakingNotes).toEqual(notes);
  });
});

describe('parseCommit: reverts', () => {
  // [name, message, reverts]
  test.each<[string, string, string | null]>([
    ['git revert, full sha', `Revert "feat: add login"\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['git revert, no trailing dot', `Revert "feat: add login"\n\nThis reverts commit ${TARGET}`, TARGET],
    ['git revert with a reason after', `Revert "feat: add login"\n\nThis reverts commit ${TARGET}.\n\nIt broke prod.`, TARGET],
    ['git revert with CRLF', `Revert "feat: add login"\r\n\r\nThis reverts commit ${TARGET}.\r\n`, TARGET],
    ['git revert of a revert', `Revert "Revert "feat: add login""\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert', `revert: feat: add login\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert with scope', `revert(api): add login\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert with !', `revert!: add login\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert, type in upper case', `REVERT: add login\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert, type capitalised', `Revert: add login\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['conventional revert with a body before the sha', `revert: add login\n\nIt broke prod.\n\nThis reverts commit ${TARGET}.`, TARGET],
    ['abbreviated sha, 7 characters', 'Revert "feat: x"\n\nThis reverts commit abcdef0.', 'abcdef0'],
    ['abbreviated sha, 10 characters', 'revert: x\n\nThis reverts commit abcdef0123.', 'abcdef0123'],
    ['upper-case sha is lower-cased', 'revert: x\n\nThis reverts commit ABCDEF0123.', 'abcdef0123'],
    ['6 characters is too short', 'revert: x\n\nThis reverts commit abcdef.', null],
    ['not hex', 'revert: x\n\nThis reverts commit abcdefg123.', null],
    ['revert header without the sha line', 'revert: feat: add login', null],
    ['sha line without a revert header', `fix: x\n\nThis reverts commit ${TARGET}.`, null],
    ['not a revert', 'feat: add login', null],
  ])('%s', (_, message, reverts) => {
    expect(parse(message).reverts).toBe(reverts);
  });

  test('a git revert header is not a conventional header', () => {
    const c = parse(`Revert "feat: add login"\n\nThis reverts commit ${TARGET}.`);
    expect(c.type).toBeNull();
    expect(c.subject).toBe('Revert "feat: add login"');
  });

  test('a conventional revert has type revert', () => {
    expect(parse(`Revert: add login\n\nThis reverts commit ${TARGET}.`).type).toBe('revert');
  });
});

describe('parseCommit: Release-As footer', () => {
  // [name, message, releaseAs]
  test.each<[string, string, string | null]>([
    ['footer', 'chore: release 2.0.0\n\nRelease-As: 2.0.0', '2.0.0'],
    ['token is case-insensitive: lower', 'chore: x\n\nrelease-as: 2.0.0', '2.0.0'],
    ['token is case-insensitive: upper', 'chore: x\n\nRELEASE-AS: 3.1.0', '3.1.0'],
    ['value as written', 'chore: x\n\nRelease-As: v2.0.0', 'v2.0.0'],
    ['prerelease value', 'chore: x\n\nRelease-As: 2.0.0-rc.1', '2.0.0-rc.1'],
    ['trailing whitespace ignored', 'chore: x\n\nRelease-As: 2.0.0   ', '2.0.0'],
    ['CRLF', 'chore: x\r\n\r\nRelease-As: 2.0.0\r\n', '2.0.0'],
    ['among other footers', 'feat: x\n\nRefs: #1\nRelease-As: 4.0.0\nSigned-off-by: A <a@b.c>', '4.0.0'],
    ['on a non-conventional commit', 'Prepare release\n\nRelease-As: 1.5.0', '1.5.0'],
    ['not at the start of a line', 'chore: x\n\nPlease Release-As: 2.0.0', null],
    ['value with words after it', 'chore: x\n\nRelease-As: 2.0.0 please', null],
    ['none', 'feat: x', null],
  ])('%s', (_, message, releaseAs) => {
    expect(parse(message).releaseAs).toBe(releaseAs);
  });
});

describe('parseCommit: merge commits', () => {
  test.each<[string, string[], boolean]>([
    ['root commit', [], false],
    ['one parent', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'], false],
    ['two parents', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'], true],
    ['octopus', ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)], true],
  ])('%s', (_, parents, merge) => {
    expect(parse('feat!: x', parents).merge).toBe(merge);
  });
});

test('header is trimmed and taken from the first line', () => {
  const c = parse('feat: add  \n\nbody');
  expect(c.header).toBe('feat: add');
});

describe('parseCommit: the header-only path reads what the full parser reads', () => {
  // parseCommit skips the full parser when the message cannot hold a breaking footer, a Release-As
  // or a revert; for every such message both must agree field for field.
  test.each([
    'feat: add x',
    'Feat(API): add x',
    'FEAT(api)!: drop x',
    'fix(db:pg)!: colon in scope',
    'feat(): empty scope',
    'feat:add',
    'feat!(api): bang before scope',
    'feat : space before colon',
    'feat:  two spaces',
    'feat: trailing spaces   ',
    'perf(ui): faster\n\nA body.\n\nRefs: #12',
    'fix: crlf\r\n\r\nbody line\r\n',
    'docs: ünïcödé ✓',
    'chore(deps)!: bump\n\nNot a footer: value',
    'Merge branch "x" into main',
    'just some text',
    '',
    'feat(a)(b): two scopes',
    'build(deps-dev): tab\tinside',
  ])('%j', (message) => {
    const raw = { sha: 'a'.repeat(40), parents: ['b'.repeat(40)], message };
    expect(parseCommit(raw)).toEqual(parseCommitFully(raw));
  });
});
