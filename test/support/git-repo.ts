import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';

/** A real repository in a temporary directory, driven synchronously so tests read top to bottom. */
export interface TestRepo {
  dir: string;
  /** Runs git in `dir`; returns trimmed stdout, throws with git's stderr on a non-zero exit. */
  git(...args: string[]): string;
  /**
   * Changes a file (by default a new file of its own, so branches never conflict) and commits with
   * exactly `message`: CRLF, leading `#` lines and trailing spaces are kept. `date` (anything git
   * accepts, e.g. `2024-05-01T12:00:00Z`) sets both author and committer date. Returns the sha.
   */
  commit(message: string, options?: { file?: string; content?: string; date?: string }): string;
  /**
   * Appends `messages` as a linear history on the current branch through `git fast-import`:
   * thousands of commits per second, for benchmarks and large-history tests. Returns the new HEAD.
   */
  commitMany(messages: Iterable<string>): string;
  tag(name: string, ref?: string, options?: { annotated?: boolean; message?: string }): void;
  branch(name: string, from?: string): void;
  /** Any ref or sha; a sha detaches HEAD. */
  checkout(ref: string): void;
  /** `--no-ff` merge of `branch` into the current branch; returns the merge commit's sha. */
  merge(branch: string, message?: string): string;
  head(): string;
  cleanup(): void;
}

export interface BareRemote {
  dir: string;
  /** file:// URL, so clones can use --depth. */
  url: string;
  cleanup(): void;
}

/** Fixed identity: shas then depend only on what a test does. */
const IDENTITY = { name: 'Release Flow Test', email: 'test@release-flow.invalid' };
/** 2024-01-01T00:00:00Z; each commit, merge and tag is one minute later than the one before. */
const EPOCH_SECONDS = 1_704_067_200;

/** Independent of the machine: no global or system config, no prompts, English messages. */
const BASE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
  GIT_AUTHOR_NAME: IDENTITY.name,
  GIT_AUTHOR_EMAIL: IDENTITY.email,
  GIT_COMMITTER_NAME: IDENTITY.name,
  GIT_COMMITTER_EMAIL: IDENTITY.email,
};

const REPO_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['user.name', IDENTITY.name],
  ['user.email', IDENTITY.email],
  ['commit.gpgsign', 'false'],
  ['tag.gpgsign', 'false'],
  ['core.autocrlf', 'false'],
  ['advice.detachedHead', 'false'],
];

interface RunOptions {
  input?: string;
  date?: string;
}

