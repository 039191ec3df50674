import { InputError } from './errors.js';
import type { ConventionalCommit } from './commit.js';
import type { RepoLinks } from './links.js';

/** A `### title` section listing the commits of the given (lower-case) types. */
export interface NotesSection {
  title: string;
  types: string[];
}

export const breakingSectionTitle = '⚠ Breaking changes';

/** Shown after the breaking changes, in this order; every other type is hidden unless configured. */
export const defaultNotesSections: readonly NotesSection[] = [
  { title: 'Features', types: ['feat'] },
  { title: 'Bug fixes', types: ['fix'] },
  { title: 'Performance', types: ['perf'] },
  { title: 'Reverts', types: ['revert'] },
];

export interface NotesOptions {
  /** Replaces `defaultNotesSections`. Breaking changes always come first, whatever this says. */
  sections?: readonly NotesSection[];
  /**
   * Types hidden by default that should be shown (see `parseShownTypes`). A section whose title is
   * already in `sections` adds its types there; any other is appended after them.
   */
  shownTypes?: readonly NotesSection[];
}

export interface NotesInput {
  /** The version without the tag prefix: `1.3.0`. */
  version: string;
  /** YYYY-MM-DD; passed in so that rendering stays reproducible. */
  date: string;
  tag: string;
  /** Null for the first release: there is nothing to compare with. */
  previousTag: string | null;
  /** Newest first, as git log gives them; entries keep this order within a section. */
  commits: readonly ConventionalCommit[];
  /** Null renders plain text where links would be (no known repository). */
  links: RepoLinks | null;
  options?: NotesOptions;
}

/** One version's section of the release notes, ending with exactly one newline. */
export function renderNotes(input: NotesInput): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) {
    throw new Error(`Expected the release date as YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
  }
  const sections = sectionsFor(input.options);
  const sectionOfType = new Map<string, number>();
  sections.forEach((section, index) => {
    for (const type of section.types) if (!sectionOfType.has(type)) sectionOfType.set(type, index);
  });

  const breaking: string[] = [];
  const entries: string[][] = sections.map(() => []);
  for (const commit of input.commits) {
    // A merge's own header says "Merge pull request…"; the commits it merged are in the list already.
    if (commit.merge) continue;
    // git's own `Revert "…"` header is not conventional, but it is still a revert worth listing.
    const type = commit.reverts !== null ? 'revert' : commit.type;
    if (type === null) continue;
    if (commit.breaking) {
      breaking.push(breakingEntry(commit, input.links));
      continue;
    }
    const index = sectionOfType.get(type);
    if (index !== undefined) entries[index]!.push(entry(commit, input.links));
  }

  const blocks = [heading(input)];
  if (breaking.length > 0) blocks.push(`### ${breakingSectionTitle}`, breaking.join('\n'));
  sections.forEach((section, index) => {
    const list = entries[index]!;
    if (list.length > 0) blocks.push(`### ${section.title}`, list.join('\n'));
  });
  if (blocks.length === 1) blocks.push('_No user-facing changes._');
  return `${blocks.join('\n\n')}\n`;
}

/**
 * Parses `docs=Documentation, refactor=Refactoring` (commas or newlines between entries) into
 * sections; types given the same title share one section, in the order the titles first appear.
 */
export function parseShownTypes(text: string, input = 'shown-types'): NotesSection[] {
  const sections: NotesSection[] = [];
  for (const item of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^([\w-]+)\s*=\s*(\S.*)$/.exec(item);
    if (!m) throw new InputError(input, item, 'entries of the form "type=Section title", e.g. "docs=Documentation, refactor=Refactoring"');
    const type = m[1]!.toLowerCase();
    const title = m[2]!.trim();
    const existing = sections.find((section) => section.title === title);
    if (!existing) sections.push({ title, types: [type] });
    else if (!existing.types.includes(type)) existing.types.push(type);
  }
  return sections;
}

function sectionsFor(options: NotesOptions | undefined): NotesSection[] {
  const sections = (options?.sections ?? defaultNotesSections).map((s) => ({ title: s.title, types: s.types.map(lower) }));
  for (const shown of options?.shownTypes ?? []) {
    const same = sections.find((section) => section.title === shown.title);
    if (same) same.types.push(...shown.types.map(lower));
    else sections.push({ title: shown.title, types: shown.types.map(lower) });
  }
  return sections;
}

function lower(type: string): string {
  return type.toLowerCase();
}

function heading(input: NotesInput): string {
  const version =
    input.links && input.previousTag !== null
      ? `[${input.version}](${input.links.compare(input.previousTag, input.tag)})`
      : input.version;
  return `## ${version} (${input.date})`;
}

function entry(commit: ConventionalCommit, links: RepoLinks | null): string {
  const scope = commit.scope ? `**${oneLine(commit.scope)}:** ` : '';
  const short = commit.sha.slice(0, 7);
  const sha = links ? `[${short}](${links.commit(commit.sha)})` : short;
  return `* ${scope}${linkIssues(oneLine(commit.subject), links)} (${sha})`;
}

/**
 * The footer texts go under the entry as a block quote, indented by two spaces so that it belongs
 * to the list item; several footers share one quote, separated by an empty quote line.
 */
function breakingEntry(commit: ConventionalCommit, links: RepoLinks | null): string {
  const notes = commit.breakingNotes.map((note) => note.trim()).filter(Boolean);
  if (notes.length === 0) return entry(commit, links);
  const quoted = notes
    .join('\n\n')
    .split(/\r\n|\r|\n/)
    .map((line) => {
      const text = linkIssues(line.trimEnd(), links);
      return text === '' ? '  >' : `  > ${text}`;
    });
  return [entry(commit, links), ...quoted].join('\n');
}

/** A subject is one list item: a stray line break would end the item or start a new block. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

// Markdown links, inline code and bare URLs are matched first and kept as they are, so that a
// `#123` already inside one (`[#123](…)`, `https://…/#12`) is not linked a second time.
const issueOrSkipped = /\[[^\]\n]*\]\([^)\n]*\)|`[^`\n]*`|<?\bhttps?:\/\/[^\s>]+>?|(?<![\w&#/])#(\d+)\b/g;

function linkIssues(text: string, links: RepoLinks | null): string {
  if (!links) return text;
  return text.replace(issueOrSkipped, (match, issue: string | undefined) => {
    if (issue === undefined) return match;
    const n = Number(issue);
    return Number.isSafeInteger(n) && n > 0 ? `[#${issue}](${links.issue(n)})` : match;
  });
}
