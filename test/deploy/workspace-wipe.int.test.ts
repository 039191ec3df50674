import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker, type Docker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { runCli } from '../../src/cli/run.js';
import { readEnvLines } from '../../src/core/compose-commands.js';
import { parseState } from '../../src/core/deploy-state.js';
import { deploy, type DeployOptions } from '../../src/flows/deploy.js';
import { rollback } from '../../src/flows/rollback.js';
import { switchEnvironment } from '../../src/flows/switch.js';
import { requireTestBed } from '../bed/check.js';
import { composeDir, composeFile, composeProject, docker, ms, requireProxyImage, underLoad, version, type ComposeProject, type LoadReport } from '../compose/helpers.js';

// A self-hosted runner's checkout (`git clean -ffdx` + `git reset --hard`) between two deploys:
// compose/.env is deleted and compose/caddy/upstreams.caddy is back at its tracked text (blue
// first) while green serves. The state file and the containers survive, and the flows must go by
// them: the next deploy starts the new release in blue (not in the serving green), rollback and
// switch pick the right colour, status reports green, and the workspace files are written back.
//
// The project's host settings (ports, data, secrets, proxy config directory, subnet) come from the
// environment, as a runner job's `env:` would give them, so that .env can be deleted outright;
// only the image references live in .env, as the deploy writes them.

