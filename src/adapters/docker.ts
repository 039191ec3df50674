import { spawn } from 'node:child_process';
import type { Stream } from 'node:stream';
import { stripTerminalControls } from '../core/terminal-text.js';

/** A docker command that failed: the argv (never a secret: those travel in the environment) and why. */
export class DockerError extends Error {
  override readonly name = 'DockerError';
  /** What docker wrote to stderr, without the terminal control codes compose writes even with --no-color. */
  readonly stderr: string;
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    stderr: string,
    options?: { cause?: unknown },
  ) {
    const text = stripTerminalControls(stderr);
    const tail = text.trim().split('\n').slice(-15).join('\n');
    super(`docker ${args.slice(0, 3).join(' ')} failed (${exitCode === null ? 'could not run' : `exit ${exitCode}`})${tail ? `:\n${tail}` : ''}`, options);
    this.stderr = text;
  }
}

export interface DockerRunOptions {
  /** Extra environment for this command only (build secrets are passed this way). */
  env?: Record<string, string>;
  /** Each line of stderr as it comes: buildx writes its progress there. */
  onLine?: (line: string) => void;
  cwd?: string;
  /**
   * Pipes the command inherits as fd 3, 4…: a pipe whose reader waits for end of file (the deploy
   * lock's) then stays open until this command has exited too, even when this process is killed.
   */
  inherit?: readonly Stream[];
}

export interface DockerResult {
  stdout: string;
  stderr: string;
}

/** Every docker call of the project goes through `run`: argv built by pure functions in core/. */
export interface Docker {
  run(args: readonly string[], options?: DockerRunOptions): Promise<DockerResult>;
}

/** Keeps what explains a failure without letting a chatty build grow memory without bound. */
const STDERR_LIMIT = 256 * 1024;

export function createDocker(options: { dockerPath?: string } = {}): Docker {
  const dockerPath = options.dockerPath ?? 'docker';
  return {
    run(args, runOptions = {}) {
      return new Promise<DockerResult>((resolve, reject) => {
        const child = spawn(dockerPath, args, {
          cwd: runOptions.cwd,
          stdio: ['ignore', 'pipe', 'pipe', ...(runOptions.inherit ?? [])],
          env: { ...process.env, ...runOptions.env },
        });
        let stdout = '';
        let stderr = '';
        let partial = '';
        // Piped above; the extra inherited streams only make the overload lose track of that.
        const [out, err] = [child.stdout!, child.stderr!];
        out.setEncoding('utf8');
        out.on('data', (data: string) => (stdout += data));
        err.setEncoding('utf8');
        err.on('data', (data: string) => {
          stderr = (stderr + data).slice(-STDERR_LIMIT);
          if (!runOptions.onLine) return;
          const lines = (partial + data).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) runOptions.onLine(line);
        });
        child.once('error', (error) => reject(new DockerError(args, null, String(error), { cause: error })));
        child.once('close', (exitCode) => {
          if (partial && runOptions.onLine) runOptions.onLine(partial);
          if (exitCode === 0) resolve({ stdout, stderr });
          else reject(new DockerError(args, exitCode, stderr));
        });
      });
    },
  };
}
