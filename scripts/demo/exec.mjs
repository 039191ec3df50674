// Runs the demo's commands (the release-flow CLI, git, docker, engine.sh) as child processes,
// asynchronously so that the load generator keeps running in the same event loop. Every child is
// tracked, so that Ctrl-C and failures can stop exactly the processes the demo started.

import { spawn } from 'node:child_process';

/** A command that exited non-zero (or could not run): what was shown, its exit and its output. */
export class CommandError extends Error {
  constructor(shown, result, why) {
    super(why ?? `\`${shown}\` exited with ${result.signal ? `signal ${result.signal}` : `code ${result.code}`}`);
    this.name = 'CommandError';
    this.shown = shown;
    this.result = result;
  }
}

const children = new Set();

/**
 * Runs FILE ARGS. Resolves with { code, signal, stdout, stderr, output, ms }; `output` interleaves
 * both streams line by line, as they came. Rejects with CommandError on a non-zero exit unless
 * `allowFail`. `onLine(line, stream)` sees every complete line as it arrives.
 */
export function run(file, args, options = {}) {
  const { cwd, env, onLine, allowFail = false, timeoutMs = 180_000, shown = [file, ...args].join(' '), input } = options;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let child;
    try {
      // A process group of its own: stopping the command also stops what it started (the CLI's
      // docker compose children), and nothing outlives the demo's clean-up.
      child = spawn(file, args, { cwd, env, detached: true, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      reject(new CommandError(shown, { code: -1, signal: null, stdout: '', stderr: String(error), output: String(error), ms: 0 }, `cannot run ${file}: ${error.message}`));
      return;
    }
    children.add(child);
    if (input !== undefined) child.stdin.end(input);
    const out = { stdout: '', stderr: '', output: [] };
    const partial = { stdout: '', stderr: '' };
    const feed = (stream) => (chunk) => {
      const text = chunk.toString('utf8');
      out[stream] += text;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) {
        out.output.push(line);
        onLine?.(line, stream);
      }
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    const timer = setTimeout(() => {
      out.stderr += `\n(the demo stopped this command after ${Math.round(timeoutMs / 1000)} s)`;
      terminate(child);
    }, timeoutMs);
    let spawnError;
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      for (const stream of ['stdout', 'stderr']) {
        if (partial[stream]) {
          out.output.push(partial[stream]);
          onLine?.(partial[stream], stream);
        }
      }
      const result = {
        code: spawnError ? -1 : (code ?? -1),
        signal,
        stdout: out.stdout,
        stderr: spawnError ? `${out.stderr}${spawnError.message}` : out.stderr,
        output: out.output.join('\n') + (spawnError ? `\n${spawnError.message}` : ''),
        ms: performance.now() - t0,
      };
      if (result.code === 0 || allowFail) resolve(result);
      else reject(new CommandError(shown, result));
    });
  });
}

/** SIGTERM to the child's process group, SIGKILL after 5 s if it is still there. */
function terminate(child) {
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      child.kill(name);
    }
  };
  if (child.pid === undefined) return;
  signal('SIGTERM');
  const force = setTimeout(() => signal('SIGKILL'), 5000);
  force.unref();
  child.once('close', () => clearTimeout(force));
}

/** Stops every child the demo started (SIGTERM, then SIGKILL after 5 s) and waits for them, at most `waitMs`. */
export async function stopChildren(waitMs = 8000) {
  const pending = [...children].map(
    (child) =>
      new Promise((done) => {
        child.once('close', done);
        terminate(child);
      }),
  );
  if (pending.length === 0) return 0;
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, waitMs).unref())]);
  return pending.length;
}
