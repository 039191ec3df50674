import { describe, expect, test } from 'vitest';
import { readNotesSection, upsertNotesSection } from '../../src/core/notes-file.js';

/** A section as renderNotes writes it, with an entry that tells versions apart. */
function section(version: string, entry = `change in ${version}`): string {
  return `## ${version} (2026-11-23)\n\n### Features\n\n* ${entry} (abc1234)\n`;
}

function linked(version: string, previous: string): string {
  return `## [${version}](https://github.com/o/r/compare/v${previous}...v${version}) (2026-01-01)\n\n### Bug fixes\n\n* old fix in ${version} (1234567)\n`;
}

const header = '# Release notes\n\nAll notable changes, newest first.\n\n';

function crlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

describe('upsertNotesSection', () => {
  test.each<[string, string | null, string, string]>([
    ['missing file: default header', null, '1.0.0', `# Release notes\n\n${section('1.0.0')}`],
    ['empty file: default header', '', '1.0.0', `# Release notes\n\n${section('1.0.0')}`],
    ['blank file: default header', '\n\n  \n', '1.0.0', `# Release notes\n\n${section('1.0.0')}`],
    ['header only', header, '1.0.0', `${header}${section('1.0.0')}`],
    ['header without a blank line at the end', '# Notes\n', '1.0.0', `# Notes\n\n${section('1.0.0')}`],
    ['header without a final newline', '# Notes', '1.0.0', `# Notes\n\n${section('1.0.0')}`],
    ['new version goes right below the header', `${header}${section('1.2.0')}`, '1.3.0', `${header}${section('1.3.0')}\n${section('1.2.0')}`],
    [
      'new version between two others',
      `${header}${section('2.0.0')}\n${section('1.0.0')}`,
      '1.5.0',
      `${header}${section('2.0.0')}\n${section('1.5.0')}\n${section('1.0.0')}`,
    ],
    ['older than all: at the end', `${header}${section('2.0.0')}`, '1.0.0', `${header}${section('2.0.0')}\n${section('1.0.0')}`],
    ['older than all, file without final newline', `${header}${section('2.0.0').trimEnd()}`, '1.0.0', `${header}${section('2.0.0')}\n${section('1.0.0')}`],
    ['1.10.0 is newer than 1.9.0', `${header}${section('1.9.0')}`, '1.10.0', `${header}${section('1.10.0')}\n${section('1.9.0')}`],
    ['1.9.0 is older than 1.10.0', `${header}${section('1.10.0')}\n${section('1.8.0')}`, '1.9.0', `${header}${section('1.10.0')}\n${section('1.9.0')}\n${section('1.8.0')}`],
    ['release above its release candidate', `${header}${section('1.1.0-rc.1')}`, '1.1.0', `${header}${section('1.1.0')}\n${section('1.1.0-rc.1')}`],
    ['release candidate below its release', `${header}${section('1.1.0')}\n${section('1.0.0')}`, '1.1.0-rc.1', `${header}${section('1.1.0')}\n${section('1.1.0-rc.1')}\n${section('1.0.0')}`],
    ['rc.10 is newer than rc.9', `${header}${section('1.1.0-rc.9')}`, '1.1.0-rc.10', `${header}${section('1.1.0-rc.10')}\n${section('1.1.0-rc.9')}`],
    ['build metadata makes another section', `${header}${section('1.0.0+build.1')}`, '1.0.0+build.2', `${header}${section('1.0.0+build.2')}\n${section('1.0.0+build.1')}`],
    [
      'linked headings are version headings',
      `${header}${linked('1.2.0', '1.1.0')}\n${linked('1.1.0', '1.0.0')}`,
      '1.1.5',
      `${header}${linked('1.2.0', '1.1.0')}\n${section('1.1.5')}\n${linked('1.1.0', '1.0.0')}`,
    ],
    [
      'v-prefixed headings are version headings',
      `${header}## v1.2.0 (2025-01-01)\n\n* a\n\n## [v1.0.0](https://x.test) (2024-01-01)\n\n* b\n`,
      '1.1.0',
      `${header}## v1.2.0 (2025-01-01)\n\n* a\n\n${section('1.1.0')}\n## [v1.0.0](https://x.test) (2024-01-01)\n\n* b\n`,
    ],
    [
      'other level-2 headings belong to the header',
      `# Notes\n\n## Unreleased\n\n* soon\n\n## 1.2 (draft)\n\n## 1.2.3.4\n\n##1.2.0\n\n### 1.2.0\n\n${section('1.0.0')}`,
      '1.1.0',
      `# Notes\n\n## Unreleased\n\n* soon\n\n## 1.2 (draft)\n\n## 1.2.3.4\n\n##1.2.0\n\n### 1.2.0\n\n${section('1.1.0')}\n${section('1.0.0')}`,
    ],
    [
      'not a semver after all (leading zero in a prerelease)',
      `${header}## 1.0.0-01 (x)\n\n* odd\n`,
      '1.0.0',
      `${header}## 1.0.0-01 (x)\n\n* odd\n\n${section('1.0.0')}`,
    ],
    [
      'missing blank line before the next section is added once',
      `# Notes\n${section('1.0.0')}`,
      '1.1.0',
      `# Notes\n\n${section('1.1.0')}\n${section('1.0.0')}`,
    ],
    [
      'hand edits elsewhere are kept as they are, odd spacing included',
      `${header}${section('1.2.0')}\n\n\nA hand-written note.  \n${section('1.1.0')}\n`,
      '1.3.0',
      `${header}${section('1.3.0')}\n${section('1.2.0')}\n\n\nA hand-written note.  \n${section('1.1.0')}\n`,
    ],
  ])('insert: %s', (_, existing, version, expected) => {
    expect(upsertNotesSection(existing, section(version), version)).toBe(expected);
  });

  test.each<[string, string, string, string]>([
    [
      'replaced in place between others',
      `${header}${section('1.3.0')}\n${section('1.2.0', 'stale entry')}\n${section('1.1.0')}`,
      '1.2.0',
      `${header}${section('1.3.0')}\n${section('1.2.0', 'fresh entry')}\n${section('1.1.0')}`,
    ],
    [
      'replaced in place even when out of order',
      `${header}${section('1.1.0')}\n${section('1.2.0', 'stale entry')}\n`,
      '1.2.0',
      `${header}${section('1.1.0')}\n${section('1.2.0', 'fresh entry')}`,
    ],
    [
      'last section with trailing blank lines: one newline left',
      `${header}${section('1.2.0', 'stale entry')}\n\n\n`,
      '1.2.0',
      `${header}${section('1.2.0', 'fresh entry')}`,
    ],
    [
      'extra blank lines before the next section become one',
      `${header}${section('1.2.0', 'stale entry')}\n\n\n${section('1.1.0')}`,
      '1.2.0',
      `${header}${section('1.2.0', 'fresh entry')}\n${section('1.1.0')}`,
    ],
    [
      'a linked heading is replaced by the new one',
      `${header}${linked('1.2.0', '1.1.0')}\n${section('1.1.0')}`,
      '1.2.0',
      `${header}${section('1.2.0', 'fresh entry')}\n${section('1.1.0')}`,
    ],
    [
      'a v-prefixed heading counts as the same version',
      `${header}## v1.2.0 (2025-01-01)\n\n* old\n\n${section('1.1.0')}`,
      '1.2.0',
      `${header}${section('1.2.0', 'fresh entry')}\n${section('1.1.0')}`,
    ],
    [
      'the section of a prerelease is not that of its release',
      `${header}${section('1.2.0')}\n${section('1.2.0-rc.1', 'stale entry')}`,
      '1.2.0-rc.1',
      `${header}${section('1.2.0')}\n${section('1.2.0-rc.1', 'fresh entry')}`,
    ],
    [
      'hand-written text inside the replaced section goes with it',
      `${header}${section('1.2.0', 'stale entry')}\nA hand-written note.\n\n${section('1.1.0')}`,
      '1.2.0',
      `${header}${section('1.2.0', 'fresh entry')}\n${section('1.1.0')}`,
    ],
  ])('replace: %s', (_, existing, version, expected) => {
    expect(upsertNotesSection(existing, section(version, 'fresh entry'), version)).toBe(expected);
  });

  test.each<[string, string | null, string]>([
    ['missing file', null, '1.0.0'],
    ['header only', header, '1.0.0'],
    ['insert at the top', `${header}${section('1.2.0')}`, '1.3.0'],
    ['insert in the middle', `${header}${section('1.10.0')}\n${section('1.8.0')}`, '1.9.0'],
    ['insert at the end', `${header}${section('1.10.0')}`, '1.9.0'],
    ['replace', `${header}${section('1.2.0', 'stale')}\n\n\n${section('1.1.0')}`, '1.2.0'],
    ['header needing a blank line', '# Notes', '1.0.0'],
    ['CRLF file', crlf(`${header}${section('1.2.0')}`), '1.3.0'],
    ['prerelease', `${header}${section('1.1.0')}`, '1.1.0-rc.1'],
  ])('idempotent: applying twice equals applying once (%s)', (_, existing, version) => {
    const once = upsertNotesSection(existing, section(version), version);
    expect(upsertNotesSection(once, section(version), version)).toBe(once);
    expect(once.split(`## ${version} (`)).toHaveLength(2);
  });

  test.each<[string, string, string]>([
    ['insert into a CRLF file', crlf(`${header}${section('1.2.0')}`), crlf(`${header}${section('1.3.0')}\n${section('1.2.0')}`)],
    [
      'replace in a CRLF file',
      crlf(`${header}${section('1.3.0', 'stale')}\n${section('1.2.0')}`),
      crlf(`${header}${section('1.3.0')}\n${section('1.2.0')}`),
    ],
    ['append to a CRLF file', crlf(`${header}${section('2.0.0')}`), crlf(`${header}${section('2.0.0')}\n${section('1.3.0')}`)],
  ])('CRLF: %s', (_, existing, expected) => {
    const result = upsertNotesSection(existing, section('1.3.0'), '1.3.0');
    expect(result).toBe(expected);
    expect(result.replace(/\r\n/g, '')).not.toContain('\n');
  });

  test('a section written with CRLF goes into an LF file with LF', () => {
    const result = upsertNotesSection(`${header}${section('1.2.0')}`, crlf(section('1.3.0')), '1.3.0');
    expect(result).toBe(`${header}${section('1.3.0')}\n${section('1.2.0')}`);
  });

  test('blank lines around the given section are trimmed', () => {
    const result = upsertNotesSection(`${header}${section('1.2.0')}`, `\n\n${section('1.3.0')}\n\n\n`, '1.3.0');
    expect(result).toBe(`${header}${section('1.3.0')}\n${section('1.2.0')}`);
  });

  test.each([
    ['custom header for a new file', null, '# Changelog\n\n', `# Changelog\n\n${section('1.0.0')}`],
    ['custom header without blank line', null, '# Changelog', `# Changelog\n\n${section('1.0.0')}`],
    ['ignored when the file has content', `${header}`, '# Changelog\n\n', `${header}${section('1.0.0')}`],
  ])('defaultHeader: %s', (_, existing, defaultHeader, expected) => {
    expect(upsertNotesSection(existing, section('1.0.0'), '1.0.0', { defaultHeader })).toBe(expected);
  });

  test.each(['1.3.0', 'v1.3.0', ' v1.3.0 '])('the version may carry a v prefix: %j', (version) => {
    expect(upsertNotesSection(`${header}${section('1.2.0')}`, section('1.3.0'), version)).toBe(`${header}${section('1.3.0')}\n${section('1.2.0')}`);
  });

  test.each([
    ['not a version', section('1.0.0'), 'latest', /semantic version/],
    ['two parts only', section('1.0.0'), '1.0', /semantic version/],
    ['leading zero', section('1.0.0'), '01.0.0', /semantic version/],
    ['section of another version', section('1.2.0'), '1.3.0', /"## 1\.3\.0"/],
    ['section without a heading', '### Features\n\n* a\n', '1.3.0', /heading.*"### Features"/],
    ['empty section', '', '1.3.0', /heading/],
  ])('rejects %s', (_, text, version, message) => {
    expect(() => upsertNotesSection(header, text, version)).toThrow(message);
  });
});

