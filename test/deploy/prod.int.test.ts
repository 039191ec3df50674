import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker, type Docker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { runCli } from '../../src/cli/run.js';
import { parseState } from '../../src/core/deploy-state.js';
import { InputError, PreconditionError } from '../../src/core/errors.js';
import { deploy, DeployRolledBackError, type DeployOptions } from '../../src/flows/deploy.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, ms, requireProxyImage, underLoad, version, type ComposeProject, type LoadReport } from '../compose/helpers.js';

// prod deploys end to end on the real engine: compose/docker-compose.yml as a private project
// (test/compose/helpers.ts), releases of the test service pushed to the bed's registry and pinned by
// digest, the flow run in this process (its docker calls are asynchronous, so the load loop keeps
// running), traffic measured through the proxy port.

const LOAD = { rate: 10, durationMs: 12_000, timeoutMs: 3000, atMs: 1000 };
const log = (line: string) => console.info(`[deploy] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

let bed: TestBed;
let image: string;
let project: ComposeProject;
const docker_ = createDocker();
const deps = () => ({ docker: docker_, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: docker_ }) });

function options(versionText: string, extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    env: 'prod',
    version: versionText,
    image,
    composeFile,
    project: project.name,
    envFile: join(project.dir, '.env'),
    watchSeconds: 2,
    lockTimeoutMs: 120_000,
    log: (line) => log(`  ${line}`),
    ...extra,
  };
}

/** Builds the test service as `major`.0.0 from `context` and pushes it; returns nothing (the flow resolves the digest). */
function publish(context: string, major: number): void {
  const ref = `${image}:v${major}.0.0`;
  docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', ref, context);
  docker('push', '-q', ref);
}

const state = () => parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state');

function report(what: string, r: LoadReport): void {
  log(`${what}: ${r.summary}`);
  for (const f of r.failed) log(`  failed: sent at ${ms(f.sent)}: ${f.error}`);
}

describe('release-flow deploy --env prod (blue/green behind Caddy)', () => {
  let badContext: string;
  let fadingContext: string;

  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/deploy-synapse`;
    // A release whose health check never passes: the entrypoint never creates /www/health.
    badContext = mkdtempSync(join(tmpdir(), 'release-flow-deploy-bad-'));
    cpSync(bed.serviceContext, badContext, { recursive: true });
    const entry = join(badContext, 'entrypoint.sh');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('echo ok >/www/health', ': no health file'));
    const t0 = performance.now();
    publish(bed.serviceContext, 1);
    publish(bed.serviceContext, 2);
    publish(badContext, 3);
    // A release that passes its health check, then loses it 4 s after starting: caught by the watch.
    fadingContext = mkdtempSync(join(tmpdir(), 'release-flow-deploy-fading-'));
    cpSync(bed.serviceContext, fadingContext, { recursive: true });
    const fading = join(fadingContext, 'entrypoint.sh');
    writeFileSync(fading, readFileSync(fading, 'utf8').replace('echo ok >/www/health', 'echo ok >/www/health; (sleep 4; rm -f /www/health) &'));
    publish(fadingContext, 4);
    log(`published ${image}:v1.0.0, v2.0.0 and v3.0.0 (unhealthy) in ${ms(performance.now() - t0)}`);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);
  }, 180_000);
  afterAll(async () => {
    await project?.destroy();
    for (const dir of [badContext, fadingContext]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a version that does not exist is an input error naming --version, and nothing starts', async () => {
    await expect(deploy(deps(), options('9.9.9'))).rejects.toThrow(InputError);
    await expect(deploy(deps(), options('9.9.9'))).rejects.toThrow(/--version/);
    expect(await project.composeOk('--profile', 'rollout', 'ps', '-a', '-q')).toBe('');
  });

  test('first deploy of v1: blue and the proxy come up, the proxy serves v1', async () => {
    const r = await deploy(deps(), options('v1.0.0'));
    expect(r).toMatchObject({ outcome: 'success', version: '1.0.0', colour: 'blue', previousVersion: null, rolledBack: false, url: `http://127.0.0.1:${project.prodPort}` });
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await version(project.prodPort)).toBe('1.0.0');
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toContain(`SYNAPSE_PROD_BLUE_IMAGE=${image}@${r.digest}\n`);
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toContain(`SYNAPSE_PROD_PORT=${project.prodPort}\n`);
    expect(state().environments.prod.active).toMatchObject({ version: '1.0.0', digest: r.digest, colour: 'blue' });
    expect(r.backup && existsSync(r.backup)).toBe(true);
  }, 120_000);

  test('v1 -> v2 -> v1 under load: zero failed requests; the state records active, previous and history', async () => {
    const up = await underLoad(project.prodPort, LOAD, async () => {
      const r = await deploy(deps(), options('2.0.0'));
      expect(r).toMatchObject({ outcome: 'success', colour: 'green', previousVersion: '1.0.0' });
    });
    report('deploy v1 -> v2', up);
    expect(up.failed).toEqual([]);
    expect(up.versions).toEqual(['1.0.0', '2.0.0']);
    expect(readFileSync(join(project.proxyConfigDir, 'upstreams.caddy'), 'utf8')).toBe('to synapse-prod-green:8002 synapse-prod-blue:8002\n');

    const back = await underLoad(project.prodPort, LOAD, async () => {
      const r = await deploy(deps(), options('1.0.0'));
      expect(r).toMatchObject({ outcome: 'success', colour: 'blue', previousVersion: '2.0.0' });
    });
    report('deploy v2 -> v1', back);
    expect(back.failed).toEqual([]);
    expect(back.versions).toEqual(['2.0.0', '1.0.0']);

    const prod = state().environments.prod;
    expect(prod.active).toMatchObject({ version: '1.0.0', colour: 'blue' });
    expect(prod.previous).toMatchObject({ version: '2.0.0', colour: 'green' });
    expect(prod.deploying).toBeNull();
    expect(prod.history.map((h) => [h.version, h.outcome])).toEqual([
      ['1.0.0', 'success'],
      ['2.0.0', 'success'],
      ['1.0.0', 'success'],
    ]);
    // The old colour stays up as the hot standby.
    expect(await project.composeOk('--profile', 'rollout', 'ps', '--status', 'running', '--services')).toContain('synapse-prod-green');
  }, 120_000);

  test('a release that fails its health check is rolled back: exit 1, zero failed requests, outcome rolled-back', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let code = -1;
    const r = await underLoad(project.prodPort, LOAD, async () => {
      code = await runCli(
        ['deploy', '--env', 'prod', '--version', 'v3.0.0', '--image', image, '--compose', composeFile, '--project', project.name, '--env-file', join(project.dir, '.env'), '--watch', '2', '--wait-timeout', '6', '--json'],
        { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: process.env, cwd: project.dir, now: () => new Date() },
      );
    });
    report('deploy v3 (unhealthy)', r);
    const stderr = err.join('');
    log(stderr.slice(stderr.indexOf('release-flow deploy:')));
    expect(code).toBe(1);
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['1.0.0']);
    expect(JSON.parse(out.join(''))).toMatchObject({ version: '3.0.0', 'rolled-back': true, 'previous-version': '1.0.0', outcome: 'rolled-back' });
    expect(stderr).toMatch(/rolled back/);
    expect(stderr).toMatch(/health log:\n  status: (starting|unhealthy)/);
    expect(stderr).not.toContain(`token-${project.name}`);
    const prod = state().environments.prod;
    expect(prod.history[0]).toMatchObject({ version: '3.0.0', outcome: 'rolled-back' });
    expect(prod.active).toMatchObject({ version: '1.0.0', colour: 'blue' });
    expect(await version(project.prodPort)).toBe('1.0.0');
    // The failed colour was stopped; the serving one was never touched.
    expect(await project.composeOk('--profile', 'rollout', 'ps', '--status', 'running', '--services')).not.toContain('synapse-prod-green');
  }, 120_000);

  test('a release that turns unhealthy during the watch is switched back: zero failed requests, rolled-back', async () => {
    let error: unknown;
    // Every docker command the deploy runs, in order.
    const calls: string[] = [];
    const recording: Docker = { run: (args, runOptions) => (calls.push(args.join(' ')), docker_.run(args, runOptions)) };
    const r = await underLoad(project.prodPort, { ...LOAD, durationMs: 14_000 }, async () => {
      error = await deploy({ ...deps(), docker: recording }, options('4.0.0', { watchSeconds: 8 })).then(() => undefined, (e: unknown) => e);
    });
    report('deploy v4 (fails during the watch)', r);
    expect(error).toBeInstanceOf(DeployRolledBackError);
    expect((error as DeployRolledBackError).result).toMatchObject({ outcome: 'rolled-back', rolledBack: true, colour: 'green' });
    expect((error as DeployRolledBackError).result.reason).toMatch(/during the 8 s watch/);
    // The health log is still in the reason, but collected only after traffic was switched back
    // (the last caddy reload), not while the failing colour still served.
    expect((error as DeployRolledBackError).result.reason).toMatch(/\nhealth log:\n {2}status: \w+\n[^]*container log:/);
    const switchedBack = calls.findLastIndex((c) => / caddy reload /.test(c));
    const collected = calls.findIndex((c) => /^inspect --format \{\{json \.State\.Health\}\}/.test(c) || / logs --no-color /.test(c));
    expect(switchedBack).toBeGreaterThan(-1);
    expect(collected, calls.join('\n')).toBeGreaterThan(switchedBack);
    expect(r.failed).toEqual([]);
    expect(r.versions[r.versions.length - 1]).toBe('1.0.0');
    expect(readFileSync(join(project.proxyConfigDir, 'upstreams.caddy'), 'utf8')).toBe('to synapse-prod-blue:8002 synapse-prod-green:8002\n');
    const prod = state().environments.prod;
    expect(prod.history[0]).toMatchObject({ version: '4.0.0', outcome: 'rolled-back' });
    expect(prod.active).toMatchObject({ version: '1.0.0', colour: 'blue' });
    expect(await version(project.prodPort)).toBe('1.0.0');
  }, 120_000);

  test('a pre-flight failure (missing secret file) changes nothing', async () => {
    const secret = join(project.secretsDir, 'api_token');
    const snapshot = async () => ({
      containers: await project.composeOk('--profile', 'rollout', 'ps', '-a', '--format', '{{.ID}} {{.State}} {{.Image}}'),
      state: readFileSync(stateFilePath(project.dataDir), 'utf8'),
      env: readFileSync(join(project.dir, '.env'), 'utf8'),
      upstreams: readFileSync(join(project.proxyConfigDir, 'upstreams.caddy'), 'utf8'),
    });
    const before = await snapshot();
    renameSync(secret, `${secret}.aside`);
    try {
      const attempt = deploy(deps(), options('2.0.0'));
      await expect(attempt).rejects.toThrow(PreconditionError);
      await expect(attempt).rejects.toThrow(/secret api_token/);
    } finally {
      renameSync(`${secret}.aside`, secret);
    }
    expect(await snapshot()).toEqual(before);
    expect(await version(project.prodPort)).toBe('1.0.0');
  }, 60_000);

  test('two deploys at once are serialised by the lock', async () => {
    const lines: string[] = [];
    const opts = (v: string) => options(v, { log: (l) => lines.push(`${v}: ${l}`), watchSeconds: 1 });
    const [a, b] = await Promise.all([deploy(deps(), opts('2.0.0')), new Promise((r) => setTimeout(r, 50)).then(() => deploy(deps(), opts('1.0.0')))]);
    expect(a.outcome).toBe('success');
    expect(b.outcome).toBe('success');
    expect(lines.some((l) => /waiting for the deploy lock/.test(l))).toBe(true);
    const prod = state().environments.prod;
    expect(prod.history.slice(0, 2).map((h) => [h.version, h.outcome])).toEqual([
      ['1.0.0', 'success'],
      ['2.0.0', 'success'],
    ]);
    expect(prod.active?.version).toBe('1.0.0');
    expect(await version(project.prodPort)).toBe('1.0.0');
  }, 120_000);

  test('release-flow status --json: versions, health and the colour serving', async () => {
    const out: string[] = [];
    const code = await runCli(['status', '--compose', composeFile, '--project', project.name, '--env-file', join(project.dir, '.env'), '--json'], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      env: process.env,
      cwd: project.dir,
      now: () => new Date(),
    });
    expect(code).toBe(0);
    const status = JSON.parse(out.join('')) as { stateFile: string; environments: Array<Record<string, unknown>> };
    expect(status.stateFile).toBe(stateFilePath(project.dataDir));
    expect(status.environments[0]).toMatchObject({ env: 'dev', version: null, health: 'absent' });
    expect(status.environments[1]).toMatchObject({ env: 'prod', version: '1.0.0', health: 'healthy', colour: 'blue', standby: { colour: 'green', health: 'healthy', version: '2.0.0' } });
    expect(String(status.environments[1]?.uptime)).toMatch(/^Up /);

    // The text: compose's "Up 29 seconds (healthy)" printed with "up" once.
    const text: string[] = [];
    expect(await runCli(['status', '--compose', composeFile, '--project', project.name, '--env-file', join(project.dir, '.env')], { stdout: (t) => text.push(t), stderr: (t) => text.push(t), env: process.env, cwd: project.dir, now: () => new Date() })).toBe(0);
    expect(text.join('')).toMatch(/^prod +1\.0\.0 +healthy +colour blue up [a-z0-9][^()\n]*, healthy sha256:[0-9a-f]{64}$/m);
    expect(text.join('')).not.toMatch(/up up/i);
  }, 60_000);
});
