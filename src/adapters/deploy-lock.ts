// One deploy per host at a time. The lock is a kernel flock(2) lock, so it dies with the process
// that holds it: a deploy killed with SIGKILL, or a reboot, never leaves a lock behind (the failure
// mode of Kamal #185, whose lock is a directory that outlives the process that made it).
//
// Node has no flock(2), so util-linux's `flock` command takes the lock for us and keeps it while
// `cat` reads a pipe from this process. When this process ends, however it ends, the kernel closes
// the pipe, `cat` sees end of file and exits, and the kernel drops the lock. libuv opens that pipe
// close-on-exec, so nothing a deploy starts inherits it by accident. The docker commands a deploy
// runs are given it on purpose (`pipe`, through the Docker adapter's `inherit`): one still running
// after its deploy was killed keeps the lock until it exits, so the next deploy waits for it.
//
// The `<lock>.holder` file says who holds the lock, for the "waiting for … held by …" message only:
// the kernel lock is the truth, and the holder file may be stale after a crash.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { PreconditionError } from '../core/errors.js';

export interface DeployLockOptions {
  /** How long to wait for another deploy to finish before failing; 0 fails at once. */
  timeoutMs: number;
  /** Who we are, for the holder file, e.g. "deploy prod v1.2.0 (pid 123)". */
  holder: string;
  /** Called once, when the lock is held by someone else, before waiting for it. */
  onWait?: (heldBy: string) => void;
  /** The flock executable; tests point it elsewhere. */
  flockCommand?: string;
}

export interface DeployLock {
  /** Drops the lock and removes the holder file; safe to call more than once. */
  release(): Promise<void>;
  /** The pipe that holds the lock: a child process given it holds the lock too, until it exits. */
  readonly pipe: Writable;
}

/** What the holder file records. */
interface HolderRecord {
  holder: string;
  pid: number;
  since: string;
}

// EX_TEMPFAIL: flock's exit status when the lock is busy, told apart from its own failures.
const CONFLICT_EXIT = 75;
const ACQUIRED = 'acquired\n';
// Runs under flock with the lock held: report, then hold it for as long as our pipe stays open.
const HOLD_SCRIPT = `printf '${ACQUIRED.trim()}\\n'; exec cat >/dev/null`;

type Attempt = { acquired: true; child: ChildProcess } | { acquired: false };

export function holderFilePath(lockPath: string): string {
  return `${lockPath}.holder`;
}

/**
 * Takes the host's deploy lock at `path` (created when missing; its directory must exist).
 * Fails with a PreconditionError naming the holder when it is not free within `timeoutMs`.
 */
export async function acquireDeployLock(path: string, options: DeployLockOptions): Promise<DeployLock> {
  const command = options.flockCommand ?? 'flock';
  const started = Date.now();
  let attempt = await tryLock(command, path, null);
  if (!attempt.acquired) {
    options.onWait?.(await describeHolder(path));
    const remainingMs = Math.max(0, options.timeoutMs - (Date.now() - started));
    attempt = await tryLock(command, path, remainingMs);
    if (!attempt.acquired) {
      throw new PreconditionError(
        `Another deploy holds the deploy lock ${path}: ${await describeHolder(path)}. ` +
          `Waited ${formatSeconds(options.timeoutMs)} s for it.`,
        `wait for that deploy to finish and run again, or allow a longer lock timeout. If no deploy is ` +
          `running, see which process holds the lock with \`lslocks --output PID,COMMAND,PATH | grep '${path}'\` ` +
          `and stop it. Do not delete the lock file: that would let two deploys run at once.`,
      );
    }
  }
  const child = attempt.child;
  await writeHolder(path, options.holder);
  // The lock must not keep the process alive; the process ending is what releases it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);

  let released: Promise<void> | undefined;
  return {
    pipe: child.stdin!,
    release() {
      released ??= releaseLock(path, child);
      return released;
    },
  };
}

async function releaseLock(path: string, child: ChildProcess): Promise<void> {
  // Remove the holder file while we still hold the lock, so we never delete the next holder's.
  await unlink(holderFilePath(path)).catch(() => undefined);
  child.ref();
  const exited = waitForExit(child);
  child.stdin?.end();
  await exited;
}

/** One flock run: `waitMs` null tries once without waiting. */
function tryLock(command: string, path: string, waitMs: number | null): Promise<Attempt> {
  const waitArgs = waitMs === null ? ['--nonblock'] : ['--wait', formatSeconds(waitMs)];
  const args = ['--exclusive', ...waitArgs, '--conflict-exit-code', String(CONFLICT_EXIT), path, 'sh', '-c', HOLD_SCRIPT];
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      reject(spawnError(command, error));
      return;
    }
    let settled = false;
    let stdout = '';
    let stderr = '';
    // Writing to the pipe never happens, but closing it after `cat` died must not crash us.
    child.stdin?.on('error', () => undefined);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!settled && stdout.includes(ACQUIRED)) {
        settled = true;
        resolve({ acquired: true, child });
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(spawnError(command, error));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (code === CONFLICT_EXIT) {
        resolve({ acquired: false });
        return;
      }
      const status = signal === null ? `exit status ${code}` : `signal ${signal}`;
      reject(
        new PreconditionError(
          `Could not take the deploy lock ${path}: flock failed with ${status}: ${stderr.trim() || '(no message)'}`,
          `make sure the directory of ${path} exists and is writable by this user.`,
        ),
      );
    });
  });
}

function spawnError(command: string, error: unknown): Error {
  if (errorCode(error) === 'ENOENT') {
    return new PreconditionError(
      `The deploy lock needs the \`${command}\` command from util-linux, and it was not found.`,
      'install it: sudo apt-get install util-linux',
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function writeHolder(path: string, holder: string): Promise<void> {
  const record: HolderRecord = { holder, pid: process.pid, since: new Date().toISOString() };
  const file = holderFilePath(path);
  const temp = `${file}.${process.pid}.tmp`;
  // Best effort: the record only improves a message, so failing to write it must not fail a deploy.
  try {
    await writeFile(temp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
    await rename(temp, file);
  } catch {
    await unlink(temp).catch(() => undefined);
  }
}

/** Who holds the lock, as well as the holder file can tell. */
export async function describeHolder(path: string): Promise<string> {
  const file = holderFilePath(path);
  let record: HolderRecord;
  try {
    record = parseHolder(await readFile(file, 'utf8'));
  } catch {
    return `an unknown process (no readable holder record in ${file})`;
  }
  const described = `"${record.holder}" (pid ${record.pid}, since ${record.since})`;
  return isAlive(record.pid)
    ? described
    : `${described}; that process is no longer running, so a docker command it started, or another process, holds the lock`;
}

function parseHolder(text: string): HolderRecord {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error('not an object');
  const { holder, pid, since } = value as Record<string, unknown>;
  if (typeof holder !== 'string' || typeof pid !== 'number' || typeof since !== 'string') {
    throw new Error('missing fields');
  }
  return { holder, pid, since };
}

/** Whether a process still runs (EPERM: it exists but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function unrefStream(stream: unknown): void {
  const unref = (stream as { unref?: unknown } | null)?.unref;
  if (typeof unref === 'function') unref.call(stream);
}

function formatSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