describe('readNotesSection', () => {
  const file = `${header}${section('1.10.0')}\n\n${linked('1.9.0', '1.8.0')}\n${section('1.9.0-rc.1')}\n${section('1.0.0')}\n\n`;

  test.each<[string, string, string | null]>([
    ['first section, blank lines trimmed', '1.10.0', section('1.10.0')],
    ['linked heading', '1.9.0', linked('1.9.0', '1.8.0')],
    ['v prefix in the request', 'v1.9.0', linked('1.9.0', '1.8.0')],
    ['prerelease apart from its release', '1.9.0-rc.1', section('1.9.0-rc.1')],
    ['last section, trailing blank lines trimmed', '1.0.0', section('1.0.0')],
    ['absent version', '1.1.0', null],
    ['no match of a release by its prerelease', '1.9.0-rc.2', null],
  ])('%s', (_, version, expected) => {
    expect(readNotesSection(file, version)).toBe(expected);
  });

  test('in a CRLF file the section keeps CRLF', () => {
    expect(readNotesSection(crlf(file), '1.9.0')).toBe(crlf(linked('1.9.0', '1.8.0')));
  });

  test('a file without sections has none', () => {
    expect(readNotesSection(header, '1.0.0')).toBeNull();
    expect(readNotesSection('', '1.0.0')).toBeNull();
  });

  test.each<[string, string | null, string]>([
    ['new file', null, '1.0.0'],
    ['between others', `${header}${section('2.0.0')}\n${section('1.0.0')}`, '1.5.0'],
    ['replacing', `${header}${section('1.5.0', 'stale')}\n${section('1.0.0')}`, '1.5.0'],
  ])('reads back what upsert wrote: %s', (_, existing, version) => {
    const written = section(version, 'round trip');
    expect(readNotesSection(upsertNotesSection(existing, written, version), version)).toBe(written);
  });
});
