import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { runCli } from '../../src/cli/run.js';
import { parseState } from '../../src/core/deploy-state.js';
import { deploy, type DeployOptions } from '../../src/flows/deploy.js';
import { rollback } from '../../src/flows/rollback.js';
import { requireTestBed } from '../bed/check.js';
import { cleanEnv, composeFile, composeProject, docker, ms, repoRoot, requireProxyImage, underLoad, version, type ComposeProject, type LoadReport } from '../compose/helpers.js';

// `release-flow rollback --env prod` on the real engine, in a private compose project: the instant
// rollback to the hot standby under load, --to, the fallback through the deploy flow when the
// standby is gone, and --restore-data.

const LOAD = { rate: 10, durationMs: 8_000, timeoutMs: 3000, atMs: 1000 };
const log = (line: string) => console.info(`[rollback] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

let image: string;
let project: ComposeProject;
const docker_ = createDocker();
const deps = () => ({ docker: docker_, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: docker_ }) });

function options(versionText: string): DeployOptions {
  return { env: 'prod', version: versionText, image, composeFile, project: project.name, envFile: join(project.dir, '.env'), watchSeconds: 2, lockTimeoutMs: 120_000, log: (l) => log(`  ${l}`) };
}

const state = () => parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state').environments.prod;
const target = () => ['--image', image, '--compose', composeFile, '--project', project.name, '--env-file', join(project.dir, '.env'), '--watch', '2'];

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: cleanEnv(), cwd: project.dir, now: () => new Date() });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function report(what: string, r: LoadReport): void {
  log(`${what}: ${r.summary}`);
  for (const f of r.failed) log(`  failed: sent at ${ms(f.sent)}: ${f.error}`);
}

describe('release-flow rollback --env prod', () => {
  beforeAll(async () => {
    const bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/rollback-synapse`;
    for (const major of [1, 2]) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:v${major}.0.0`, bed.serviceContext);
      docker('push', '-q', `${image}:v${major}.0.0`);
    }
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);
  }, 180_000);
  afterAll(async () => project?.destroy());

  test('v1 then v2, then an instant rollback under load: zero failed requests, v1 serves, the state swaps active and previous', async () => {
    await deploy(deps(), options('1.0.0'));
    await deploy(deps(), options('2.0.0'));
    expect(await version(project.prodPort)).toBe('2.0.0');

    let mode = '';
    const r = await underLoad(project.prodPort, LOAD, async () => {
      const result = await rollback(deps(), { env: 'prod', composeFile, project: project.name, envFile: join(project.dir, '.env'), log: (l) => log(`  ${l}`) });
      mode = result.mode;
      expect(result).toMatchObject({ version: '1.0.0', colour: 'blue', previousVersion: '2.0.0' });
    });
    report('instant rollback v2 -> v1', r);
    expect(mode).toBe('instant');
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '1.0.0']);
    expect(readFileSync(join(project.proxyConfigDir, 'upstreams.caddy'), 'utf8')).toBe('to synapse-prod-blue:8002 synapse-prod-green:8002\n');
    const prod = state();
    expect(prod.active).toMatchObject({ version: '1.0.0', colour: 'blue' });
    expect(prod.previous).toMatchObject({ version: '2.0.0', colour: 'green' });
    expect(prod.history[0]).toMatchObject({ version: '1.0.0', outcome: 'success' });
    expect(prod.history[0]?.detail).toMatch(/instant rollback/);
    // The release rolled away from stays up as the standby: rolling back again is instant too.
    expect(await project.composeOk('--profile', 'rollout', 'ps', '--status', 'running', '--services')).toContain('synapse-prod-green');
  }, 180_000);

  test('rollback --to v2.0.0 (CLI) deploys that version', async () => {
    const r = await cli('rollback', '--env', 'prod', '--to', 'v2.0.0', ...target(), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'deploy', version: '2.0.0', 'previous-version': '1.0.0', outcome: 'success' });
    expect(await version(project.prodPort)).toBe('2.0.0');
    expect(state().active).toMatchObject({ version: '2.0.0' });
  }, 120_000);

  test('with the standby gone, rollback redeploys the previous digest through the deploy flow', async () => {
    const previous = state().previous!;
    expect(previous.version).toBe('1.0.0');
    await project.composeOk('--profile', 'rollout', 'stop', `synapse-prod-${previous.colour}`);
    const r = await cli('rollback', '--env', 'prod', ...target(), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is gone|is exited|holds another release/);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'deploy', version: '1.0.0', digest: previous.digest });
    expect(await version(project.prodPort)).toBe('1.0.0');
  }, 120_000);

  test('rollback --env dev is bad usage (exit 2): dev follows latest', async () => {
    const r = await cli('rollback', '--env', 'dev', ...target());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dev follows latest/);
    expect(r.stderr).toMatch(/deploy --env dev/);
  });

  test('rollback --restore-data latest --yes restores the data written before the last deploy; without --yes and a terminal it is exit 2', async () => {
    const marker = () => join(project.dataDir, 'marker.txt');
    writeFileSync(marker(), 'before the deploy\n');
    await deploy(deps(), options('2.0.0'));
    writeFileSync(marker(), 'after the deploy\n');

    // The built CLI with stdin not a terminal and no --yes: refused, nothing changed.
    const refused = await new Promise<{ code: number; stderr: string }>((done) => {
      const child = execFile(process.execPath, [join(repoRoot, 'dist/cli/index.js'), 'rollback', '--env', 'prod', '--restore-data', 'latest', ...target()], { env: cleanEnv() }, (error, _o, stderr) =>
        done({ code: error ? Number(error.code) : 0, stderr }),
      );
      child.stdin?.end();
    });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(readFileSync(marker(), 'utf8')).toBe('after the deploy\n');

    const r = await cli('rollback', '--env', 'prod', '--restore-data', 'latest', '--yes', ...target(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backup: string; previousData: string; restarted: string[] };
    expect(out.backup).toMatch(/-v2\.0\.0$/);
    expect(out.restarted).toEqual(expect.arrayContaining(['synapse-prod-blue', 'synapse-prod-green']));
    expect(readFileSync(marker(), 'utf8')).toBe('before the deploy\n');
    expect(readFileSync(join(out.previousData, 'marker.txt'), 'utf8')).toBe('after the deploy\n');
    // The recreated containers see the restored data, and prod serves again.
    expect(await project.composeOk('exec', '-T', 'synapse-prod-green', 'cat', '/app/data/marker.txt')).toBe('before the deploy');
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 180_000);
});
