import { describe, expect, test } from 'vitest';
import {
  commitBumper,
  compareBumps,
  defaultReleaseRules,
  maxBump,
  parseReleaseRules,
  type Bump,
  type ReleaseRule,
} from '../../src/core/bump.js';
import { parseCommit } from '../../src/core/commit.js';
import { InputError } from '../../src/core/errors.js';

function commit(message: string) {
  return parseCommit({ sha: 'a'.repeat(40), parents: ['b'.repeat(40)], message });
}

describe('compareBumps / maxBump', () => {
  test.each<[Bump, Bump, number, Bump]>([
    ['none', 'none', 0, 'none'],
    ['none', 'patch', -1, 'patch'],
    ['patch', 'minor', -1, 'minor'],
    ['minor', 'major', -1, 'major'],
    ['major', 'none', 1, 'major'],
    ['minor', 'patch', 1, 'minor'],
    ['major', 'major', 0, 'major'],
  ])('%s vs %s', (a, b, sign, max) => {
    expect(Math.sign(compareBumps(a, b))).toBe(sign);
    expect(maxBump(a, b)).toBe(max);
    expect(maxBump(b, a)).toBe(max);
  });
});

describe('default release rules', () => {
  const bump = commitBumper([]);
  test.each<[string, Bump]>([
    ['feat: x', 'minor'],
    ['Feat: x', 'minor'],
    ['FEAT(api): x', 'minor'],
    ['fix: x', 'patch'],
    ['fix(ui): x', 'patch'],
    ['perf: x', 'patch'],
    ['docs: x', 'none'],
    ['chore: x', 'none'],
    ['chore(deps): x', 'none'],
    ['build: x', 'none'],
    ['build(deps): x', 'none'],
    ['ci: x', 'none'],
    ['style: x', 'none'],
    ['refactor: x', 'none'],
    ['test: x', 'none'],
    ['revert: x', 'none'],
    ['unknown: x', 'none'],
    ['feat!: x', 'major'],
    ['fix!: x', 'major'],
    ['chore!: x', 'major'],
    ['docs(readme)!: x', 'major'],
    ['unknown!: x', 'major'],
    ['chore: x\n\nBREAKING CHANGE: y', 'major'],
    ['docs: x\n\nBREAKING-CHANGE: y', 'major'],
    ['fix: x\n\nBREAKING CHANGES: y', 'patch'],
    ['fix: x\n\nbreaking change: y', 'patch'],
    ['feat:x', 'none'],
    ['feat!(api): x', 'none'],
    ['Add login', 'none'],
    ['Add login\n\nBREAKING CHANGE: y', 'none'],
  ])('%j → %s', (message, expected) => {
    expect(bump(commit(message))).toBe(expected);
  });

  test('defaults are feat minor, fix and perf patch', () => {
    expect(defaultReleaseRules).toEqual([
      { type: 'feat', bump: 'minor' },
      { type: 'fix', bump: 'patch' },
      { type: 'perf', bump: 'patch' },
    ]);
  });
});

