import { CommitParser } from 'conventional-commits-parser';

/** A commit as git gives it: the message is the raw `%B`, line endings as committed. */
export interface RawCommit {
  sha: string;
  parents: string[];
  message: string;
  /** A commit outside the range that borders it (git log --boundary); not part of the range. */
  boundary?: true;
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
  // No issue references: the notes link `#123` in the text they show.
  issuePrefixes: undefined,
});

const releaseAsFooter = /^Release-As:[ \t]*(\S+)[ \t]*$/im;

const conventionalHeader = /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?(!?): (\S.*)$/;
/** Anything only the full parser reads: footers that break or force a version, and reverts. */
const needsFullParse = /BREAKING|Release-As|revert|^\s/i;

/**
 * Reads a commit by the rules of DESIGN.md. Most commits of a long history are a header and a
 * plain body; for those the header alone decides, so the full parser only runs for messages that
 * mention a breaking footer, Release-As or a revert (a test checks both paths agree).
 */
export function parseCommit(raw: RawCommit): ConventionalCommit {
  return needsFullParse.test(raw.message) ? parseCommitFully(raw) : parseHeaderOnly(raw);
}

function parseHeaderOnly(raw: RawCommit): ConventionalCommit {
  const end = raw.message.search(/\r|\n/);
  const header = (end === -1 ? raw.message : raw.message.slice(0, end)).trim();
  const m = conventionalHeader.exec(header);
  return {
    sha: raw.sha,
    type: m ? m[1]!.toLowerCase() : null,
    scope: m ? m[2] || null : null,
    subject: m ? m[4]! : header,
    header,
    breaking: m !== null && m[3] === '!',
    breakingNotes: [],
    merge: raw.parents.length > 1,
    reverts: null,
    releaseAs: null,
  };
}

/** The full Conventional Commits parse, footers and reverts included. */
export function parseCommitFully(raw: RawCommit): ConventionalCommit {
  // git allows an empty message (--allow-empty-message); the parser throws on one.
  if (raw.message.trim() === '') return parseHeaderOnly(raw);
  const message = raw.message.replace(/\r\n?/g, '\n');
  const header = (message.split('\n', 1)[0] ?? '').trim();
  const merge = raw.parents.length > 1;
  const parsed = parser.parse(message);
  const type = parsed.type ? parsed.type.toLowerCase() : null;
  const breakingNotes = parsed.notes.map((note) => note.text.trim());
  // The same shape as headerPattern, so a scope the header accepts (even one with a colon) keeps its `!`.
  const bang = type !== null && /^\w[\w-]*(?:\([^()\r\n]*\))?!: /.test(header);
  return {
    sha: raw.sha,
    type,
    scope: type ? parsed.scope || null : null,
    subject: type ? (parsed.subject ?? '').trim() : header,
    header,
    breaking: type !== null && (bang || breakingNotes.length > 0),
    breakingNotes,
    merge,
    reverts: parsed.revert?.hash ? parsed.revert.hash.toLowerCase() : null,
    releaseAs: releaseAsFooter.exec(message)?.[1] ?? null,
  };
}
