import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { runCli } from '../../src/cli/run.js';
import { parseState } from '../../src/core/deploy-state.js';
import { parseImageName } from '../../src/core/image-ref.js';
import { requireTestBed } from '../bed/check.js';
import { cleanEnv, composeFile, composeProject, docker, repoRoot, requireProxyImage, version, type ComposeProject } from '../compose/helpers.js';

// `release-flow switch dev|prod` and scripts/switch_env.sh on the real engine, in a private compose
// project: SYNAPSE_ACTIVE_ENV in the env file, the target up at its recorded (or given) version,
// bad values exit 2 with the allowed ones. The script runs the built CLI (`npm run build` first).

const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
let image: string;
let project: ComposeProject;

const envFile = () => join(project.dir, '.env');
const envText = () => readFileSync(envFile(), 'utf8');
const state = () => parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state');

/** The dev container: its id, when it started, its health (a recreate changes the first two). */
function devContainer(): { id: string; startedAt: string; health: string } {
  const [id = '', startedAt = '', health = ''] = docker('inspect', '--format', '{{.Id}} {{.State.StartedAt}} {{.State.Health.Status}}', `${project.name}-synapse-dev-1`).split(' ');
  return { id, startedAt, health };
}

/** The digest a tag of the test image has in the registry now. */
async function registryDigest(tag: string): Promise<string> {
  const ref = await createRegistryClient({ retries: 0 }).resolveTag(parseImageName(image, 'image'), tag);
  if (!ref) throw new Error(`${image}:${tag} is not in the registry`);
  return ref.digest;
}
const target = () => ['--image', image, '--compose', composeFile, '--project', project.name, '--env-file', envFile(), '--watch', '2'];

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: cleanEnv(), cwd: project.dir, now: () => new Date() });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** scripts/switch_env.sh ARGS with stdin not a terminal (closed at once). */
function script(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile('bash', [join(repoRoot, 'scripts/switch_env.sh'), ...args], { env: cleanEnv(), timeout: 120_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('release-flow switch', () => {
  beforeAll(async () => {
    const bed = requireTestBed();
    requireProxyImage();
    // A repository of its own per run: a test below moves `latest` for a while, which another run
    // of this file on the same registry must not see.
    image = `${bed.registry}/release-flow-test/switch-synapse-${randomBytes(4).toString('hex')}`;
    for (const major of [1, 2]) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:v${major}.0.0`, bed.serviceContext);
      docker('push', '-q', `${image}:v${major}.0.0`);
    }
    docker('tag', `${image}:v2.0.0`, `${image}:latest`);
    docker('push', '-q', `${image}:latest`);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
  }, 180_000);
  afterAll(async () => {
    await project?.destroy();
    // Only the tags: the images stay for the next run's build cache.
    for (const tag of ['v1.0.0', 'v2.0.0', 'latest']) if (image) execFile('docker', ['rmi', `${image}:${tag}`], () => undefined);
  });

  test('switch staging: exit 2 listing dev, prod; nothing written', async () => {
    const before = envText();
    const r = await cli('switch', 'staging', ...target());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"staging" is not valid; expected one of dev, prod/);
    expect(envText()).toBe(before);
    expect((await cli('switch', ...target())).code).toBe(2);
  });

  test('switch dev: SYNAPSE_ACTIVE_ENV=dev in the env file (other lines kept), dev serves latest, status printed', async () => {
    const before = envText();
    const r = await cli('switch', 'dev', ...target());
    expect(r.code, r.stderr).toBe(0);
    expect(envText()).toContain('SYNAPSE_ACTIVE_ENV=dev\n');
    expect(envText()).toContain(`SYNAPSE_PROD_PORT=${project.prodPort}\n`);
    // Every line but the image reference the dev deploy records is kept as it was.
    for (const line of before.split('\n').filter((l) => l && !l.startsWith('SYNAPSE_DEV_IMAGE='))) expect(envText()).toContain(`${line}\n`);
    expect(envText()).toContain(`SYNAPSE_DEV_IMAGE=${image}:latest\n`);
    expect(await version(project.devPort)).toBe('2.0.0');
    expect(r.stdout).toMatch(/^active environment: dev/);
    expect(r.stdout).toContain(`http://127.0.0.1:${project.devPort}`);
    expect(r.stdout).toContain('configs/synapse_dev.json');
  }, 120_000);

  test('a second switch dev in a row leaves dev as it is (same container, same start) and is fast; the state records it', async () => {
    const before = devContainer();
    expect(before.health).toBe('healthy');
    const t0 = performance.now();
    const r = await cli('switch', 'dev', ...target(), '--json');
    const took = performance.now() - t0;
    console.info(`[switch] second switch dev in a row: ${Math.round(took)} ms`);
    expect(r.code, r.stderr).toBe(0);
    const latest = await registryDigest('latest');
    expect(JSON.parse(r.stdout)).toMatchObject({ active: 'dev', action: 'already-up', digest: latest, note: `dev already runs latest (${latest}), healthy: not recreated` });
    expect(r.stderr).toContain(`dev already runs latest (${latest}), healthy: not recreated`);
    expect(r.stderr).not.toMatch(/pulling|recreating/);
    expect(devContainer()).toEqual(before);
    expect(took).toBeLessThan(5000);
    expect(envText()).toContain('SYNAPSE_ACTIVE_ENV=dev\n');
    expect(state()).toMatchObject({ activeEnv: 'dev', environments: { dev: { active: { version: 'latest', digest: latest } } } });
    // The plain text says so too.
    const text = await cli('switch', 'dev', ...target());
    expect(text.stdout).toContain(`(dev already runs latest (${latest}), healthy: not recreated)`);
    expect(devContainer()).toEqual(before);
  }, 60_000);

  test('after a new latest is pushed, switch dev pulls and recreates dev; then latest goes back to v2', async () => {
    const before = devContainer();
    docker('tag', `${image}:v1.0.0`, `${image}:latest`);
    docker('push', '-q', `${image}:latest`);
    try {
      const r = await cli('switch', 'dev', ...target(), '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ active: 'dev', action: 'deployed', digest: await registryDigest('latest') });
      expect(r.stderr).toMatch(/bringing dev up at latest: dev runs sha256:[0-9a-f]{64}; latest is sha256:/);
      expect(devContainer().id).not.toBe(before.id);
      expect(await version(project.devPort)).toBe('1.0.0');
    } finally {
      docker('tag', `${image}:v2.0.0`, `${image}:latest`);
      docker('push', '-q', `${image}:latest`);
    }
  }, 120_000);

  test('switch prod --version v1.0.0: prod serves v1; a version not in the registry is exit 2 and changes nothing', async () => {
    const r = await cli('switch', 'prod', '--version', 'v1.0.0', ...target(), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ active: 'prod', version: '1.0.0', action: 'deployed', url: `http://127.0.0.1:${project.prodPort}` });
    expect(await version(project.prodPort)).toBe('1.0.0');
    expect(envText()).toContain('SYNAPSE_ACTIVE_ENV=prod\n');
    expect(envText().match(/SYNAPSE_ACTIVE_ENV=/g)).toHaveLength(1);

    const bad = await cli('switch', 'dev', '--version', 'v9.9.9', ...target());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--version: "v9\.9\.9" is not valid/);
    expect(envText()).toContain('SYNAPSE_ACTIVE_ENV=prod\n');
  }, 120_000);

  test('switch prod after a v2 deploy with --version v1.0.0 rolls back; plain switch prod keeps the recorded release', async () => {
    expect((await cli('deploy', '--env', 'prod', '--version', 'v2.0.0', ...target())).code).toBe(0);
    expect(await version(project.prodPort)).toBe('2.0.0');
    const back = await cli('switch', 'prod', '--version', 'v1.0.0', ...target(), '--json');
    expect(back.code, back.stderr).toBe(0);
    expect(await version(project.prodPort)).toBe('1.0.0');
    const again = await cli('switch', 'prod', ...target(), '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ active: 'prod', version: '1.0.0', action: 'already-up' });
  }, 120_000);

  test('scripts/switch_env.sh: --help, no argument without a terminal is exit 2, `dev` switches', async () => {
    const help = await script('--help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: release-flow switch dev|prod');

    const none = await script();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/dev, prod/);

    const dev = await script('dev', ...target());
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stdout).toMatch(/^active environment: dev/);
    expect(envText()).toContain('SYNAPSE_ACTIVE_ENV=dev\n');
    expect(await version(project.devPort)).toBe('2.0.0');
  }, 120_000);
});
