import { describe, expect, test } from 'vitest';
import { majorTagDecision } from '../../src/core/major-tag.js';

const forward = { isAncestorOfRelease: true };
const sideways = { isAncestorOfRelease: false };

describe('majorTagDecision', () => {
  test.each([
    // version, released, current, moves, tag
    ['1.0.0', [], null, true, 'v1'],
    ['1.4.0', ['1.3.2'], forward, true, 'v1'],
    ['2.0.0', ['1.9.0'], null, true, 'v2'],
    ['0.2.0', ['0.1.0'], forward, true, 'v0'],
    ['1.4.0', ['1.4.0', '1.3.2'], forward, true, 'v1'],
    ['1.4.0-rc.1', ['1.3.2'], forward, false, 'v1'],
    ['1.3.3', ['1.4.0', '1.3.2'], forward, false, 'v1'],
    ['1.4.0', ['1.5.0-rc.1'], forward, true, 'v1'],
    ['1.9.0', ['2.0.0'], forward, true, 'v1'],
    ['1.4.0', ['1.3.2'], sideways, false, 'v1'],
  ] as const)('%s after %j (current %j) → move %s of %s', (version, released, current, moves, tag) => {
    const decision = majorTagDecision({ version, tagPrefix: 'v', releasedVersions: released, current });
    expect(decision.move).toBe(moves);
    expect(decision.tag).toBe(tag);
    if (!decision.move) expect(decision.reason).toMatch(/prerelease|newer|only moves forward/);
  });

  test('the prefix is kept', () => {
    expect(majorTagDecision({ version: '3.0.0', tagPrefix: 'release-', releasedVersions: [], current: null }).tag).toBe('release-3');
  });

  test('a version that is not semver is a programming error', () => {
    expect(() => majorTagDecision({ version: 'v1', tagPrefix: 'v', releasedVersions: [], current: null })).toThrow(/semantic version/);
  });
});
