import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The committed bundle, run exactly as a user runs it: `node dist/cli/index.js …`.
 * RELEASE_FLOW_CLI may point at another build of the same entry (e.g. a fresh one in a temp dir).
 */
export const cliPath = process.env.RELEASE_FLOW_CLI || fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

export interface CliResult {
  /** The exit code; null only when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The working directory of the process (the temporary repository, usually). */
  cwd: string;
  /** Added to (or, with undefined, removed from) the isolated environment below. */
  env?: Record<string, string | undefined>;
}

/**
 * The environment of every run: the machine's, minus anything that would make the output depend on
 * where the tests run (GitHub Actions sets GITHUB_REPOSITORY and GITHUB_SERVER_URL, which change the
 * links in release notes), with git isolated from global and system configuration.
 */
function isolatedEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GITHUB_') || key.startsWith('RUNNER_') || key.startsWith('INPUT_') || key.startsWith('GIT_')) continue;
    env[key] = value;
  }
  Object.assign(env, {
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node dist/cli/index.js ...args` as a child process and waits for it. */
export function runCli(args: readonly string[], options: CliOptions): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: isolatedEnv(options.env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  if (result.error) throw new Error(`node ${cliPath} ${args.join(' ')} could not be run: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI, expects exit 0 and exactly one JSON value on stdout, and returns it parsed. */
export function runCliJson(args: readonly string[], options: CliOptions): unknown {
  const result = runCli(args, options);
  if (result.code !== 0) {
    throw new Error(`release-flow ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  const lines = result.stdout.split('\n');
  // One object on one line, then the final newline: nothing else may share stdout with it.
  if (lines.length !== 2 || lines[1] !== '') {
    throw new Error(`expected exactly one line of JSON on stdout, got ${JSON.stringify(result.stdout)}`);
  }
  return JSON.parse(lines[0]!) as unknown;
}

/** Today in UTC, as the CLI dates notes of a version that has no tag yet. */
export function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}
