import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, ms, repoRoot, requireProxyImage, version, type ComposeProject } from '../compose/helpers.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { DEFAULT_GITHUB_TOKEN, runAction, type ActionRun } from './run-action.js';

// The bundled deploy action (dist/deploy/index.js) as the runner runs it, against a private compose
// project on the real engine (test/compose/helpers.ts) and the fake GitHub API for the deployment
// statuses. The workspace holds a copy of compose/docker-compose.yml with the project's .env beside
// it (the action's compose-file default), and configs/ next to it as in the repository.

const log = (line: string) => console.info(`[deploy action] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
const sha = '1111111111111111111111111111111111111111';

let bed: TestBed;
let image: string;
let project: ComposeProject;
let fake: FakeGitHub;
let badContext: string;

function publish(context: string, major: number): void {
  const ref = `${image}:v${major}.0.0`;
  docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', ref, context);
  docker('push', '-q', ref);
}

async function deployStep(inputs: Record<string, string>, apiUrl: string = fake.url): Promise<ActionRun> {
  const t0 = performance.now();
  const run = await runAction('deploy', {
    workspace: project.dir,
    ref: 'refs/heads/main',
    sha,
    repository: 'acme/synapse',
    apiUrl,
    inputs: { environment: 'prod', image, project: project.name, 'watch-seconds': '2', 'lock-timeout': '120', ...inputs },
    timeoutMs: 120_000,
  });
  log(`deploy ${JSON.stringify(inputs)}: exit ${run.exitCode} in ${ms(performance.now() - t0)}`);
  if (run.exitCode !== 0) log(run.stdout.split('\n').filter((l) => l.startsWith('::')).join('\n'));
  return run;
}

const secretValue = () => `token-${project.name}`;

describe('actions/deploy (bundled, prod blue/green on the real engine)', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/deploy-action-synapse`;
    badContext = mkdtempSync(join(tmpdir(), 'release-flow-deploy-action-bad-'));
    cpSync(bed.serviceContext, badContext, { recursive: true });
    const entry = join(badContext, 'entrypoint.sh');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('echo ok >/www/health', ': no health file'));
    publish(bed.serviceContext, 1);
    publish(bed.serviceContext, 2);
    publish(badContext, 3);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    mkdirSync(join(project.dir, 'compose'));
    cpSync(composeFile, join(project.dir, 'compose', 'docker-compose.yml'));
    cpSync(join(project.dir, '.env'), join(project.dir, 'compose', '.env'));
    cpSync(join(repoRoot, 'configs'), join(project.dir, 'configs'), { recursive: true });
    fake = await startFakeGitHub({ token: DEFAULT_GITHUB_TOKEN });
    log(`project ${project.name}: prod on 127.0.0.1:${project.prodPort}`);
  }, 180_000);
  afterAll(async () => {
    await fake?.close();
    await project?.destroy();
    if (badContext) rmSync(badContext, { recursive: true, force: true });
  });

  test('bad input (environment: staging) fails with ::error title=Invalid input:: listing dev, prod; nothing is called', async () => {
    const before = fake.requests.length;
    const run = await deployStep({ environment: 'staging', version: '1.0.0' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.objectContaining({ properties: { title: 'Invalid input' } })]);
    expect(run.errors[0]!.message).toMatch(/environment: "staging" is not valid; expected one of dev, prod/);
    expect(fake.requests.length).toBe(before);
    expect(run.outputs).toEqual({});
  });

  test('prod v1 then v2: outputs, summary, and deployment + in_progress + success recorded each time', async () => {
    const first = await deployStep({ version: 'v1.0.0' });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ version: '1.0.0', 'previous-version': '', 'rolled-back': 'false', url: `http://127.0.0.1:${project.prodPort}` });
    expect(first.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await version(project.prodPort)).toBe('1.0.0');

    const second = await deployStep({ version: '2.0.0' });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ version: '2.0.0', 'previous-version': '1.0.0', 'rolled-back': 'false', url: `http://127.0.0.1:${project.prodPort}` });
    expect(second.outputs.digest).not.toBe(first.outputs.digest);
    expect(await version(project.prodPort)).toBe('2.0.0');
    expect(second.warnings).toEqual([]);
    expect(second.errors).toEqual([]);

    expect(second.summary).toContain('Deploy prod: deployed');
    expect(second.summary).toContain(second.outputs.digest);
    expect(second.summary).toMatch(/previous version<\/td><td>1\.0\.0/);
    expect(second.summary).toMatch(/serving colour<\/td><td>green/);

    expect(fake.deployments.map((d) => ({ ref: d.ref, environment: d.environment, auto_merge: d.auto_merge, required_contexts: d.required_contexts, states: d.statuses.map((s) => s.state) }))).toEqual([
      { ref: sha, environment: 'production', auto_merge: false, required_contexts: [], states: ['in_progress', 'success'] },
      { ref: sha, environment: 'production', auto_merge: false, required_contexts: [], states: ['in_progress', 'success'] },
    ]);
    expect(fake.deployments[1]!.statuses[1]!.environment_url).toBe(`http://127.0.0.1:${project.prodPort}`);
  }, 120_000);

  test('a release that fails its health check: the step fails, rolled-back=true, failure recorded, secrets redacted', async () => {
    const run = await deployStep({ version: '3.0.0', 'wait-timeout': '6' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ version: '3.0.0', 'previous-version': '2.0.0', 'rolled-back': 'true' });
    expect(run.errors).toEqual([expect.objectContaining({ properties: { title: 'release-flow failed' } })]);
    expect(run.errors[0]!.message).toMatch(/prod 3\.0\.0 was rolled back: .*traffic stays on green/);
    expect(run.summary).toContain('Deploy prod: rolled back');
    expect(run.summary).toMatch(/serving colour<\/td><td>green/);
    expect(run.summary).toMatch(/health log:\n {2}status: (starting|unhealthy)/);
    for (const text of [run.stdout, run.stderr, run.summary]) expect(text).not.toContain(secretValue());
    expect(await version(project.prodPort)).toBe('2.0.0');
    const last = fake.deployments[fake.deployments.length - 1]!;
    expect(last.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(last.statuses[1]!.description).toMatch(/^rolled back: /);
  }, 120_000);

  test.each([
    ['500', 500],
    ['401', 401],
  ])('GitHub API answering %s to every deployment call: the deploy still succeeds, with a warning', async (_, status) => {
    const before = fake.deployments.length;
    fake.failNext(20, status, {}, undefined, { path: /\/deployments/ });
    try {
      const target = status === 500 ? '1.0.0' : '2.0.0';
      const run = await deployStep({ version: target });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs).toMatchObject({ version: target, 'rolled-back': 'false' });
      expect(await version(project.prodPort)).toBe(target);
      expect(run.warnings).toHaveLength(1);
      expect(run.warnings[0]!.message).toMatch(new RegExp(`GitHub deployment status not recorded .*the deploy is not affected: GitHub API ${status}`));
      expect(run.stdout).not.toContain(DEFAULT_GITHUB_TOKEN);
      expect(run.summary).toContain('Deploy prod: deployed');
      expect(fake.deployments.length).toBe(before);
    } finally {
      // Use up the failures this run left queued (an answer other than `status` means none is left).
      for (;;) {
        const r = await fetch(`${fake.url}/repos/acme/synapse/deployments`, { method: 'POST', headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}` }, body: '{}' }).catch(() => undefined);
        if (!r || r.status !== status) break;
      }
    }
  }, 120_000);

  test('a version that is not published fails before the GitHub deployment exists: no failure left on GitHub', async () => {
    const before = fake.deployments.length;
    const run = await deployStep({ version: '9.9.9' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.objectContaining({ properties: { title: 'Invalid input' } })]);
    expect(run.errors[0]!.message).toMatch(/version: "9\.9\.9" is not valid; expected a version published as .*:v9\.9\.9/);
    expect(fake.deployments.length).toBe(before);
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 60_000);

  test('a failed pre-flight creates no GitHub deployment either', async () => {
    const before = fake.deployments.length;
    const secret = join(project.secretsDir, 'api_token');
    renameSync(secret, `${secret}.aside`);
    let run: ActionRun;
    try {
      run = await deployStep({ version: '1.0.0' });
    } finally {
      renameSync(`${secret}.aside`, secret);
    }
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]!.message).toMatch(/pre-flight failed for prod 1\.0\.0; nothing was changed/);
    expect(fake.deployments.length).toBe(before);
    expect(await version(project.prodPort)).toBe('2.0.0');
  }, 60_000);
});
