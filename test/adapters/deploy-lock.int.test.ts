import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDeployLock, holderFilePath } from '../../src/adapters/deploy-lock.js';
import type { DeployLock } from '../../src/adapters/deploy-lock.js';
import { PreconditionError } from '../../src/core/errors.js';

// Real flock processes, real pipes, real SIGKILL: the point of the lock is how the kernel behaves.

const root = mkdtempSync(join(tmpdir(), 'deploy-lock-'));
let counter = 0;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function lockPath(): string {
  counter += 1;
  return join(root, `deploy-${counter}.lock`);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/**
 * A separate Node process that takes the lock through our module, prints "held", then sleeps.
 * Node runs the TypeScript source directly; a resolve hook maps our `.js` imports to `.ts` files.
 */
function holderProcess(path: string, holder: string): Promise<ChildProcess> {
  const script = join(root, 'holder.mjs');
  const moduleUrl = new URL('../../src/adapters/deploy-lock.ts', import.meta.url).href;
  writeFileSync(
    script,
    `import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
});
const { acquireDeployLock } = await import(${JSON.stringify(moduleUrl)});
await acquireDeployLock(process.argv[2], { timeoutMs: 0, holder: process.argv[3] });
process.stdout.write('held\\n');
setInterval(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', script, path, holder], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolveHeld, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('held')) resolveHeld(child);
    });
    child.on('exit', (code) => reject(new Error(`holder process exited with ${code}: ${stderr}`)));
  });
}

describe('acquireDeployLock', () => {
  it('makes a second deploy wait, tells it who holds the lock, and lets it in after release', async () => {
    const path = lockPath();
    const first = await acquireDeployLock(path, { timeoutMs: 0, holder: 'deploy prod v1.2.0' });
    const record = JSON.parse(readFileSync(holderFilePath(path), 'utf8')) as { holder: string; pid: number };
    expect(record).toMatchObject({ holder: 'deploy prod v1.2.0', pid: process.pid });

    const waits: string[] = [];
    let secondAcquired = false;
    let waiting!: () => void;
    const waited = new Promise<void>((r) => (waiting = r));
    const second = acquireDeployLock(path, {
      timeoutMs: 10_000,
      holder: 'deploy prod v1.3.0',
      onWait: (heldBy) => {
        waits.push(heldBy);
        waiting();
      },
    }).then((lock) => {
      secondAcquired = true;
      return lock;
    });
    await waited;
    expect(waits).toHaveLength(1);
    expect(waits[0]).toContain('"deploy prod v1.2.0"');
    expect(waits[0]).toContain(`pid ${process.pid}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(secondAcquired).toBe(false);

    await first.release();
    const lock = await second;
    expect(JSON.parse(readFileSync(holderFilePath(path), 'utf8'))).toMatchObject({ holder: 'deploy prod v1.3.0' });
    await lock.release();
    expect(existsSync(holderFilePath(path))).toBe(false);
  });

  it('gives up after the timeout with a message naming the holder and the fix', async () => {
    const path = lockPath();
    const first = await acquireDeployLock(path, { timeoutMs: 0, holder: 'deploy dev latest' });
    const started = Date.now();
    const error = await rejection(acquireDeployLock(path, { timeoutMs: 400, holder: 'deploy dev again' }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`Another deploy holds the deploy lock ${path}`);
    expect(error.message).toContain('"deploy dev latest"');
    expect(error.message).toContain('Waited 0.4 s');
    expect(error.message).toContain('Fix: wait for that deploy to finish');
    expect(error.message).toContain('lslocks');
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(5_000);
    await first.release();
  });

  it('is released by the kernel at once when the holding process is killed with SIGKILL', async () => {
    const path = lockPath();
    const holder = await holderProcess(path, 'deploy prod v2.0.0 (killed)');
    const busy = await rejection(acquireDeployLock(path, { timeoutMs: 0, holder: 'probe' }));
    expect(busy.message).toContain('"deploy prod v2.0.0 (killed)"');
    expect(busy.message).toContain(`pid ${holder.pid}`);

    const exited = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await exited;

    const started = Date.now();
    const waits: string[] = [];
    const lock = await acquireDeployLock(path, { timeoutMs: 5_000, holder: 'next deploy', onWait: (h) => waits.push(h) });
    expect(Date.now() - started).toBeLessThan(1_000);
    // If we raced the exit of `cat`, the stale record says its process is gone.
    for (const heldBy of waits) expect(heldBy).toContain('no longer running');
    await lock.release();
  });

  it('releases idempotently', async () => {
    const path = lockPath();
    const lock: DeployLock = await acquireDeployLock(path, { timeoutMs: 0, holder: 'twice' });
    await Promise.all([lock.release(), lock.release()]);
    await lock.release();
    const again = await acquireDeployLock(path, { timeoutMs: 0, holder: 'after' });
    await again.release();
  });

  it('names an unknown holder when there is no holder record', async () => {
    const path = lockPath();
    const first = await acquireDeployLock(path, { timeoutMs: 0, holder: 'x' });
    rmSync(holderFilePath(path));
    const error = await rejection(acquireDeployLock(path, { timeoutMs: 0, holder: 'y' }));
    expect(error.message).toContain(`an unknown process (no readable holder record in ${holderFilePath(path)})`);
    await first.release();
  });

  it('says what to install when flock is missing', async () => {
    const error = await rejection(
      acquireDeployLock(lockPath(), { timeoutMs: 0, holder: 'x', flockCommand: join(root, 'no-such-flock') }),
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('util-linux');
    expect(error.message).toContain('Fix: install it: sudo apt-get install util-linux');
  });

  it('explains a lock file that cannot be created', async () => {
    const path = join(root, 'missing-dir', 'deploy.lock');
    const error = await rejection(acquireDeployLock(path, { timeoutMs: 0, holder: 'x' }));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`Could not take the deploy lock ${path}`);
    expect(error.message).toContain('exists and is writable');
  });
});
