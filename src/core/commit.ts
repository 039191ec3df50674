import { CommitParser } from 'conventional-commits-parser';

/** A commit as git gives it: the message is the raw `%B`, line endings as committed. */
export interface RawCommit {
  sha: string;
  parents: string[];
  message: string;
}

/** A commit read by the Conventional Commits 1.0.0 rules in DESIGN.md. */
export interface ConventionalCommit {
  sha: string;
  /** Lower-cased type, or null when the header is not a conventional header. */
  type: string | null;
  scope: string | null;
  /** The description after `: `; for a non-conventional commit, the whole header. */
  subject: string;
  header: string;
  /** `!` before the colon, or a BREAKING CHANGE / BREAKING-CHANGE footer. */
  breaking: boolean;
  /** The texts of the BREAKING CHANGE footers, in order. */
  breakingNotes: string[];
  /** More than one parent: the merge's own header does not count, the merged commits do. */
  merge: boolean;
  /** The sha (full, or abbreviated to 7+ characters) that this commit reverts, lower-cased. */
  reverts: string | null;
  /** The `Release-As:` footer value, as written. */
  releaseAs: string | null;
  /** Issue and pull request numbers mentioned as `#123`. */
  references: number[];
}

// Strict on purpose: a colon and a space are required, `!` goes right before the colon, and the
// footer token must be upper-case (the parser's default note pattern ignores case). `!` is read
// here rather than by the parser's breaking-header pattern, which would copy the subject into the
// notes as if it were a footer.
const parser = new CommitParser({
  headerPattern: /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?!?: (\S.*)$/,
  headerCorrespondence: ['type', 'scope', 'subject'],
  noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
  notesPattern: (keywords) => new RegExp(`^(${keywords}): (.*)`),
  // Case-insensitive like the type: `Revert: …` and `REVERT: …` are conventional reverts too.
  revertPattern: /^(?:Revert\s+"[\s\S]*"|revert(?:\([^()\r\n]*\))?!?: [\s\S]*?)\s*This reverts commit ([0-9a-fA-F]{7,40})\b/i,
  revertCorrespondence: ['hash'],
  issuePrefixes: ['#'],
  referenceActions: null as unknown as string[],
});

const releaseAsFooter = /^Release-As:[ \t]*(\S+)[ \t]*$/im;

export function parseCommit(raw: RawCommit): ConventionalCommit {
  const message = raw.message.replace(/\r\n?/g, '\n');
  const header = (message.split('\n', 1)[0] ?? '').trim();
  const merge = raw.parents.length > 1;
  const parsed = parser.parse(message);
  const type = parsed.type ? parsed.type.toLowerCase() : null;
  const breakingNotes = parsed.notes.map((note) => note.text.trim());
  // The same shape as headerPattern, so a scope the header accepts (even one with a colon) keeps its `!`.
  const bang = type !== null && /^\w[\w-]*(?:\([^()\r\n]*\))?!: /.test(header);
  const references = parsed.references
    .filter((ref) => ref.prefix === '#' && ref.owner === null && ref.repository === null)
    .map((ref) => Number(ref.issue))
    .filter((n) => Number.isSafeInteger(n) && n > 0);
  return {
    sha: raw.sha,
    type,
    scope: type ? (parsed.scope ?? null) : null,
    subject: type ? (parsed.subject ?? '') : header,
    header,
    breaking: type !== null && (bang || breakingNotes.length > 0),
    breakingNotes,
    merge,
    reverts: parsed.revert?.hash ? parsed.revert.hash.toLowerCase() : null,
    releaseAs: releaseAsFooter.exec(message)?.[1] ?? null,
    references: [...new Set(references)],
  };
}
