import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run.js';
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
    image = `${bed.registry}/release-flow-test/switch-synapse`;
    for (const major of [1, 2]) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:v${major}.0.0`, bed.serviceContext);
      docker('push', '-q', `${image}:v${major}.0.0`);
    }
    docker('tag', `${image}:v2.0.0`, `${image}:latest`);
    docker('push', '-q', `${image}:latest`);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
  }, 180_000);
  afterAll(async () => project?.destroy());

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
