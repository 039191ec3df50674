import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, ms, repoRoot, requireProxyImage, version, type ComposeProject } from '../compose/helpers.js';
import { runAction, type ActionRun } from './run-action.js';

// The bundled switch action (dist/switch/index.js) as the runner runs it, against a private compose
// project on the real engine, set up as in deploy.int.test.ts: a copy of compose/docker-compose.yml
// with the project's .env beside it (the action's compose-file default), and configs/ next to it.

const log = (line: string) => console.info(`[switch action] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
const sha = '2222222222222222222222222222222222222222';

let bed: TestBed;
let image: string;
let project: ComposeProject;

async function switchStep(inputs: Record<string, string>): Promise<ActionRun> {
  const t0 = performance.now();
  const run = await runAction('switch', {
    workspace: project.dir,
    ref: 'refs/heads/main',
    sha,
    repository: 'acme/synapse',
    inputs: { image, project: project.name, 'watch-seconds': '2', 'lock-timeout': '120', ...inputs },
    timeoutMs: 120_000,
  });
  log(`switch ${JSON.stringify(inputs)}: exit ${run.exitCode} in ${ms(performance.now() - t0)}`);
  if (run.exitCode !== 0) log(run.stdout.split('\n').filter((l) => l.startsWith('::')).join('\n'));
  return run;
}

describe('actions/switch (bundled, on the real engine)', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/switch-action-synapse`;
    const ref = `${image}:v1.0.0`;
    docker('build', '-q', '--build-arg', 'SERVICE_VERSION=1.0.0', '-t', ref, bed.serviceContext);
    docker('push', '-q', ref);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    mkdirSync(join(project.dir, 'compose'));
    cpSync(composeFile, join(project.dir, 'compose', 'docker-compose.yml'));
    cpSync(join(project.dir, '.env'), join(project.dir, 'compose', '.env'));
    cpSync(join(repoRoot, 'configs'), join(project.dir, 'configs'), { recursive: true });
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);
  }, 120_000);
  afterAll(async () => {
    await project?.destroy();
  });

  test('bad input (environment: staging) fails with ::error title=Invalid input:: listing dev, prod', async () => {
    const run = await switchStep({ environment: 'staging' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.objectContaining({ properties: { title: 'Invalid input' } })]);
    expect(run.errors[0]!.message).toMatch(/environment: "staging" is not valid; expected one of dev, prod/);
    expect(run.outputs).toEqual({});
  });

  test('switch to prod at 1.0.0: it serves it, SYNAPSE_ACTIVE_ENV=prod, outputs and summary say what is active and where', async () => {
    const run = await switchStep({ environment: 'prod', version: 'v1.0.0' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ environment: 'prod', version: '1.0.0', url: `http://127.0.0.1:${project.prodPort}` });
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await version(project.prodPort)).toBe('1.0.0');
    expect(readFileSync(join(project.dir, 'compose', '.env'), 'utf8')).toMatch(/^SYNAPSE_ACTIVE_ENV=prod$/m);

    expect(run.summary).toContain('Switch: prod is active');
    expect(run.summary).toContain(run.outputs.digest);
    expect(run.summary).toContain(`http://127.0.0.1:${project.prodPort}`);
    expect(run.summary).toContain('configs/synapse_prod.json');
    expect(run.summary).toMatch(/prod \(active\)<\/td><td>1\.0\.0/);
  }, 90_000);
});