const LOAD = { rate: 10, durationMs: 12_000, timeoutMs: 3000, atMs: 1000 };
const log = (line: string) => console.info(`[wipe] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
const IMAGE_VARIABLES = ['SYNAPSE_DEV_IMAGE', 'SYNAPSE_PROD_BLUE_IMAGE', 'SYNAPSE_PROD_GREEN_IMAGE'];
const TRACKED_UPSTREAMS = readFileSync(join(composeDir, 'caddy', 'upstreams.caddy'), 'utf8');

let image: string;
let project: ComposeProject;
const hostVariables: string[] = [];
const docker_ = createDocker();
const deps = (d: Docker = docker_) => ({ docker: d, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: d }) });
const envFile = () => join(project.dir, '.env');
const upstreamsFile = () => join(project.proxyConfigDir, 'upstreams.caddy');
const readStateFileSync = () => parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state');
const state = () => readStateFileSync().environments;

function options(versionText: string | undefined, extra: Partial<DeployOptions> = {}): DeployOptions {
  return { env: 'prod', version: versionText, image, composeFile, project: project.name, envFile: envFile(), watchSeconds: 2, lockTimeoutMs: 120_000, log: (l) => log(`  ${l}`), ...extra };
}

/** What actions/checkout leaves of the workspace: no .env, upstreams.caddy as git tracks it. */
function wipeWorkspace(): void {
  rmSync(envFile(), { force: true });
  writeFileSync(upstreamsFile(), TRACKED_UPSTREAMS);
}

/** A prod colour's container: its id, when it started, its image reference (outside load loops). */
function container(colour: 'blue' | 'green'): { id: string; startedAt: string; image: string; health: string } {
  const [id = '', startedAt = '', ref = '', health = ''] = docker('inspect', '--format', '{{.Id}} {{.State.StartedAt}} {{.Config.Image}} {{.State.Health.Status}}', `${project.name}-synapse-prod-${colour}-1`).split(' ');
  return { id, startedAt, image: ref, health };
}

function report(what: string, r: LoadReport): void {
  log(`${what}: ${r.summary}`);
  for (const f of r.failed) log(`  failed: sent at ${ms(f.sent)}: ${f.error}`);
}

describe('a checkout that wiped compose/.env and reset upstreams.caddy between deploys', () => {
  let digests: Record<string, string> = {};

  beforeAll(async () => {
    const bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/wipe-synapse`;
    for (const major of [1, 2, 3]) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:v${major}.0.0`, bed.serviceContext);
      docker('push', '-q', `${image}:v${major}.0.0`);
    }
    docker('tag', `${image}:v1.0.0`, `${image}:latest`);
    docker('push', '-q', `${image}:latest`);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    for (const [key, value] of Object.entries(project.vars)) {
      if (IMAGE_VARIABLES.includes(key)) continue;
      process.env[key] = value;
      hostVariables.push(key);
    }
    writeFileSync(envFile(), '');
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);

    await deploy(deps(), options(undefined, { env: 'dev' }));
    digests = { '1.0.0': (await deploy(deps(), options('1.0.0'))).digest };
    const v2 = await deploy(deps(), options('2.0.0'));
    digests['2.0.0'] = v2.digest;
    expect(v2).toMatchObject({ outcome: 'success', colour: 'green' });
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 240_000);

  afterAll(async () => {
    for (const key of hostVariables) delete process.env[key];
    // `destroy` runs compose with the project's own env file.
    if (project) writeFileSync(envFile(), Object.entries(project.vars).map(([k, v]) => `${k}=${v}\n`).join(''));
    await project?.destroy();
  });

  test('status --json right after the wipe: green serves 2.0.0, blue 1.0.0 is the standby', async () => {
    wipeWorkspace();
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['status', '--compose', composeFile, '--project', project.name, '--env-file', envFile(), '--json'], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: process.env,
      cwd: project.dir,
      now: () => new Date(),
    });
    expect(code, err.join('')).toBe(0);
    const status = JSON.parse(out.join('')) as { environments: Array<Record<string, unknown>> };
    expect(status.environments[1]).toMatchObject({ env: 'prod', version: '2.0.0', digest: digests['2.0.0'], health: 'healthy', colour: 'green', standby: { colour: 'blue', health: 'healthy', version: '1.0.0' } });
    // status only reads: the workspace is as the checkout left it.
    expect(existsSync(envFile())).toBe(false);
    expect(readFileSync(upstreamsFile(), 'utf8')).toBe(TRACKED_UPSTREAMS);
  }, 60_000);

  test('a dry run after the wipe plans v3 into blue, says what it would repair, and writes nothing', async () => {
    wipeWorkspace();
    const lines: string[] = [];
    const planned = await deploy(deps(), options('3.0.0', { dryRun: true, log: (l) => lines.push(l) }));
    expect(planned).toMatchObject({ outcome: 'planned', colour: 'blue', previousVersion: '2.0.0' });
    expect(lines.some((l) => /^workspace out of date: .*listed blue first, but green is live.*would rewrite it green first/.test(l)), lines.join('\n')).toBe(true);
    expect(existsSync(envFile())).toBe(false);
    expect(readFileSync(upstreamsFile(), 'utf8')).toBe(TRACKED_UPSTREAMS);
  }, 60_000);

  test('switch prod after the wipe: prod is already up; upstreams.caddy and the image variables are written back', async () => {
    wipeWorkspace();
    const lines: string[] = [];
    const r = await switchEnvironment(deps(), { env: 'prod', image, composeFile, project: project.name, envFile: envFile(), lockTimeoutMs: 60_000, log: (l) => (lines.push(l), log(`  ${l}`)) });
    expect(r).toMatchObject({ active: 'prod', action: 'already-up', version: '2.0.0' });
    expect(readStateFileSync().activeEnv).toBe('prod');
    expect(lines.some((l) => /^workspace repaired: .*upstreams\.caddy listed blue first, but green is live/.test(l))).toBe(true);
    expect(readFileSync(upstreamsFile(), 'utf8')).toBe('to synapse-prod-green:8002 synapse-prod-blue:8002\n');
    expect(readEnvLines(readFileSync(envFile(), 'utf8'))).toEqual({
      SYNAPSE_PROD_BLUE_IMAGE: `${image}@${digests['1.0.0']}`,
      SYNAPSE_PROD_GREEN_IMAGE: `${image}@${digests['2.0.0']}`,
      SYNAPSE_DEV_IMAGE: `${image}:latest`,
      SYNAPSE_ACTIVE_ENV: 'prod',
    });
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 60_000);

  test('deploy v3 under load after the wipe: zero failed requests, v3 serves from blue, green (v2) was never recreated', async () => {
    wipeWorkspace();
    const green = container('green');
    expect(green.image).toBe(`${image}@${digests['2.0.0']}`);
    const calls: string[] = [];
    const lines: string[] = [];
    const recording: Docker = { run: (args, o) => (calls.push(args.join(' ')), docker_.run(args, o)) };
    const r = await underLoad(project.prodPort, LOAD, async () => {
      const result = await deploy(deps(recording), options('3.0.0', { log: (l) => (lines.push(l), log(`  ${l}`)) }));
      expect(result).toMatchObject({ outcome: 'success', version: '3.0.0', colour: 'blue', previousVersion: '2.0.0' });
    });
    report('deploy v2 -> v3 after the wipe', r);
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '3.0.0']);
    expect(await version(project.prodPort)).toBe('3.0.0');

    // One line says what was repaired, before the new colour was touched: the active environment
    // the switch above recorded comes back from the state file too.
    const repairedAt = lines.findIndex((l) => /^workspace repaired: .*listed blue first, but green is live.*\.env was missing: restored SYNAPSE_PROD_BLUE_IMAGE.*SYNAPSE_ACTIVE_ENV from the state file/.test(l));
    expect(repairedAt, lines.join('\n')).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => /^starting synapse-prod-blue/.test(l))).toBeGreaterThan(repairedAt);
    // The serving colour was never started, recreated or stopped: it stays as the hot standby.
    expect(calls.filter((c) => /synapse-prod-green$/.test(c) && / (up|stop|pull|restart) /.test(c))).toEqual([]);
    expect(container('green')).toEqual(green);
    expect(green.health).toBe('healthy');

    expect(readFileSync(upstreamsFile(), 'utf8')).toBe('to synapse-prod-blue:8002 synapse-prod-green:8002\n');
    const env = readEnvLines(readFileSync(envFile(), 'utf8'));
    expect(env).toMatchObject({ SYNAPSE_PROD_GREEN_IMAGE: `${image}@${digests['2.0.0']}`, SYNAPSE_DEV_IMAGE: `${image}:latest`, SYNAPSE_ACTIVE_ENV: 'prod' });
    expect(env.SYNAPSE_PROD_BLUE_IMAGE).toMatch(new RegExp(`^${image}@sha256:[0-9a-f]{64}$`));
    expect(Object.keys(env).sort()).toEqual([...IMAGE_VARIABLES, 'SYNAPSE_ACTIVE_ENV'].sort());
    expect(readFileSync(envFile(), 'utf8')).not.toContain(`token-${project.name}`);
    expect(state().prod).toMatchObject({ active: { version: '3.0.0', colour: 'blue' }, previous: { version: '2.0.0', colour: 'green' } });
  }, 120_000);

  test('rollback after the wipe switches to the standby the containers say (blue), not to the colour upstreams.caddy names second', async () => {
    // Back to v2 on green first, so that green serves when the checkout resets upstreams.caddy to blue first.
    expect(await rollback(deps(), { env: 'prod', composeFile, project: project.name, envFile: envFile(), log: (l) => log(`  ${l}`) })).toMatchObject({ mode: 'instant', colour: 'green', version: '2.0.0' });
    wipeWorkspace();
    const blue = container('blue');
    let result: Awaited<ReturnType<typeof rollback>> | undefined;
    const r = await underLoad(project.prodPort, { ...LOAD, durationMs: 8_000 }, async () => {
      result = await rollback(deps(), { env: 'prod', image, composeFile, project: project.name, envFile: envFile(), lockTimeoutMs: 60_000, log: (l) => log(`  ${l}`) });
    });
    report('instant rollback v2 -> v3 after the wipe', r);
    expect(result).toMatchObject({ mode: 'instant', colour: 'blue', version: '3.0.0', previousVersion: '2.0.0' });
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '3.0.0']);
    expect(container('blue')).toEqual(blue);
    expect(readFileSync(upstreamsFile(), 'utf8')).toBe('to synapse-prod-blue:8002 synapse-prod-green:8002\n');
    expect(state().prod).toMatchObject({ active: { version: '3.0.0', colour: 'blue' }, previous: { version: '2.0.0', colour: 'green' } });
  }, 120_000);
});
