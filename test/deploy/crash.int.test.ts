import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { acquireDeployLock } from '../../src/adapters/deploy-lock.js';
import { createDocker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { rfc3339Nanos } from '../../src/core/container-health.js';
import { parseState } from '../../src/core/deploy-state.js';
import { deploy, type DeployOptions } from '../../src/flows/deploy.js';
import { deployStatus } from '../../src/flows/status.js';
import { requireTestBed } from '../bed/check.js';
import { cleanEnv, composeFile, composeProject, docker, ms, requireProxyImage, runAsync, underLoad, version, type ComposeProject, type LoadReport } from '../compose/helpers.js';

// Crashes on the real engine, in a private compose project: a deploy killed with SIGKILL while
// its new colour starts (run in a child Node process, as a real `release-flow deploy` would be),
// then the next deploy; and the serving prod colour's main process killed, with the restart policy
// bringing it back while Caddy fails over to the hot standby.

const log = (line: string) => console.info(`[crash] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

let image: string;
let project: ComposeProject;
let root: string;
let slowContext: string;
const children: ChildProcess[] = [];
const docker_ = createDocker();
const deps = () => ({ docker: docker_, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: docker_ }) });

function options(versionText: string): DeployOptions {
  return { env: 'prod', version: versionText, image, composeFile, project: project.name, envFile: join(project.dir, '.env'), watchSeconds: 2, lockTimeoutMs: 120_000, log: (l) => log(`  ${l}`) };
}

const state = () => parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state').environments.prod;
const lockPath = () => join(project.dir, 'release-flow-deploy.lock');

function report(what: string, r: LoadReport): void {
  log(`${what}: ${r.summary}`);
  for (const f of r.failed) log(`  failed: sent at ${ms(f.sent)}: ${f.error}`);
}

/** `docker …` without blocking the event loop (inside load loops); stdout trimmed, throws with stderr. */
async function dockerAsync(...args: string[]): Promise<string> {
  const r = await runAsync('docker', args);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function publish(context: string, major: number): void {
  const ref = `${image}:v${major}.0.0`;
  docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', ref, context);
  docker('push', '-q', ref);
}

/** Descendant pids of `pid` (from /proc), read before it is killed: the compose commands it ran. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let text = '';
    try {
      text = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      return;
    }
    for (const c of text.split(/\s+/).filter(Boolean).map(Number)) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));

/**
 * `deploy` in a child Node process, running the TypeScript sources (a resolve hook maps our `.js`
 * imports to `.ts`, as in test/adapters/deploy-lock.int.test.ts). Every log line goes to stdout.
 */
function deployChild(opts: Omit<DeployOptions, 'log'>, onLine: (line: string) => void): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const script = join(root, 'deploy-child.mjs');
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
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
const { deploy } = await import(${url('../../src/flows/deploy.ts')});
const { createDocker } = await import(${url('../../src/adapters/docker.ts')});
const { createHostProbes } = await import(${url('../../src/adapters/host-probes.ts')});
const { createRegistryClient } = await import(${url('../../src/adapters/registry.ts')});
const docker = createDocker();
const options = JSON.parse(process.argv[2]);
const result = await deploy({ docker, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker }) }, { ...options, log: (l) => process.stdout.write(l + '\\n') });
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
`,
  );
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', script, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  children.push(child);
  let stderr = '';
  let buffer = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    buffer += c;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => child.once('exit', (code, signal) => done({ code, signal, stderr })));
  return { child, exited };
}

