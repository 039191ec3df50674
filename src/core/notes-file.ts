import semver from 'semver';

export const defaultNotesHeader = '# Release notes\n\n';

const semverText = String.raw`(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
// `## [1.3.0](…) (date)` with links, `## 1.3.0 (date)` without; a `v` prefix is tolerated because
// hand-written files often carry the tag rather than the version.
const versionHeading = new RegExp(String.raw`^## (?:\[v?(${semverText})\]\(|v?(${semverText})(?:[ \t]|$))`);

/**
 * Puts one version's section into the notes file: replaces the section of that version in place, or
 * inserts it newest first by semver. Everything else is kept byte for byte, line endings included,
 * so the file's history only shows the section that changed.
 */
export function upsertNotesSection(
  existing: string | null,
  section: string,
  version: string,
  options: { defaultHeader?: string } = {},
): string {
  const target = bareVersion(version);
  const text = existing === null || existing.trim() === '' ? (options.defaultHeader ?? defaultNotesHeader) : existing;
  const eol = lineEnding(text);
  const body = normalizedSection(section, target, eol);
  const lines = splitLines(text);
  const headings = versionHeadings(lines);

  const same = headings.findIndex((h) => h.version === target);
  if (same >= 0) {
    const start = headings[same]!.line;
    const end = headings[same + 1]?.line ?? lines.length;
    return joinSections(lines.slice(0, start).join(''), body, lines.slice(end).join(''), eol);
  }
  const lower = headings.find((h) => semver.compareBuild(h.version, target) < 0);
  if (lower) {
    return joinSections(lines.slice(0, lower.line).join(''), body, lines.slice(lower.line).join(''), eol);
  }
  return joinSections(text, body, '', eol);
}

/** The section of `version` as it is in the file, without trailing blank lines; null when absent. */
export function readNotesSection(fileText: string, version: string): string | null {
  const target = bareVersion(version);
  const lines = splitLines(fileText);
  const headings = versionHeadings(lines);
  const index = headings.findIndex((h) => h.version === target);
  if (index < 0) return null;
  const end = headings[index + 1]?.line ?? lines.length;
  const text = lines.slice(headings[index]!.line, end).join('');
  return text.replace(/\s+$/, '') + lineEnding(fileText);
}

interface VersionHeading {
  /** Index into the file's lines. */
  line: number;
  /** Without the `v`, as written: build metadata included, so 1.0.0+a and 1.0.0+b stay apart. */
  version: string;
}

function versionHeadings(lines: readonly string[]): VersionHeading[] {
  const headings: VersionHeading[] = [];
  lines.forEach((line, index) => {
    const m = versionHeading.exec(line);
    const version = m?.[1] ?? m?.[2];
    // The pattern lets through what semver rejects, e.g. the leading zero in 1.0.0-01.
    if (version !== undefined && semver.parse(version) !== null) headings.push({ line: index, version });
  });
  return headings;
}

function bareVersion(version: string): string {
  const bare = version.trim().replace(/^v/, '');
  if (!new RegExp(`^${semverText}$`).test(bare) || semver.parse(bare) === null) {
    throw new Error(`Expected a semantic version such as 1.2.3 (optionally v1.2.3), got ${JSON.stringify(version)}`);
  }
  return bare;
}

/** The rendered section in the file's line endings, ending with exactly one line ending. */
function normalizedSection(section: string, version: string, eol: string): string {
  const lines = section
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .replace(/\s+$/, '')
    .split('\n');
  const first = lines[0] ?? '';
  const m = versionHeading.exec(first);
  if ((m?.[1] ?? m?.[2]) !== version) {
    // Otherwise the next run could not find it again and would add it a second time.
    throw new Error(`Expected the section to start with a "## ${version}" or "## [${version}](…)" heading, got ${JSON.stringify(first)}`);
  }
  return lines.join(eol) + eol;
}

/**
 * Exactly one blank line between the text before and the section, and between the section and what
 * follows. Only line endings are ever added to `before`, never removed, so its bytes stay as written.
 */
function joinSections(before: string, body: string, after: string, eol: string): string {
  let head = before;
  if (head !== '') {
    if (!/\n$/.test(head)) head += eol;
    if (!/(?:^|\n)[ \t]*\r?\n$/.test(head)) head += eol;
  }
  return after === '' ? head + body : head + body + eol + after;
}

/** CRLF when the file's first line ends that way; a file is assumed to be consistent. */
function lineEnding(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** Lines with their endings attached, so that joining them gives back the exact text. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
