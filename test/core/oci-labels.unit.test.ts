import { describe, expect, test } from 'vitest';
import { ociLabels, revisionLabel, type ImageFacts } from '../../src/core/oci-labels.js';

const sha = '0123456789abcdef0123456789abcdef01234567';
const full: ImageFacts = {
  title: 'synapse',
  description: 'The synapse service',
  source: 'https://github.com/owner/synapse',
  url: 'https://github.com/owner/synapse',
  version: '1.4.0',
  revision: sha,
  created: '2026-01-02T03:04:05Z',
  licenses: 'MIT',
};
const minimal: ImageFacts = { title: 'synapse', version: 'sha-0123456', revision: sha, created: '2026-01-02T03:04:05Z' };
const p = 'org.opencontainers.image.';

describe('ociLabels', () => {
  // [what, facts, extra, labels in order]
  test.each<[string, ImageFacts, Record<string, string> | undefined, [string, string][]]>([
    [
      'every fact, in the order of the OCI annotation list',
      full,
      undefined,
      [
        [`${p}title`, 'synapse'],
        [`${p}description`, 'The synapse service'],
        [`${p}source`, 'https://github.com/owner/synapse'],
        [`${p}url`, 'https://github.com/owner/synapse'],
        [`${p}version`, '1.4.0'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        [`${p}licenses`, 'MIT'],
      ],
    ],
    [
      'optional facts left out when missing',
      minimal,
      undefined,
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
      ],
    ],
    [
      'optional facts left out when empty',
      { ...minimal, description: '', source: '', url: '', licenses: '' },
      {},
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
      ],
    ],
    [
      'optional facts left out when undefined',
      { ...minimal, description: undefined, licenses: undefined },
      {},
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
      ],
    ],
    [
      'extra labels come after the facts',
      minimal,
      { 'com.example.team': 'core', 'com.example.tier': 'backend' },
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        ['com.example.team', 'core'],
        ['com.example.tier', 'backend'],
      ],
    ],
    [
      'an extra label overrides a fact in its place',
      full,
      { [`${p}description`]: 'Overridden', [`${p}licenses`]: 'Apache-2.0' },
      [
        [`${p}title`, 'synapse'],
        [`${p}description`, 'Overridden'],
        [`${p}source`, 'https://github.com/owner/synapse'],
        [`${p}url`, 'https://github.com/owner/synapse'],
        [`${p}version`, '1.4.0'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        [`${p}licenses`, 'Apache-2.0'],
      ],
    ],
    [
      'an extra label fills a missing fact',
      minimal,
      { [`${p}licenses`]: 'MIT' },
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        [`${p}licenses`, 'MIT'],
      ],
    ],
    [
      // The registry checks (idempotent re-run, immutable tag, latest only forward) read the commit
      // from this label: a user's label must not change it.
      'the revision cannot be overridden',
      minimal,
      { [revisionLabel]: 'not-the-commit', 'com.example.x': '1' },
      [
        [`${p}title`, 'synapse'],
        [`${p}version`, 'sha-0123456'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        ['com.example.x', '1'],
      ],
    ],
    [
      'the revision cannot be emptied',
      full,
      { [revisionLabel]: '' },
      [
        [`${p}title`, 'synapse'],
        [`${p}description`, 'The synapse service'],
        [`${p}source`, 'https://github.com/owner/synapse'],
        [`${p}url`, 'https://github.com/owner/synapse'],
        [`${p}version`, '1.4.0'],
        [`${p}revision`, sha],
        [`${p}created`, '2026-01-02T03:04:05Z'],
        [`${p}licenses`, 'MIT'],
      ],
    ],
  ])('%s', (_what, facts, extra, labels) => {
    const result = extra === undefined ? ociLabels(facts) : ociLabels(facts, extra);
    expect(Object.entries(result)).toEqual(labels);
  });

  test('the revision label is the OCI one', () => {
    expect(revisionLabel).toBe('org.opencontainers.image.revision');
  });

  test('the inputs are not changed', () => {
    const facts = { ...full };
    const extra = { [revisionLabel]: 'x', a: 'b' };
    ociLabels(facts, extra);
    expect(facts).toEqual(full);
    expect(extra).toEqual({ [revisionLabel]: 'x', a: 'b' });
  });
});
