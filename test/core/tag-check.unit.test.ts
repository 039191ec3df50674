import { describe, expect, test } from 'vitest';
import type { Bump } from '../../src/core/bump.js';
import { checkPushedTag, type TagProblemKind } from '../../src/core/tag-check.js';

interface Case {
  tag: string;
  prefix?: string;
  previous: string | null;
  required: Bump;
  preMajor?: boolean;
  /** null: the tag is right. */
  problem: TagProblemKind | null;
  /** Parts the message must contain. */
  says?: string[];
}

const cases: [string, Case][] = [
  // Invalid tags.
  ['not semver: two parts', { tag: 'v1.2', previous: '1.2.3', required: 'patch', problem: 'invalid', says: ['v1.2', 'vX.Y.Z', 'v1.2.3'] }],
  ['leading zero', { tag: 'v01.3.0', previous: '1.2.3', required: 'minor', problem: 'invalid', says: ['v01.3.0'] }],
  ['missing prefix', { tag: '1.3.0', previous: '1.2.3', required: 'minor', problem: 'invalid', says: ['1.3.0', 'vX.Y.Z'] }],
  ['doubled prefix', { tag: 'vv1.3.0', previous: '1.2.3', required: 'minor', problem: 'invalid' }],
  ['wrong prefix', { tag: 'v1.3.0', prefix: 'synapse-v', previous: '1.2.3', required: 'minor', problem: 'invalid', says: ['synapse-vX.Y.Z', 'synapse-v1.2.3'] }],
  ['a word', { tag: 'latest', previous: '1.2.3', required: 'minor', problem: 'invalid' }],
  ['invalid even on the first release', { tag: 'v1.0', previous: null, required: 'minor', problem: 'invalid' }],
  // Not greater.
  ['equal to the last release', { tag: 'v1.2.3', previous: '1.2.3', required: 'patch', problem: 'not-greater', says: ['v1.2.3', 'last release v1.2.3'] }],
  ['lower than the last release', { tag: 'v1.2.2', previous: '1.2.3', required: 'patch', problem: 'not-greater', says: ['v1.2.2', 'v1.2.3'] }],
  ['an older major', { tag: 'v0.9.0', previous: '1.2.3', required: 'none', problem: 'not-greater' }],
  ['a prerelease of the last release', { tag: 'v1.2.3-rc.1', previous: '1.2.3', required: 'patch', problem: 'not-greater' }],
  ['the last release with build metadata', { tag: 'v1.2.3+build.2', previous: '1.2.3', required: 'patch', problem: 'not-greater' }],
  ['not greater with a long prefix', { tag: 'synapse-v1.2.3', prefix: 'synapse-v', previous: '1.2.3', required: 'patch', problem: 'not-greater', says: ['synapse-v1.2.3'] }],
  // Under-bumps.
  ['patch over a feat', { tag: 'v1.2.4', previous: '1.2.3', required: 'minor', problem: 'under-bump', says: ['v1.2.4', 'patch', 'require minor', 'v1.2.3', 'at least v1.3.0'] }],
  ['minor over a breaking change', { tag: 'v1.3.0', previous: '1.2.3', required: 'major', problem: 'under-bump', says: ['minor', 'require major', 'at least v2.0.0'] }],
  ['patch over a breaking change', { tag: 'v1.2.4', previous: '1.2.3', required: 'major', problem: 'under-bump', says: ['at least v2.0.0'] }],
  ['0.x breaking needs major without pre-1.0 mode', { tag: 'v0.5.0', previous: '0.4.2', required: 'major', problem: 'under-bump', says: ['at least v1.0.0'] }],
  ['pre-1.0 mode: patch over a breaking change', { tag: 'v0.4.3', previous: '0.4.2', required: 'major', preMajor: true, problem: 'under-bump', says: ['require minor', 'at least v0.5.0'] }],
  ['pre-1.0 mode: patch over a feat', { tag: 'v0.4.3', previous: '0.4.2', required: 'minor', preMajor: true, problem: 'under-bump', says: ['at least v0.5.0'] }],
  ['pre-1.0 mode off once major > 0', { tag: 'v1.3.0', previous: '1.2.3', required: 'major', preMajor: true, problem: 'under-bump', says: ['at least v2.0.0'] }],
  ['prerelease patch over a feat', { tag: 'v1.2.4-rc.1', previous: '1.2.3', required: 'minor', problem: 'under-bump', says: ['at least v1.3.0'] }],
  ['prerelease minor over a breaking change', { tag: 'v1.3.0-rc.1', previous: '1.2.3', required: 'major', problem: 'under-bump' }],
  ['under-bump with a long prefix', { tag: 'synapse-v1.2.4', prefix: 'synapse-v', previous: '1.2.3', required: 'minor', problem: 'under-bump', says: ['synapse-v1.2.3', 'at least synapse-v1.3.0'] }],
  // Right.
  ['exact patch', { tag: 'v1.2.4', previous: '1.2.3', required: 'patch', problem: null }],
  ['exact minor', { tag: 'v1.3.0', previous: '1.2.3', required: 'minor', problem: null }],
  ['exact major', { tag: 'v2.0.0', previous: '1.2.3', required: 'major', problem: null }],
  ['over-bump: minor over a fix', { tag: 'v1.3.0', previous: '1.2.3', required: 'patch', problem: null }],
  ['over-bump: major over a fix', { tag: 'v2.0.0', previous: '1.2.3', required: 'patch', problem: null }],
  ['skipping versions', { tag: 'v1.2.9', previous: '1.2.3', required: 'patch', problem: null }],
  ['nothing required', { tag: 'v1.2.4', previous: '1.2.3', required: 'none', problem: null }],
  ['pre-1.0 mode: minor over a breaking change', { tag: 'v0.5.0', previous: '0.4.2', required: 'major', preMajor: true, problem: null }],
  ['pre-1.0 mode: 1.0.0 over a breaking change', { tag: 'v1.0.0', previous: '0.4.2', required: 'major', preMajor: true, problem: null }],
  ['0.x: 1.0.0 over a breaking change', { tag: 'v1.0.0', previous: '0.4.2', required: 'major', problem: null }],
  ['prerelease minor over a feat', { tag: 'v1.3.0-rc.1', previous: '1.2.3', required: 'minor', problem: null }],
  ['prerelease major over a breaking change', { tag: 'v2.0.0-rc.1', previous: '1.2.3', required: 'major', problem: null }],
  ['prerelease patch over a fix', { tag: 'v1.2.4-rc.3', previous: '1.2.3', required: 'patch', problem: null }],
  ['build metadata is fine', { tag: 'v1.3.0+build.1', previous: '1.2.3', required: 'minor', problem: null }],
  ['long prefix', { tag: 'synapse-v1.3.0', prefix: 'synapse-v', previous: '1.2.3', required: 'minor', problem: null }],
  ['empty prefix', { tag: '1.3.0', prefix: '', previous: '1.2.3', required: 'minor', problem: null }],
  ['first release', { tag: 'v1.0.0', previous: null, required: 'minor', problem: null }],
  ['first release at 0.1.0', { tag: 'v0.1.0', previous: null, required: 'major', problem: null }],
  ['first release as a prerelease', { tag: 'v1.0.0-rc.1', previous: null, required: 'patch', problem: null }],
];

describe('checkPushedTag', () => {
  test.each(cases)('%s', (_, c) => {
    const problem = checkPushedTag({
      tag: c.tag,
      prefix: c.prefix ?? 'v',
      previous: c.previous,
      required: c.required,
      preMajor: c.preMajor ?? false,
    });
    if (c.problem === null) {
      expect(problem).toBeNull();
      return;
    }
    expect(problem?.kind).toBe(c.problem);
    expect(problem?.message).toContain(`tag ${c.tag} `);
    for (const part of c.says ?? []) expect(problem?.message).toContain(part);
  });
});
