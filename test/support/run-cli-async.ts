import { spawn } from 'node:child_process';
import { cliPath } from '../cli/run-cli.js';

// `node dist/cli/index.js …` as a child process, like test/cli/run-cli.ts, but asynchronous: the
// test keeps running while the command does (to stop a registry mid-run, say), may watch stderr
// line by line, and gives long commands (multi-arch builds) their own time limit.

export interface AsyncCliOptions {
  cwd: string;
  /** Added to (or, with undefined, removed from) the isolated environment. */
  env?: Record<string, string | undefined>;
  /** Called for each line of stderr as it comes (buildx progress and the command's log go there). */
  onStderrLine?: (line: string) => void;
  /** Killed (SIGKILL) after this long; the promise then rejects. Default 120 s. */
  timeoutMs?: number;
}

export interface AsyncCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time of the run. */
  ms: number;
}

/** The machine's environment minus GitHub's, runner and git settings, with git isolated (as runCli does). */
export function isolatedCliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GITHUB_|RUNNER_|INPUT_|GIT_)/.test(key)) continue;
    env[key] = value;
  }
  Object.assign(env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function runCliAsync(args: readonly string[], options: AsyncCliOptions): Promise<AsyncCliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: isolatedCliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!options.onStderrLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine(line);
    });
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`release-flow ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (partial && options.onStderrLine) options.onStderrLine(partial);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
