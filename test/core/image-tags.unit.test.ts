import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { inputError } from '../support/input-error.js';
import { isValidTag } from '../../src/core/image-ref.js';
import { imageTags, type ImageTagOptions, type ImageTags } from '../../src/core/image-tags.js';

/** What is pushed; `held` (what is not, and why) has tests of its own. */
type Pushed = Pick<ImageTags, 'immutable' | 'moving'>;
const pushed = (tags: ImageTags): Pushed => ({ immutable: tags.immutable, moving: tags.moving });

const sha = '0123456789abcdef0123456789abcdef01234567';


describe('imageTags on main: immutable sha-<7>, moving latest', () => {
  // [sha, immutable tag]
  test.each<[string, string]>([
    [sha, 'sha-0123456'],
    ['abcdef1', 'sha-abcdef1'],
    ['abcdef12', 'sha-abcdef1'],
    ['fedcba9876543210fedcba9876543210fedcba98', 'sha-fedcba9'],
    ['0000000', 'sha-0000000'],
    ['ffffffffffffffffffffffffffffffffffffffff', 'sha-fffffff'],
  ])('sha %s → %s and latest', (commit, immutable) => {
    expect(pushed(imageTags({ kind: 'main' }, { sha: commit }))).toEqual({ immutable: [immutable], moving: ['latest'] });
  });

  test('floating, the prefix and released versions change nothing on main', () => {
    const options: ImageTagOptions = { sha, tagPrefix: 'synapse-v', floating: true, released: ['1.0.0', '2.0.0'] };
    expect(pushed(imageTags({ kind: 'main' }, options))).toEqual({ immutable: ['sha-0123456'], moving: ['latest'] });
  });

  test.each<[string]>([
    [''],
    ['abcdef'],
    ['ABCDEF1'],
    ['abcdefg'],
    ['g123456'],
    [' abcdef1'],
    ['abcdef1 '],
    ['0123456789abcdef0123456789abcdef012345678'],
    ['HEAD'],
    ['main'],
    ['sha-abcdef1'],
  ])('sha %j is refused', (commit) => {
    const error = inputError(() => imageTags({ kind: 'main' }, { sha: commit }));
    expect(error.input).toBe('sha');
    expect(error.value).toBe(commit);
    expect(error.expected).toContain('7 to 40 hex');
  });
});

describe('imageTags for a version', () => {
  // [version, options (sha is added), expected]
  test.each<[string, Omit<ImageTagOptions, 'sha'>, Pushed]>([
    // Only the immutable tag unless floating tags are asked for.
    ['1.4.0', {}, { immutable: ['v1.4.0'], moving: [] }],
    ['v1.4.0', {}, { immutable: ['v1.4.0'], moving: [] }],
    ['1.4.0', { floating: false }, { immutable: ['v1.4.0'], moving: [] }],
    ['1.4.0', { floating: false, released: ['1.3.0'] }, { immutable: ['v1.4.0'], moving: [] }],
    ['0.1.0', {}, { immutable: ['v0.1.0'], moving: [] }],
    ['10.20.30', {}, { immutable: ['v10.20.30'], moving: [] }],
    // Floating: vX.Y then vX.
    ['1.4.0', { floating: true }, { immutable: ['v1.4.0'], moving: ['v1.4', 'v1'] }],
    ['v1.4.0', { floating: true }, { immutable: ['v1.4.0'], moving: ['v1.4', 'v1'] }],
    ['0.3.7', { floating: true }, { immutable: ['v0.3.7'], moving: ['v0.3', 'v0'] }],
    ['0.0.1', { floating: true }, { immutable: ['v0.0.1'], moving: ['v0.0', 'v0'] }],
    ['10.20.30', { floating: true }, { immutable: ['v10.20.30'], moving: ['v10.20', 'v10'] }],
    ['1.4.0', { floating: true, released: [] }, { immutable: ['v1.4.0'], moving: ['v1.4', 'v1'] }],
    // Build metadata is not part of a tag (and "+" is not allowed in one).
    ['1.4.0+build.7', { floating: true }, { immutable: ['v1.4.0'], moving: ['v1.4', 'v1'] }],
    // Prereleases never float, even when asked.
    ['1.3.0-rc.1', {}, { immutable: ['v1.3.0-rc.1'], moving: [] }],
    ['1.3.0-rc.1', { floating: true }, { immutable: ['v1.3.0-rc.1'], moving: [] }],
    ['v2.0.0-alpha.beta.1', { floating: true }, { immutable: ['v2.0.0-alpha.beta.1'], moving: [] }],
    ['1.0.0-0', { floating: true, released: [] }, { immutable: ['v1.0.0-0'], moving: [] }],
    // Custom prefixes, including none.
    ['1.4.0', { tagPrefix: 'synapse-v', floating: true }, { immutable: ['synapse-v1.4.0'], moving: ['synapse-v1.4', 'synapse-v1'] }],
    ['1.4.0', { tagPrefix: '', floating: true }, { immutable: ['1.4.0'], moving: ['1.4', '1'] }],
    ['v1.4.0', { tagPrefix: '' }, { immutable: ['1.4.0'], moving: [] }],
    ['1.3.0-rc.2', { tagPrefix: 'release-', floating: true }, { immutable: ['release-1.3.0-rc.2'], moving: [] }],
  ])('%s with %j', (version, options, expected) => {
    expect(pushed(imageTags({ kind: 'version', version }, { sha, ...options }))).toEqual(expected);
  });
});

