import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { RawCommit } from '../core/commit.js';

/**
 * Everything release-flow asks of git. Callers never build git command lines themselves: the
 * real implementation below is the only place that knows argv, and every call goes through one
 * spawn function, so environment, error reporting and argument safety are decided once.
 */
export interface Git {
  readonly cwd: string;
  /** False when `cwd` is not inside a git work tree (or is inside a bare repository). */
  isInsideWorkTree(): Promise<boolean>;
  /** The top directory of the work tree. */
  topLevel(): Promise<string>;
  isShallow(): Promise<boolean>;
  /** Fetch the whole history and all tags from `remote`: `--unshallow --tags` when shallow, else `--tags`. */
  deepen(remote?: string): Promise<void>;
  /** Full sha of `ref^{commit}`, or null when the ref does not exist or is not a commit. */
  resolveCommit(ref: string): Promise<string | null>;
  /** Short name of the checked-out branch; null when HEAD is detached. */
  currentBranch(): Promise<string | null>;
  /** Tag names, sorted by name. `mergedInto`: only tags reachable from that ref; `pointsAt`: only tags on that commit. */
  tags(options?: TagFilter): Promise<string[]>;
  /** Every tag with the commit it points at and that commit's date (YYYY-MM-DD, UTC), in one call. */
  tagCommits(options?: TagFilter): Promise<TaggedCommit[]>;
  /**
   * Commits reachable from `to` and not from `from`, newest first, yielded while git is still
   * writing. Breaking out of the loop kills git. A failing git (bad ref, empty repository: git
   * has no HEAD to start from) rejects with GitError, even after some commits were yielded.
   */
  log(range: CommitRange, options?: LogOptions): AsyncIterable<RawCommit>;
  countCommits(range: CommitRange): Promise<number>;
  /** Committer date of `ref` as YYYY-MM-DD in UTC. */
  commitDate(ref: string): Promise<string>;
  /** The committer date as RFC 3339 (UTC), for image labels that must not change on a rebuild. */
  commitTimestamp(ref: string): Promise<string>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Tracked changes (staged or not) or untracked files that are not ignored. */
  /** Changes to tracked files, and (unless `untracked: false`) untracked files that are not ignored. */
  isDirty(options?: { untracked?: boolean }): Promise<boolean>;
  tagExists(name: string): Promise<boolean>;
  /** Fetch URL of `remote` (after `insteadOf` rewriting), or null when there is no such remote. */
  remoteUrl(remote?: string): Promise<string | null>;
  /** The value of a git config key as git resolves it (local, global, system); null when unset. */
  configValue(key: string): Promise<string | null>;
  add(paths: string[]): Promise<void>;
  /** Commits the index with exactly `message` (sent on stdin, kept verbatim); returns the new HEAD sha. */
  commit(message: string): Promise<string>;
  /** `ref` defaults to HEAD; the message is sent on stdin and kept verbatim. */
  createAnnotatedTag(name: string, message: string, ref?: string): Promise<void>;
  /** Points the lightweight tag `name` at the commit of `ref`, creating or moving it. */
  moveTag(name: string, ref: string): Promise<void>;
  /** `atomic`: the remote accepts all refs or none (needs server support, which GitHub has). */
  push(remote: string, refs: string[], options?: { atomic?: boolean }): Promise<void>;
}

export interface LogOptions {
  /**
   * Also yield the excluded commits that border the range, marked `boundary: true`. When `from` is
   * an ancestor of `to`, `from` itself is one of them: that is how a range proves its start is
   * reachable without a walk of its own.
   */
  boundary?: boolean;
}

export interface CommitRange {
  /** Exclusive lower bound; null or absent means from the root commits. */
  from?: string | null;
  to: string;
}

export interface TaggedCommit {
  name: string;
  commit: string;
  date: string;
}

export interface TagFilter {
  mergedInto?: string;
  pointsAt?: string;
}

export interface GitOptions {
  /** The git executable; defaults to `git` on PATH. */
  gitPath?: string;
}

export class GitError extends Error {
  override readonly name = 'GitError';

  constructor(
    /** The arguments after `git`. */
    readonly args: readonly string[],
    /** Null when git could not be started or was killed by a signal. */
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown; signal?: NodeJS.Signals | null },
  ) {
    super(describeFailure(args, exitCode, stderr, options), options?.cause ? { cause: options.cause } : undefined);
  }
}