function runGit(cwd: string, args: readonly string[], options: RunOptions = {}): string {
  const env = options.date ? { ...BASE_ENV, GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date } : BASE_ENV;
  const result = spawnSync('git', args, {
    cwd,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.error) throw new Error(`git ${args.join(' ')} could not be run in ${cwd}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal}): ${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

function makeTempDir(prefix: string): string {
  // realpath: on macOS tmpdir is a symlink, and git prints resolved paths.
  return realpathSync(mkdtempSync(join(tmpdir(), `release-flow-${prefix}-`)));
}

function configure(dir: string): void {
  for (const [key, value] of REPO_CONFIG) runGit(dir, ['config', key, value]);
}

/** Counters a clone inherits, so its new commits neither reuse file names nor go back in time. */
interface Clock {
  changes: number;
  minutes: number;
}

function openRepo(dir: string, clock: Clock, cleanupDirs: string[]): TestRepo {
  const tick = (): string => `@${EPOCH_SECONDS + 60 * ++clock.minutes} +0000`;
  const now = (): string => `@${EPOCH_SECONDS + 60 * clock.minutes} +0000`;
  const git = (args: readonly string[], options: RunOptions = {}) => runGit(dir, args, { date: now(), ...options });
  const hasCommits = (): boolean => {
    try {
      git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
      return true;
    } catch {
      return false;
    }
  };

  const repo: TestRepo & { clock: Clock } = {
    dir,
    clock,

    git: (...args) => git(args),

    commit(message, options = {}) {
      const change = ++clock.changes;
      const file = options.file ?? `changes/${change}.txt`;
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, options.content ?? `change ${change}\n`);
      git(['add', '--', file]);
      const date = options.date ?? tick();
      if (options.date) tick();
      // --allow-empty: content equal to what is there must still give the commit the test asked for.
      git(['commit', '--quiet', '--no-verify', '--allow-empty', '--cleanup=verbatim', '--file=-'], {
        input: message,
        date,
      });
      return git(['rev-parse', 'HEAD']);
    },

    commitMany(messages) {
      const branch = git(['symbolic-ref', '--quiet', 'HEAD']);
      const parent = hasCommits() ? repo.head() : null;
      const chunks: string[] = [];
      let first = true;
      for (const message of messages) {
        const change = ++clock.changes;
        const content = `change ${change}\n`;
        const when = `${EPOCH_SECONDS + 60 * ++clock.minutes} +0000`;
        chunks.push(
          `commit ${branch}\n`,
          `author ${IDENTITY.name} <${IDENTITY.email}> ${when}\n`,
          `committer ${IDENTITY.name} <${IDENTITY.email}> ${when}\n`,
          `data ${Buffer.byteLength(message)}\n${message}\n`,
          first && parent ? `from ${parent}\n` : '',
          `M 100644 inline changes/bulk.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`,
        );
        first = false;
      }
      if (first) return repo.head();
      // --force is not needed (we only append); --quiet keeps the statistics off stderr.
      git(['fast-import', '--quiet', '--date-format=raw'], { input: chunks.join('') });
      // fast-import moves the branch but not the work tree or index.
      git(['reset', '--quiet', '--hard', 'HEAD']);
      return repo.head();
    },

    tag(name, ref = 'HEAD', options = {}) {
      if (options.annotated || options.message !== undefined) {
        git(['tag', '--annotate', '--cleanup=verbatim', '--file=-', name, ref], {
          input: options.message ?? name,
          date: tick(),
        });
      } else {
        git(['tag', name, ref]);
      }
    },

    branch(name, from = 'HEAD') {
      git(['branch', name, from]);
    },

    checkout(ref) {
      git(['checkout', '--quiet', ref, '--']);
    },

    merge(branch, message) {
      const date = tick();
      if (message === undefined) {
        git(['merge', '--quiet', '--no-ff', '--no-edit', '--no-verify', branch], { date });
      } else {
        const messageFile = join(dir, '.git', 'RELEASE_FLOW_TEST_MERGE_MSG');
        writeFileSync(messageFile, message);
        git(['merge', '--quiet', '--no-ff', '--no-verify', '--cleanup=verbatim', `--file=${messageFile}`, branch], { date });
        rmSync(messageFile, { force: true });
      }
      return repo.head();
    },

    head() {
      return git(['rev-parse', 'HEAD']);
    },

    cleanup() {
      for (const path of cleanupDirs) rmSync(path, { recursive: true, force: true });
    },
  };
  return repo;
}

export function createTestRepo(options: { bare?: boolean; initialBranch?: string } = {}): TestRepo {
  const dir = makeTempDir('repo');
  runGit(dir, ['init', '--quiet', `--initial-branch=${options.initialBranch ?? 'main'}`, ...(options.bare ? ['--bare'] : [])]);
  configure(dir);
  return openRepo(dir, { changes: 0, minutes: 0 }, [dir]);
}

export function createBareRemote(): BareRemote {
  const dir = makeTempDir('remote');
  runGit(dir, ['init', '--quiet', '--bare', '--initial-branch=main']);
  return { dir, url: pathToFileURL(dir).href, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A `--depth` clone whose origin is `from` (as a file:// URL, which --depth needs to take effect). */
export function shallowClone(from: TestRepo, depth: number): TestRepo {
  const parent = makeTempDir('clone');
  const dir = join(parent, 'work');
  runGit(parent, ['clone', '--quiet', `--depth=${depth}`, pathToFileURL(from.dir).href, dir]);
  configure(dir);
  const inherited = (from as Partial<{ clock: Clock }>).clock;
  return openRepo(dir, { changes: inherited?.changes ?? 0, minutes: inherited?.minutes ?? 0 }, [parent]);
}

/** Temporary repositories, remotes, clones and directories, each removed after the test that made it. */
export interface TempRepos {
  repo(options?: Parameters<typeof createTestRepo>[0]): TestRepo;
  remote(): BareRemote;
  shallow(from: TestRepo, depth: number): TestRepo;
  /** A new empty temporary directory, named `release-flow-<label>-…`. */
  tempDir(label: string): string;
  /** Runs `cleanup` after the current test, with the rest. */
  onCleanup(cleanup: () => void): void;
}

/** Call once at a test file's top level: the `afterEach` it registers removes what its functions made during the test. */
export function tempRepos(): TempRepos {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const track = <T extends { cleanup(): void }>(made: T): T => {
    cleanups.push(() => made.cleanup());
    return made;
  };
  return {
    repo: (options) => track(createTestRepo(options)),
    remote: () => track(createBareRemote()),
    shallow: (from, depth) => track(shallowClone(from, depth)),
    tempDir(label) {
      const path = makeTempDir(label);
      cleanups.push(() => rmSync(path, { recursive: true, force: true }));
      return path;
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