describe('imageTags: a floating tag only moves to the highest release of its line', () => {
  // [version, released, moving]
  test.each<[string, string[], string[]]>([
    // The first release of a line, or the newest of both lines.
    ['1.4.0', ['1.3.0', '1.2.5', '0.9.0'], ['v1.4', 'v1']],
    ['1.4.3', ['1.4.0', '1.4.1', '1.4.2'], ['v1.4', 'v1']],
    ['2.0.0', ['1.9.9'], ['v2.0', 'v2']],
    // The version itself in released (a re-run after tagging) holds nothing back.
    ['1.4.3', ['1.4.3'], ['v1.4', 'v1']],
    ['1.4.3', ['v1.4.3', 'v1.4.2'], ['v1.4', 'v1']],
    // A hotfix of an older line: 1.4.3 is the highest 1.4.x, so v1.4 moves; 1.5.0 holds v1.
    ['1.4.3', ['1.5.0'], ['v1.4']],
    ['1.4.3', ['1.4.2', '1.5.0', '1.5.1'], ['v1.4']],
    ['1.4.3', ['v1.5.0'], ['v1.4']],
    // A newer patch of the same line holds both.
    ['1.4.3', ['1.4.4'], []],
    ['1.4.3', ['1.4.10'], []],
    ['1.4.3', ['1.4.4', '1.5.0'], []],
    // Numeric, not string, comparison: 1.10.0 > 1.9.0.
    ['1.9.0', ['1.10.0'], ['v1.9']],
    ['1.10.0', ['1.9.0', '1.9.5'], ['v1.10', 'v1']],
    // Another major line changes nothing for this one.
    ['1.4.3', ['2.0.0', '3.1.4'], ['v1.4', 'v1']],
    ['2.1.0', ['1.99.99', '10.0.0'], ['v2.1', 'v2']],
    ['0.3.1', ['0.4.0'], ['v0.3']],
    ['0.3.1', ['1.0.0'], ['v0.3', 'v0']],
    // Prereleases in released never hold a floating tag back, however high.
    ['1.4.3', ['1.5.0-rc.1'], ['v1.4', 'v1']],
    ['1.4.3', ['1.4.4-rc.1', '2.0.0-alpha.1'], ['v1.4', 'v1']],
    ['1.4.0', ['1.4.0-rc.3'], ['v1.4', 'v1']],
    // Build metadata is ignored in the comparison.
    ['1.4.3', ['1.4.3+build.9'], ['v1.4', 'v1']],
    ['1.4.3', ['1.4.4+build.1'], []],
    // Entries that are not versions are ignored, not errors.
    ['1.4.3', ['', 'latest', 'v1', '1.5', 'vv1.5.0', 'junk'], ['v1.4', 'v1']],
    // Older releases never hold anything back.
    ['1.4.3', ['0.1.0', '1.0.0', '1.3.9', '1.4.2'], ['v1.4', 'v1']],
  ])('%s with released %j → %j', (version, released, moving) => {
    const tags = imageTags({ kind: 'version', version }, { sha, floating: true, released });
    expect(pushed(tags)).toEqual({ immutable: [`v${version.replace(/^v/, '')}`], moving });
  });

  test('held back lines use the custom prefix too', () => {
    const tags = imageTags({ kind: 'version', version: '1.4.3' }, { sha, tagPrefix: 'synapse-v', floating: true, released: ['1.5.0'] });
    expect(pushed(tags)).toEqual({ immutable: ['synapse-v1.4.3'], moving: ['synapse-v1.4'] });
  });

  test('released is ignored without floating', () => {
    expect(pushed(imageTags({ kind: 'version', version: '1.4.3' }, { sha, released: ['1.4.4'] }))).toEqual({ immutable: ['v1.4.3'], moving: [] });
  });
});

