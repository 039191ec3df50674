import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A registry of the test's own (CNCF distribution, `docker-registry serve`, as the bed runs), on a
// free loopback port, so that a test may stop it and start it again without touching the bed's
// registries that other tests use. Its storage survives a stop: start() brings back the same content
// on the same port.

export interface OwnRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  port: number;
  /** Everything the registry printed (its access log included). */
  log(): string;
  /** Stops it (SIGTERM to the process this helper started, then SIGKILL after 5 s); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same storage; resolves once GET /v2/ answers 200. */
  start(): Promise<void>;
  /** Stops it and removes its storage. */
  close(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startOwnRegistry(): Promise<OwnRegistry> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'release-flow-own-registry-')));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  let output = '';
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    if (child) return;
    const started = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
    started.stdout!.on('data', collect);
    started.stderr!.on('data', collect);
    let exited = false;
    started.once('exit', () => {
      exited = true;
      if (child === started) child = null;
    });
    started.once('error', (error) => (output += `\nspawn error: ${error.message}\n`));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exited) break;
      if (await answers(`http://${host}/v2/`)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`docker-registry serve on ${host} did not answer within 15 s${exited ? ' (it exited)' : ''}:\n${output.slice(-2000)}`);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) {
      child = null;
      return;
    }
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  await start();
  return {
    host,
    port,
    log: () => output,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