describe('parseReleaseRules', () => {
  test.each<[string, string, ReleaseRule[]]>([
    ['empty', '', []],
    ['only separators and blanks', ' , \n ,', []],
    ['one type rule', 'docs=patch', [{ type: 'docs', bump: 'patch' }]],
    ['one scoped rule', 'build(deps)=patch', [{ type: 'build', scope: 'deps', bump: 'patch' }]],
    [
      'comma separated',
      'build(deps)=patch, docs=none',
      [
        { type: 'build', scope: 'deps', bump: 'patch' },
        { type: 'docs', bump: 'none' },
      ],
    ],
    [
      'newline separated',
      'build(deps)=patch\ndocs=none\n',
      [
        { type: 'build', scope: 'deps', bump: 'patch' },
        { type: 'docs', bump: 'none' },
      ],
    ],
    [
      'CRLF separated',
      'build(deps)=patch\r\ndocs=none\r\n',
      [
        { type: 'build', scope: 'deps', bump: 'patch' },
        { type: 'docs', bump: 'none' },
      ],
    ],
    [
      'mixed separators and empty entries',
      'a=major,,\n b=minor ,\n\n c=patch',
      [
        { type: 'a', bump: 'major' },
        { type: 'b', bump: 'minor' },
        { type: 'c', bump: 'patch' },
      ],
    ],
    ['whitespace around =', '  build ( deps )  =  patch  ', [{ type: 'build', scope: 'deps', bump: 'patch' }]],
    ['type and bump are case-insensitive', 'Build(deps)=PATCH', [{ type: 'build', scope: 'deps', bump: 'patch' }]],
    ['type with a dash', 'chore-deps=patch', [{ type: 'chore-deps', bump: 'patch' }]],
    ['scope with a slash and a dot', 'fix(ui/app.js)=none', [{ type: 'fix', scope: 'ui/app.js', bump: 'none' }]],
    ['every level', 'a=major,b=minor,c=patch,d=none', [
      { type: 'a', bump: 'major' },
      { type: 'b', bump: 'minor' },
      { type: 'c', bump: 'patch' },
      { type: 'd', bump: 'none' },
    ]],
  ])('%s', (_, text, rules) => {
    expect(parseReleaseRules(text)).toEqual(rules);
  });

  test.each<[string, string, string]>([
    ['unknown level', 'docs=tiny', 'docs=tiny'],
    ['no level', 'docs=', 'docs='],
    ['no =', 'docs', 'docs'],
    ['colon instead of =', 'docs: patch', 'docs: patch'],
    ['no type', '=patch', '=patch'],
    ['empty scope', 'build()=patch', 'build()=patch'],
    ['unclosed scope', 'build(deps=patch', 'build(deps=patch'],
    ['two =', 'docs=patch=minor', 'docs=patch=minor'],
    ['semicolon is not a separator', 'docs=none; fix=patch', 'docs=none; fix=patch'],
    ['the bad one among good ones', 'feat=minor, chore=sometimes, fix=patch', 'chore=sometimes'],
    ['bad entry on its own line', 'feat=minor\nnope\nfix=patch', 'nope'],
    ['the whole header instead of a type', 'feat(api)!=major', 'feat(api)!=major'],
  ])('rejects %s', (_, text, badEntry) => {
    let error: unknown;
    try {
      parseReleaseRules(text, '--release-rules');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.input).toBe('--release-rules');
    expect(e.value).toBe(badEntry);
    expect(e.message).toContain('--release-rules');
    expect(e.message).toContain(JSON.stringify(badEntry));
    expect(e.message).toContain('type(scope)=bump');
    expect(e.message).toMatch(/major, minor, patch or none/);
  });

  test('names the input release-rules by default', () => {
    expect(() => parseReleaseRules('oops')).toThrow(/^release-rules: "oops" is not valid/);
  });
});

describe('commitBumper with rules', () => {
  // [name, rules text, message, bump]
  test.each<[string, string, string, Bump]>([
    ['a rule for a non-default type', 'docs=patch', 'docs: x', 'patch'],
    ['a rule does not touch other types', 'docs=patch', 'chore: x', 'none'],
    ['user rule overrides default feat', 'feat=patch', 'feat: x', 'patch'],
    ['user rule overrides default fix', 'fix=none', 'fix: x', 'none'],
    ['user rule can raise a default', 'perf=minor', 'perf: x', 'minor'],
    ['defaults still apply beside user rules', 'docs=patch', 'feat: x', 'minor'],
    ['scoped rule matches its scope', 'build(deps)=patch', 'build(deps): bump x', 'patch'],
    ['scoped rule ignores other scopes', 'build(deps)=patch', 'build(ci): x', 'none'],
    ['scoped rule ignores no scope', 'build(deps)=patch', 'build: x', 'none'],
    ['scoped rule matches an upper-case type', 'build(deps)=patch', 'BUILD(deps): x', 'patch'],
    ['scoped rule beats type rule (rule after)', 'build(deps)=minor, build=patch', 'build(deps): x', 'minor'],
    ['scoped rule beats type rule (rule before)', 'build=patch, build(deps)=minor', 'build(deps): x', 'minor'],
    ['type rule for the other scopes', 'build=patch, build(deps)=minor', 'build(ci): x', 'patch'],
    ['scoped none beats the default feat', 'feat(docs)=none', 'feat(docs): x', 'none'],
    ['default feat for the other scopes', 'feat(docs)=none', 'feat(api): x', 'minor'],
    ['scoped rule beats a user type rule', 'fix=minor, fix(deps)=patch', 'fix(deps): x', 'patch'],
    ['breaking is major even when the rule says none', 'chore=none', 'chore!: x', 'major'],
    ['breaking footer is major even when the rule says none', 'docs=none', 'docs: x\n\nBREAKING CHANGE: y', 'major'],
    ['breaking is major even when the scoped rule says none', 'feat(api)=none', 'feat(api)!: x', 'major'],
    ['breaking is major even when the rule says patch', 'feat=patch', 'feat!: x', 'major'],
    ['non-conventional commits bump nothing whatever the rules', 'feat=major', 'feat:x', 'none'],
  ])('%s', (_, rules, message, expected) => {
    expect(commitBumper(parseReleaseRules(rules))(commit(message))).toBe(expected);
  });
});