describe('imageTags: invalid versions', () => {
  test.each<[string]>([
    [''],
    ['1.4'],
    ['1'],
    ['v1.4'],
    ['1.4.0.1'],
    ['01.4.0'],
    ['1.04.0'],
    ['1.4.0-rc.01'],
    ['1.4.0-'],
    ['vv1.4.0'],
    ['V1.4.0'],
    ['=1.4.0'],
    ['v 1.4.0'],
    ['latest'],
    ['sha-abcdef1'],
    ['1.4.x'],
    ['^1.4.0'],
    ['1.4.0 || 1.5.0'],
  ])('%j is refused naming the version input', (version) => {
    const error = inputError(() => imageTags({ kind: 'version', version }, { sha, floating: true }));
    expect(error.input).toBe('version');
    expect(error.value).toBe(version);
    expect(error.expected).toContain('semantic version');
  });

  test('a version needs no valid sha (only main builds read it)', () => {
    expect(imageTags({ kind: 'version', version: '1.0.0' }, { sha: '' }).immutable).toEqual(['v1.0.0']);
  });
});

describe('imageTags: every tag it makes is a valid image tag', () => {
  test.each<[string, string]>([
    ['1.4.0', 'v'],
    ['1.3.0-rc.1', 'v'],
    ['0.0.0', ''],
    ['1.0.0-alpha.beta-x', 'synapse-v'],
    ['999999.999999.999999', 'v'],
  ])('%s with prefix %j', (version, tagPrefix) => {
    const tags = imageTags({ kind: 'version', version }, { sha, tagPrefix, floating: true });
    for (const tag of [...tags.immutable, ...tags.moving]) expect(isValidTag(tag), tag).toBe(true);
  });
});

describe('imageTags: the tag prefix must make a valid image tag', () => {
  test.each(['app/v', 'v:', 'has space'])('%j is refused, naming tag-prefix', (prefix) => {
    try {
      imageTags({ kind: 'version', version: '1.2.3' }, { sha: 'a'.repeat(40), tagPrefix: prefix });
      throw new Error('expected an InputError');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe('tag-prefix');
    }
  });

  test.each(['v', '', 'release-', 'svc_v'])('%j is accepted', (prefix) => {
    expect(imageTags({ kind: 'version', version: '1.2.3' }, { sha: 'a'.repeat(40), tagPrefix: prefix }).immutable).toEqual([`${prefix}1.2.3`]);
  });
});

describe('imageTags: a held floating tag says why', () => {
  test.each<[string, string[], ImageTags['held']]>([
    ['1.4.3', ['1.5.0', '1.5.2'], [{ tag: 'v1', reason: 'v1.5.2 is a newer release of its line' }]],
    ['1.4.3', ['1.4.4'], [
      { tag: 'v1.4', reason: 'v1.4.4 is a newer release of its line' },
      { tag: 'v1', reason: 'v1.4.4 is a newer release of its line' },
    ]],
    ['1.4.3', ['1.4.2'], []],
  ])('%s with released %j', (version, released, held) => {
    expect(imageTags({ kind: 'version', version }, { sha, floating: true, released }).held).toEqual(held);
  });

  test('main and non-floating versions hold nothing', () => {
    expect(imageTags({ kind: 'main' }, { sha }).held).toEqual([]);
    expect(imageTags({ kind: 'version', version: '1.0.0' }, { sha, released: ['2.0.0'] }).held).toEqual([]);
  });
});