function describeFailure(
  args: readonly string[],
  exitCode: number | null,
  stderr: string,
  options?: { cause?: unknown; signal?: NodeJS.Signals | null },
): string {
  const command = formatCommand(args);
  const detail = stderr.trim();
  if (options?.cause instanceof Error) return `${command} could not be run: ${options.cause.message}`;
  const status = exitCode !== null ? `exit ${exitCode}` : `killed by ${options?.signal ?? 'a signal'}`;
  return `${command} failed (${status})${detail ? `: ${detail}` : ''}`;
}

function formatCommand(args: readonly string[]): string {
  return ['git', ...args].map((arg) => (/^[\w@%^~:/.,=+-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

// -- Parsing `git log -z --format=%m%H%x1f%P%x1f%B` ----------------------------------------------

/** Between commits (git's -z terminator); git refuses NUL inside commit messages. */
const RECORD_END = '\0';
/** Between the fields of one commit; a unit separator cannot appear in a sha or parent list. */
const FIELD_SEPARATOR = '\x1f';
/** %m is `-` for a boundary commit (with --boundary) and `>` otherwise. */
export const LOG_FORMAT = '--format=%m%H%x1f%P%x1f%B';
const BOUNDARY_MARK = '-';

/** One record of LOG_FORMAT output, without its NUL terminator. */
export function parseLogRecord(record: string): RawCommit {
  const afterSha = record.indexOf(FIELD_SEPARATOR);
  const afterParents = afterSha === -1 ? -1 : record.indexOf(FIELD_SEPARATOR, afterSha + 1);
  if (afterParents === -1 || afterSha < 2) {
    throw new Error(
      `expected a git log record "<mark><sha>\\x1f<parents>\\x1f<message>", got ${JSON.stringify(record.slice(0, 80))}`,
    );
  }
  const parents = record.slice(afterSha + 1, afterParents);
  const commit: RawCommit = {
    sha: record.slice(1, afterSha),
    parents: parents === '' ? [] : parents.split(' '),
    message: record.slice(afterParents + 1),
  };
  if (record[0] === BOUNDARY_MARK) commit.boundary = true;
  return commit;
}

/**
 * Turns decoded LOG_FORMAT output, in chunks of any size, into commits as soon as each record is
 * complete. Only the unfinished tail is kept, so memory follows the largest commit, not the history.
 */
export async function* parseLogStream(chunks: AsyncIterable<string>): AsyncGenerator<RawCommit> {
  let pending = '';
  for await (const chunk of chunks) {
    // Searching only the new chunk keeps a message spread over many chunks from being rescanned.
    let end = chunk.indexOf(RECORD_END);
    if (end === -1) {
      pending += chunk;
      continue;
    }
    yield parseLogRecord(pending + chunk.slice(0, end));
    let start = end + 1;
    while ((end = chunk.indexOf(RECORD_END, start)) !== -1) {
      yield parseLogRecord(chunk.slice(start, end));
      start = end + 1;
    }
    pending = chunk.slice(start);
  }
  if (pending !== '') {
    throw new Error(`git log output ended inside a record: ${JSON.stringify(pending.slice(0, 80))}`);
  }
}

// -- The one place git runs -------------------------------------------------------------------

interface Exited {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface SpawnedGit {
  child: ChildProcess;
  /** Settles once git has exited and its stderr is read; rejects with GitError when git could not start. */
  exited: Promise<Exited>;
}

/** Enough to explain any failure; a runaway stderr must not grow without bound. */
const STDERR_LIMIT = 64 * 1024;

function spawnGit(gitPath: string, cwd: string, args: readonly string[], stdin: 'pipe' | 'ignore'): SpawnedGit {
  const child = spawn(gitPath, args, {
    cwd,
    stdio: [stdin, 'pipe', 'pipe'],
    env: {
      ...process.env,
      // English messages for GitError, and never wait for a password nobody can type.
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      // Read-only commands such as status must not take index.lock from a concurrent writer.
      GIT_OPTIONAL_LOCKS: '0',
    },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (data: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += data;
  });
  const exited = new Promise<Exited>((resolve, reject) => {
    child.once('error', (error) => reject(new GitError(args, null, stderr, { cause: error })));
    child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stderr }));
  });
  // The caller may be busy with stdout when a spawn error arrives; it still sees it when awaiting.
  exited.catch(() => undefined);
  return { child, exited };
}

interface ExecOptions {
  /** Written to git's stdin; otherwise stdin is closed. */
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 for "no" from --is-ancestor). */
  okExitCodes?: readonly number[];
}

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function execGit(gitPath: string, cwd: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const { child, exited } = spawnGit(gitPath, cwd, args, options.input === undefined ? 'ignore' : 'pipe');
  if (options.input !== undefined) {
    // git may exit before reading everything (e.g. on a usage error); its exit code tells the story.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input, 'utf8');
  }
  let stdout = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (data: string) => {
    stdout += data;
  });
  const { exitCode, signal, stderr } = await exited;
  if (exitCode === 0 || (exitCode !== null && options.okExitCodes?.includes(exitCode))) {
    return { stdout, stderr, exitCode };
  }
  throw new GitError(args, exitCode, stderr, { signal });
}

// -- Arguments ----------------------------------------------------------------------------------

/** A ref, tag or remote name that git would read as an option is a caller bug or an injection. */
function operand(value: string, what: string): string {
  if (value === '' || value.startsWith('-')) {
    throw new Error(`expected a git ${what} that does not start with "-", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `^from to` is `from..to` without the parsing surprises of names containing dots. */
export function rangeArgs(range: CommitRange): string[] {
  const to = operand(range.to, 'revision');
  return range.from ? [to, `^${operand(range.from, 'revision')}`] : [to];
}

export function logArgs(range: CommitRange, options: LogOptions = {}): string[] {
  // --encoding: %B in UTF-8 whatever i18n.logOutputEncoding says; -z: NUL ends each record.
  // The trailing `--` keeps a revision from being taken for a path. --topo-order: a commit always
  // comes before its parents, even with skewed clocks, so a revert is read before what it reverts.
  const boundary = options.boundary ? ['--boundary'] : [];
  return ['log', '-z', '--topo-order', ...boundary, '--no-show-signature', '--encoding=UTF-8', LOG_FORMAT, ...rangeArgs(range), '--'];
}

export function tagArgs(options: TagFilter = {}, format = '%(refname:strip=2)'): string[] {
  // for-each-ref rather than `git tag`: plumbing, so tag.sort and column.ui cannot change the output.
  const args = ['for-each-ref', `--format=${format}`];
  if (options.mergedInto) args.push(`--merged=${operand(options.mergedInto, 'revision')}`);
  if (options.pointsAt) args.push(`--points-at=${operand(options.pointsAt, 'revision')}`);
  args.push('refs/tags');
  return args;
}

export function pushArgs(remote: string, refs: string[], options: { atomic?: boolean } = {}): string[] {
  if (refs.length === 0) throw new Error('expected at least one ref to push, got none');
  return [
    'push',
    ...(options.atomic ? ['--atomic'] : []),
    operand(remote, 'remote'),
    ...refs.map((ref) => operand(ref, 'refspec')),
  ];
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '');
}

// -- The real implementation ----------------------------------------------------------------------

export function createGit(cwd: string, options: GitOptions = {}): Git {
  const gitPath = options.gitPath ?? 'git';
  const exec = (args: readonly string[], execOptions?: ExecOptions) => execGit(gitPath, cwd, args, execOptions);
  const output = async (args: readonly string[], execOptions?: ExecOptions) =>
    (await exec(args, execOptions)).stdout.trim();

  const resolveCommit = async (ref: string): Promise<string | null> => {
    const { stdout, exitCode } = await exec(['rev-parse', '--verify', '--quiet', `${operand(ref, 'revision')}^{commit}`], {
      okExitCodes: [1],
    });
    return exitCode === 0 ? stdout.trim() : null;
  };

  const isShallow = async () => (await output(['rev-parse', '--is-shallow-repository'])) === 'true';

  const commitTimestamp = async (ref: string): Promise<string> => {
    const seconds = Number(await output(['show', '-s', '--format=%ct', `${operand(ref, 'revision')}^{commit}`, '--']));
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };

  return {
    cwd,

    async isInsideWorkTree() {
      try {
        return (await output(['rev-parse', '--is-inside-work-tree'])) === 'true';
      } catch (error) {
        // Only "no repository here" is a no; "dubious ownership" and friends need a human to read them.
        if (error instanceof GitError && /not a git repository/i.test(error.stderr)) return false;
        throw error;
      }
    },

    topLevel: () => output(['rev-parse', '--show-toplevel']),

    isShallow,

    async deepen(remote = 'origin') {
      const shallow = await isShallow();
      await exec(['fetch', '--no-recurse-submodules', ...(shallow ? ['--unshallow'] : []), '--tags', operand(remote, 'remote')]);
    },

    resolveCommit,

    async currentBranch() {
      const { stdout, exitCode } = await exec(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
      return exitCode === 0 ? stdout.trim() : null;
    },

    async tags(filter) {
      return lines(await output(tagArgs(filter)));
    },

    async tagCommits(filter) {
      // %(*…) is the peeled commit of an annotated tag and empty for a lightweight one.
      const format = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(committerdate:unix)%00%(*committerdate:unix)';
      return lines(await output(tagArgs(filter, format))).map((line) => {
        const [name = '', object = '', peeled = '', date = '', peeledDate = ''] = line.split('\0');
        const seconds = Number(peeledDate || date);
        return { name, commit: peeled || object, date: new Date(seconds * 1000).toISOString().slice(0, 10) };
      });
    },

    log(range, logOptions) {
      const args = logArgs(range, logOptions);
      return {
        [Symbol.asyncIterator]: () => streamLog(gitPath, cwd, args),
      };
    },

    async countCommits(range) {
      return Number(await output(['rev-list', '--count', ...rangeArgs(range), '--']));
    },

    commitDate: async (ref) => (await commitTimestamp(ref)).slice(0, 10),

    commitTimestamp,

    async isAncestor(ancestor, descendant) {
      const { exitCode } = await exec(
        ['merge-base', '--is-ancestor', operand(ancestor, 'revision'), operand(descendant, 'revision')],
        { okExitCodes: [1] },
      );
      return exitCode === 0;
    },

    async isDirty(dirtyOptions) {
      // Explicit --untracked-files: status.showUntrackedFiles=no must not hide new files.
      const untracked = dirtyOptions?.untracked === false ? 'no' : 'normal';
      return (await output(['status', '--porcelain', `--untracked-files=${untracked}`])) !== '';
    },

    async tagExists(name) {
      const { exitCode } = await exec(['rev-parse', '--verify', '--quiet', `refs/tags/${name}`], { okExitCodes: [1] });
      return exitCode === 0;
    },

    async remoteUrl(remote = 'origin') {
      // Exit 2 is git's "No such remote".
      const { stdout, exitCode } = await exec(['remote', 'get-url', operand(remote, 'remote')], { okExitCodes: [2] });
      return exitCode === 0 ? stdout.trim() : null;
    },

    async configValue(key) {
      // Exit 1 is git's "key not set".
      const { stdout, exitCode } = await exec(['config', '--get', operand(key, 'config key')], { okExitCodes: [1] });
      return exitCode === 0 ? stdout.trim() : null;
    },

    async add(paths) {
      if (paths.length === 0) return;
      await exec(['add', '--', ...paths]);
    },

    async commit(message) {
      await exec(['commit', '--quiet', '--cleanup=verbatim', '--file=-'], { input: message });
      return output(['rev-parse', 'HEAD']);
    },

    async createAnnotatedTag(name, message, ref = 'HEAD') {
      await exec(['tag', '--annotate', '--cleanup=verbatim', '--file=-', operand(name, 'tag name'), operand(ref, 'revision')], {
        input: message,
      });
    },

    async moveTag(name, ref) {
      await exec(['tag', '--force', operand(name, 'tag name'), `${operand(ref, 'revision')}^{commit}`]);
    },

    async push(remote, refs, pushOptions) {
      await exec(pushArgs(remote, refs, pushOptions));
    },
  };
}

async function* streamLog(gitPath: string, cwd: string, args: readonly string[]): AsyncGenerator<RawCommit> {
  const { child, exited } = spawnGit(gitPath, cwd, args, 'ignore');
  const stdout = child.stdout;
  if (!stdout) throw new Error('expected git log to have a stdout pipe');
  // A streaming decoder: a multi-byte character split between two chunks stays whole.
  stdout.setEncoding('utf8');
  let finished = false;
  try {
    try {
      yield* parseLogStream(stdout as AsyncIterable<string>);
    } catch (error) {
      // A truncated record usually means git died; its exit status explains it better.
      const { exitCode, signal, stderr } = await exited;
      if (exitCode !== 0) throw new GitError(args, exitCode, stderr, { signal });
      throw error;
    }
    const { exitCode, signal, stderr } = await exited;
    finished = true;
    if (exitCode !== 0) throw new GitError(args, exitCode, stderr, { signal });
  } finally {
    if (!finished) {
      // The consumer stopped early (or parsing failed): git would otherwise block on a full pipe.
      stdout.destroy();
      child.kill();
      await exited.catch(() => undefined);
    }
  }
}