/** What the engine says of a container's health, and whether its last probe belongs to its current run. */
async function blueHealth(id: string): Promise<{ status: string; current: boolean }> {
  const state = JSON.parse(await dockerAsync('inspect', '--format', '{{json .State}}', id)) as { StartedAt: string; Health?: { Status: string; Log?: Array<{ Start: string }> } };
  const started = rfc3339Nanos(state.StartedAt);
  const probed = rfc3339Nanos(state.Health?.Log?.at(-1)?.Start);
  return { status: state.Health?.Status ?? 'none', current: started !== undefined && probed !== undefined && probed > started };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return { value, ms: performance.now() - t0 };
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('crashes during and after a prod deploy', () => {
  beforeAll(async () => {
    const bed = requireTestBed();
    requireProxyImage();
    root = mkdtempSync(join(tmpdir(), 'release-flow-crash-'));
    image = `${bed.registry}/release-flow-test/crash-synapse`;
    // v3 takes 4 s to pass its health check, so a kill lands while the deploy waits for it.
    slowContext = join(root, 'slow');
    cpSync(bed.serviceContext, slowContext, { recursive: true });
    const entry = join(slowContext, 'entrypoint.sh');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('echo ok >/www/health', '(sleep 4; echo ok >/www/health) &'));
    publish(bed.serviceContext, 1);
    publish(bed.serviceContext, 2);
    publish(slowContext, 3);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);
    await deploy(deps(), options('1.0.0'));
    await deploy(deps(), options('2.0.0'));
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await project?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 while the new colour starts: prod keeps serving; the next deploy finds the lock free, records the interrupted deploy and succeeds', async () => {
    const lines: string[] = [];
    let killedAt = '';
    let orphans: number[] = [];
    let next: Awaited<ReturnType<typeof deploy>> | undefined;
    const r = await underLoad(project.prodPort, { rate: 10, durationMs: 20_000, timeoutMs: 3000, atMs: 1000 }, async () => {
      const t0 = performance.now();
      let killed!: () => void;
      const killedOnce = new Promise<void>((done) => (killed = done));
      const { child, exited } = deployChild({ env: 'prod', version: '3.0.0', image, composeFile, project: project.name, envFile: join(project.dir, '.env'), watchSeconds: 2, lockTimeoutMs: 0 }, (line) => {
        lines.push(line);
        log(`  child: ${line}`);
        if (/^starting synapse-prod-blue with .*waiting up to/.test(line) && !killedAt) {
          killedAt = line;
          // Let compose create and start the container, then pull the plug.
          setTimeout(() => {
            orphans = descendants(child.pid!);
            child.kill('SIGKILL');
            killed();
          }, 1000);
        }
      });
      const end = await Promise.race([exited, killedOnce.then(() => exited)]);
      log(`child deploy ended by ${end.signal ?? `exit ${end.code}`} after ${ms(performance.now() - t0)}${end.stderr ? `: ${end.stderr}` : ''}`);
      expect(end.signal).toBe('SIGKILL');
      // The state still says a deploy runs, by a process that is gone.
      expect(state().deploying).toMatchObject({ version: '3.0.0', colour: 'blue', pid: child.pid });
      // The compose command the killed deploy ran is not killed with it (Node has no PDEATHSIG),
      // but it holds the deploy lock until it exits: no deploy starts the same colour beside it.
      const left = orphans.filter(alive);
      const probe = await acquireDeployLock(lockPath(), { timeoutMs: 0, holder: 'crash test probe' }).then(
        async (l) => (await l.release(), 'free'),
        (e: unknown) => String(e),
      );
      log(`lock probe while ${left.filter(alive).length} orphaned process(es) ran: ${probe.split('\n')[0]}`);
      // Still running after the probe: they ran all through it, so the lock was theirs.
      if (left.some(alive)) expect(probe).toMatch(/Another deploy holds the deploy lock .*no longer running, so a docker command it started/);
      const w = await until('the killed deploy\'s compose commands to exit', 60_000, async () => (left.some(alive) ? undefined : true));
      log(`orphaned processes of the killed deploy: ${left.length ? `${left.join(', ')}, gone after ${ms(w.ms)}` : 'none'}`);

      // The kernel released the flock with the process: taken at once.
      const lock = await acquireDeployLock(lockPath(), { timeoutMs: 0, holder: 'crash test probe' });
      await lock.release();

      const notes: string[] = [];
      next = await deploy(deps(), { ...options('3.0.0'), lockTimeoutMs: 0, log: (l) => (notes.push(l), log(`  next: ${l}`)) });
      expect(notes.some((l) => /was interrupted; recorded as interrupted/.test(l))).toBe(true);
      expect(notes.some((l) => /waiting for the deploy lock/.test(l))).toBe(false);
    });
    report('kill -9 mid-deploy, then deploy again', r);
    expect(killedAt).not.toBe('');
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '3.0.0']);
    expect(next).toMatchObject({ outcome: 'success', version: '3.0.0', colour: 'blue', previousVersion: '2.0.0' });

    const prod = state();
    expect(prod.deploying).toBeNull();
    expect(prod.active).toMatchObject({ version: '3.0.0', colour: 'blue', digest: next!.digest });
    expect(prod.previous).toMatchObject({ version: '2.0.0', colour: 'green' });
    expect(prod.history.slice(0, 4).map((h) => [h.version, h.outcome])).toEqual([
      ['3.0.0', 'success'],
      ['3.0.0', 'interrupted'],
      ['2.0.0', 'success'],
      ['1.0.0', 'success'],
    ]);
    expect(prod.history[1]?.detail).toMatch(/stopped before finishing/);
    expect(existsSync(`${lockPath()}`)).toBe(true);
    expect(await version(project.prodPort)).toBe('3.0.0');
    const running = (await project.composeOk('--profile', 'rollout', 'ps', '--status', 'running', '--format', '{{.Service}} {{.Health}}')).split('\n').sort();
    expect(running).toEqual(['synapse-prod healthy', 'synapse-prod-blue healthy', 'synapse-prod-green healthy']);
  }, 120_000);

  test('the serving colour\'s main process is killed: the restart policy brings it back, the proxy fails over to the standby meanwhile', async () => {
    const id = (await project.composeOk('ps', '-q', 'synapse-prod-blue')).split('\n')[0]!;
    const before = JSON.parse(docker('inspect', id))[0] as { State: { Pid: number; StartedAt: string }; RestartCount: number; HostConfig: { RestartPolicy: { Name: string } } };
    expect(before.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(await version(project.prodPort)).toBe('3.0.0');

    let back = { ms: 0 };
    const r = await underLoad(project.prodPort, { rate: 10, durationMs: 15_000, timeoutMs: 3000, atMs: 1000 }, async () => {
      // The container's PID 1, killed from the host: a crash, not a `docker stop`/`kill` the engine
      // would remember as deliberate.
      process.kill(before.State.Pid, 'SIGKILL');
      const t0 = performance.now();
      await until('synapse-prod-blue restarted', 30_000, async () => {
        const now = JSON.parse(await dockerAsync('inspect', id))[0] as { State: { Status: string; StartedAt: string }; RestartCount: number };
        return now.RestartCount > before.RestartCount && now.State.Status === 'running' ? true : undefined;
      });
      log(`synapse-prod-blue running again after ${ms(performance.now() - t0)}`);
      // The engine still reports blue's previous run as healthy until the first probe of the new
      // run: `status` must say starting until then (core/container-health.ts).
      const engineBefore = await blueHealth(id);
      const status = await deployStatus(docker_, { composeFile, project: project.name, envFile: join(project.dir, '.env') });
      const engineAfter = await blueHealth(id);
      const prod = status.environments.find((e) => e.env === 'prod')!;
      const blue = prod.colour === 'blue' ? prod.health : prod.standby?.health;
      log(`status right after the restart: blue ${blue} (engine before: ${engineBefore.status}, ${engineBefore.current ? 'probed in this run' : 'from the run before'}; after: ${engineAfter.status}, ${engineAfter.current ? 'probed in this run' : 'from the run before'})`);
      // No probe of the new run had finished when status read blue: it must not say healthy.
      if (!engineAfter.current) expect(blue).toBe('starting');
      expect(blue === 'starting' || engineAfter.current).toBe(true);
      // Not State.Health.Status: the engine keeps the last status across a restart by the restart
      // policy. (Nor /health: /www/health survives in the container's filesystem.) The restarted
      // server itself must answer, and the proxy must send prod to it again.
      back = await until('prod serving 3.0.0 from the restarted blue', 30_000, async () => {
        const own = JSON.parse(await dockerAsync('exec', id, 'wget', '-q', '-O-', 'http://127.0.0.1:8002/version')) as { version: string };
        return own.version === '3.0.0' && (await version(project.prodPort)) === '3.0.0' ? true : undefined;
      });
      back.ms = performance.now() - t0;
      log(`blue healthy and serving again ${ms(back.ms)} after the kill`);
    });
    report('main process of the serving colour killed', r);
    const after = JSON.parse(docker('inspect', id))[0] as { State: { Status: string }; RestartCount: number };
    expect(after.State.Status).toBe('running');
    expect(after.RestartCount).toBe(before.RestartCount + 1);
    expect(back.ms).toBeLessThan(30_000);
    // Whether the standby answered depends on whether Caddy's 1 s health check saw blue down (the
    // restart takes about 0.4 s; lb_try_duration retries cover it otherwise): logged, not asserted.
    log(`the standby (2.0.0) ${r.versions.includes('2.0.0') ? 'answered' : 'was not needed'} while blue restarted`);
    expect(r.versions[r.versions.length - 1]).toBe('3.0.0');
    expect(r.failed).toEqual([]);
  }, 90_000);
});
