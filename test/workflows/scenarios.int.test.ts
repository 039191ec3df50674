import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { ms, requireProxyImage, underLoad, version, type LoadReport } from '../compose/helpers.js';
import { releaseKey, startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { tagDigest, type RegistryRepo } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { runWorkflow, type InterpreterOptions, type JobInfo, type WorkflowRun } from './interpreter.js';
import type { Finding } from './interpreter-stand-ins.js';
import { adaptConsumer, mutatedWorkflows, piHost, removeDir, removeLocalImages, serviceRepository, stepIndex, tempDir, type PiHost, type ServiceRepo } from './scenario-support.js';

// The three triggers users rely on (../shared/DESIGN.md), end to end: the consumer workflow of the
// README (fixtures/consumer.yml) calling release.yml and switch-environment.yml, interpreted from
// the files themselves by interpreter.ts: the same jobs, in the same order, with the same inputs,
// running the committed action bundles against the real engine, the bed registry (127.0.0.1:5000)
// and a compose project standing in for the Pi. The GitHub API is the local fake; third-party
// actions are the stand-ins of interpreter-stand-ins.ts (checkout clones the scenario repository;
// QEMU, buildx and the registry login are the bed's; trivy reports what a test tells it).
//
//   tag v1.0.0, then v1.1.0   immutable images, release notes, GitHub Releases, prod by digest
//   push to main              latest + sha-<7>, dev updated, prod untouched
//   dispatch switch prod      a rollback to v1.0.0 under load; `release-flow status` reports it
//   tag v1.2.0, critical CVE  the scan fails: no GitHub Release, no prod deploy
//   drift                     a broken copy of release.yml breaks these scenarios

const TOKEN = 'ghs_scenario_token_0000000000';
const REPOSITORY = 'acme/synapse';
const PI_LABELS = ['self-hosted', 'linux', 'ARM64'];
const LOAD = { rate: 10, durationMs: 14_000, timeoutMs: 3000, atMs: 500 };
const log = (line: string) => console.info(`[scenario] ${line}`);

let bed: TestBed;
let fake: FakeGitHub;
let pi: PiHost;
let repo: ServiceRepo;
let work: string;
let consumer: string;
let image: RegistryRepo & { name: string };
let runs = 0;
const digests: Record<string, string> = {};

interface Trigger {
  event: InterpreterOptions['event'];
  workflowsDir?: string;
  trivyFindings?: (imageRef: string) => Finding[];
  beforeJob?: (job: JobInfo) => void;
  /** Runs a load on prod while this job runs; the report is returned. */
  loadDuring?: string;
}

/** One workflow run of the consumer, as GitHub would start it for `event`. */
async function trigger(t: Trigger): Promise<{ run: WorkflowRun; load?: LoadReport & { jobEndedAtMs: number } }> {
  let load: (LoadReport & { jobEndedAtMs: number }) | undefined;
  const t0 = performance.now();
  const run = await runWorkflow({
    workflow: consumer,
    event: t.event,
    repository: REPOSITORY,
    repositoryUrl: repo.origin.url,
    apiUrl: fake.url,
    token: TOKEN,
    runId: ++runs,
    ...(t.workflowsDir ? { workflowsDir: t.workflowsDir } : {}),
    standIns: { ...(t.trivyFindings ? { trivyFindings: t.trivyFindings } : {}) },
    ...(t.beforeJob ? { beforeJob: t.beforeJob } : {}),
    aroundJob: async (job, go) => {
      if (job.id !== t.loadDuring) return go();
      const start = performance.now();
      let jobEndedAtMs = Infinity;
      const report = await underLoad(pi.project.prodPort, LOAD, async () => {
        await go();
        jobEndedAtMs = performance.now() - start;
      });
      load = { ...report, jobEndedAtMs };
      log(`load on prod during ${job.id}: ${load.summary}; the job ended ${ms(jobEndedAtMs)} into the ${ms(LOAD.durationMs)} load`);
      for (const f of load.failed) log(`  failed: sent at ${ms(f.sent)}: ${f.error}`);
    },
    log: (line) => log(`  ${line}`),
  });
  if (!run.triggered) throw new Error(`the consumer workflow is not triggered by ${t.event.name} ${t.event.ref}`);
  log(`${t.event.name} ${t.event.ref}: ${run.conclusion} in ${ms(performance.now() - t0)}\n    ${run.sequence().join('\n    ')}`);
  for (const job of run.jobs) for (const step of job.steps) if (step.outcome === 'failure') log(`  ${job.id} step ${step.name}: ${step.detail}`);
  return { run, ...(load ? { load } : {}) };
}

const push = (ref: string, sha: string): InterpreterOptions['event'] => ({ name: 'push', ref, sha });

/** The jobs of the called release.yml with their results, in the order they were decided. */
const releaseJobs = (run: WorkflowRun) => run.sequence().filter((s) => s.startsWith('release/'));

/** A guard for jobs a scenario expects skipped: it stops the run before such a job does anything. */
const mustNotStart = (...ids: string[]) => (job: JobInfo) => {
  if (ids.includes(job.id)) throw new Error(`${job.id} started, but the scenario expects it skipped`);
};

/** What a tag push must do: every job of the tag pipeline succeeded, prod deployed by digest. */
function expectReleased(run: WorkflowRun, v: string): void {
  expect(run.conclusion).toBe('success');
  expect(releaseJobs(run)).toEqual([
    'release/version:success',
    'release/image:success',
    'release/scan:success',
    'release/notes:success',
    'release/deploy-prod:success',
    'release/deploy-dev:skipped',
    'release/summary:success',
  ]);
  expect(run.job('switch').status).toBe('skipped');
  expect(run.job('release/version').outputs).toMatchObject({ mode: 'tag', version: v, tag: `v${v}`, released: 'true', ref: `refs/tags/v${v}` });
  const digest = run.job('release/image').outputs.digest!;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  // The scan ran on the image just built, pinned by digest, failing the pipeline on a finding.
  const scan = run.job('release/scan').steps[0]!;
  expect(scan.with).toMatchObject({ 'image-ref': `${image.name}@${digest}`, severity: 'CRITICAL', 'exit-code': '1', 'ignore-unfixed': 'true' });
  // prod is deployed on the Pi runner, by the workflow's environment, at the released version's digest.
  const deploy = run.job('release/deploy-prod');
  expect(deploy.runsOn).toEqual(PI_LABELS);
  expect(deploy.environment).toEqual({ name: 'production', url: `http://127.0.0.1:${pi.project.prodPort}` });
  expect(deploy.steps.find((s) => s.id === 'deploy')!.with).toMatchObject({ environment: 'prod', version: v, image: image.name, 'compose-file': pi.composeFile, project: pi.project.name, 'watch-seconds': '2', 'github-deployment': 'false' });
  expect(deploy.outputs).toEqual({});
  expect(deploy.steps.find((s) => s.id === 'deploy')!.outputs).toMatchObject({ version: v, digest, 'rolled-back': 'false' });
  // The called workflow's outputs reach the consumer.
  expect(run.job('release').outputs).toMatchObject({ version: v, digest });
  expect(run.job('release').outputs['release-url']).toMatch(new RegExp(`/releases/`));
}

function envFileValue(name: string): string | undefined {
  return new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(pi.envFile, 'utf8'))?.[1];
}

const prodState = () => (JSON.parse(readFileSync(stateFilePath(pi.project.dataDir), 'utf8')) as { environments: Record<string, { active: { version: string; digest: string; colour?: string } | null }> }).environments;

/** Everything of prod a run that must not touch it could change. */
async function prodSnapshot() {
  const containers = await pi.compose('--profile', 'rollout', 'ps', '-a', '--format', '{{.ID}} {{.Service}} {{.Image}} {{.State}}');
  return {
    containers: containers.stdout.split('\n').filter((line) => / synapse-prod/.test(line)).sort(),
    env: readFileSync(pi.envFile, 'utf8').split('\n').filter((line) => line.startsWith('SYNAPSE_PROD_')),
    state: JSON.stringify(prodState().prod),
    upstreams: readFileSync(`${pi.project.proxyConfigDir}/upstreams.caddy`, 'utf8'),
  };
}

describe('the three triggers, run from the workflow files (real engine, registry and compose)', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    work = tempDir('scenarios');
    const repository = `scenario-${randomBytes(4).toString('hex')}/synapse`;
    image = { registry: bed.registry, repository, name: `${bed.registry}/${repository}` };
    fake = await startFakeGitHub({ token: TOKEN });
    pi = await piHost();
    repo = serviceRepository(bed);
    // The bed's values for what the README consumer leaves to defaults (ghcr.io, the Pi's paths).
    const site = { image: image.name, 'compose-file': pi.composeFile, project: pi.project.name };
    consumer = adaptConsumer(work, { release: { ...site, registry: bed.registry, 'watch-seconds': '2' }, switch: { ...site, 'watch-seconds': '2' } });
    log(`image ${image.name}; Pi project ${pi.project.name}: prod 127.0.0.1:${pi.project.prodPort}, dev 127.0.0.1:${pi.project.devPort}`);
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
    await pi?.destroy();
    // The releases compose pulled into the engine's image store.
    if (image) await removeLocalImages(image.name);
    repo?.cleanup();
    removeDir(work);
  });

  test('tag v1.0.0, then v1.1.0: immutable images, both sections of release-notes.md, two GitHub Releases, prod on v1.1.0 by digest with zero failed requests', async () => {
    repo.change('feat: the synapse memory service', '1.0.0');
    repo.pushMain();
    const first = await repo.release();
    expect(first.tag).toBe('v1.0.0');
    const { run: r1 } = await trigger({ event: push(`refs/tags/${first.tag}`, first.sha) });
    expectReleased(r1, '1.0.0');
    digests['1.0.0'] = r1.job('release/image').outputs.digest!;
    expect(await tagDigest(image, 'v1.0.0')).toBe(digests['1.0.0']);
    expect(await version(pi.project.prodPort)).toBe('1.0.0');

    // The image job logged in to the image's registry with the workflow's defaults (actor, token).
    expect(r1.job('release/image').steps.find((s) => s.name.startsWith('docker/login-action@'))!.with).toEqual({ registry: bed.registry, username: 'octocat', password: TOKEN });

    repo.change('feat(recall): recall memories by tag', '1.1.0');
    repo.pushMain();
    const second = await repo.release();
    expect(second.tag).toBe('v1.1.0');
    const { run: r2, load } = await trigger({ event: push(`refs/tags/${second.tag}`, second.sha), loadDuring: 'release/deploy-prod' });
    expectReleased(r2, '1.1.0');
    digests['1.1.0'] = r2.job('release/image').outputs.digest!;

    // Immutable: each version tag still names the image its own run built.
    expect(digests['1.1.0']).not.toBe(digests['1.0.0']);
    expect(await tagDigest(image, 'v1.0.0')).toBe(digests['1.0.0']);
    expect(await tagDigest(image, 'v1.1.0')).toBe(digests['1.1.0']);
    expect(await tagDigest(image, 'latest')).toBeNull();

    // release-notes.md of the tagged commit has both sections, newest first.
    const notes = repo.show('v1.1.0', 'release-notes.md');
    const at = (v: string) => notes.search(new RegExp(`^#+ .*\\b${v.replace(/\./g, '\\.')}\\b`, 'm'));
    expect(at('1.1.0')).toBeGreaterThanOrEqual(0);
    expect(at('1.0.0')).toBeGreaterThan(at('1.1.0'));
    expect(notes).toContain('recall memories by tag');
    expect(notes).toContain('the synapse memory service');

    // The GitHub Releases, created through the API by the notes job.
    const release = (tag: string) => fake.releases.get(releaseKey('acme', 'synapse', tag));
    expect(release('v1.0.0')).toMatchObject({ tag_name: 'v1.0.0', prerelease: false, draft: false });
    expect(release('v1.1.0')).toMatchObject({ tag_name: 'v1.1.0', prerelease: false, draft: false });
    expect(release('v1.1.0')!.body).toContain('recall memories by tag');
    expect(r2.job('release').outputs['release-url']).toContain('v1.1.0');

    // prod runs v1.1.0 by digest: switched under load with no failed request.
    expect(load!.failed).toEqual([]);
    expect(load!.jobEndedAtMs, 'the load lasted until the deploy job ended').toBeLessThan(LOAD.durationMs - 1000);
    expect(load!.versions).toEqual(['1.0.0', '1.1.0']);
    expect(await version(pi.project.prodPort)).toBe('1.1.0');
    expect(envFileValue('SYNAPSE_PROD_GREEN_IMAGE')).toBe(`${image.name}@${digests['1.1.0']}`);
    expect(envFileValue('SYNAPSE_PROD_BLUE_IMAGE')).toBe(`${image.name}@${digests['1.0.0']}`);
    expect(prodState().prod!.active).toMatchObject({ version: '1.1.0', digest: digests['1.1.0'], colour: 'green' });

    // The summary job reports each step's result.
    expect(r2.job('release/summary').summary).toContain('| deploy prod | success |');
    expect(r2.job('release/summary').summary).toContain(`\`${image.name}@${digests['1.1.0']}\``);
  }, 240_000);

  test('push to main: `latest` built and pushed, dev updated, prod untouched', async () => {
    const before = await prodSnapshot();
    repo.change('fix(recall): keep the order of recalled memories', '1.1.1');
    const sha = repo.pushMain();
    const { run } = await trigger({ event: push('refs/heads/main', sha), beforeJob: mustNotStart('release/scan', 'release/notes', 'release/deploy-prod') });

    expect(run.conclusion).toBe('success');
    expect(releaseJobs(run)).toEqual([
      'release/version:success',
      'release/image:success',
      'release/scan:skipped',
      'release/notes:skipped',
      'release/deploy-prod:skipped',
      'release/deploy-dev:success',
      'release/summary:success',
    ]);
    expect(run.job('release/version').outputs).toMatchObject({ mode: 'main', version: '1.1.1', ref: 'refs/heads/main' });
    expect(run.job('release/image').steps.find((s) => s.id === 'image')!.with).toMatchObject({ version: '', main: 'true', image: image.name, platforms: 'linux/amd64,linux/arm64' });

    const digest = run.job('release/image').outputs.digest!;
    expect(await tagDigest(image, 'latest')).toBe(digest);
    expect(await tagDigest(image, `sha-${sha.slice(0, 7)}`)).toBe(digest);
    expect(await tagDigest(image, 'v1.0.0')).toBe(digests['1.0.0']);
    expect(await tagDigest(image, 'v1.1.0')).toBe(digests['1.1.0']);

    const dev = run.job('release/deploy-dev');
    expect(dev.runsOn).toEqual(PI_LABELS);
    expect(dev.environment).toEqual({ name: 'development', url: `http://127.0.0.1:${pi.project.devPort}` });
    expect(await version(pi.project.devPort)).toBe('1.1.1');
    expect(envFileValue('SYNAPSE_DEV_IMAGE')).toBe(`${image.name}:latest`);

    expect(await prodSnapshot()).toEqual(before);
    expect(await version(pi.project.prodPort)).toBe('1.1.0');
    expect([...fake.releases.keys()].filter((k) => k.includes('synapse'))).toHaveLength(2);
  }, 180_000);

  test('dispatch `switch` to prod at v1.0.0: a rollback with zero failed requests, and `release-flow status` reports it', async () => {
    const { run, load } = await trigger({
      event: { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: repo.work.head(), inputs: { environment: 'prod', version: 'v1.0.0' } },
      loadDuring: 'switch/switch',
    });
    expect(run.conclusion).toBe('success');
    expect(run.sequence()).toEqual(['release:skipped', 'switch:success', 'switch/switch:success']);
    const job = run.job('switch/switch');
    expect(job.runsOn).toEqual(PI_LABELS);
    expect(job.environment).toEqual({ name: 'production', url: `http://127.0.0.1:${pi.project.prodPort}` });
    expect(job.steps.find((s) => s.id === 'switch')!.with).toMatchObject({ environment: 'prod', version: 'v1.0.0', image: image.name, 'compose-file': pi.composeFile, project: pi.project.name, 'watch-seconds': '2' });
    expect(job.outputs).toMatchObject({ environment: 'prod', version: '1.0.0', url: `http://127.0.0.1:${pi.project.prodPort}` });
    expect(run.job('switch').outputs).toMatchObject({ environment: 'prod', version: '1.0.0' });
    expect(job.summary).toContain('Switch: prod is active');

    expect(load!.failed).toEqual([]);
    expect(load!.jobEndedAtMs, 'the load lasted until the switch job ended').toBeLessThan(LOAD.durationMs - 1000);
    expect(load!.versions).toEqual(['1.1.0', '1.0.0']);
    expect(await version(pi.project.prodPort)).toBe('1.0.0');
    expect(envFileValue('SYNAPSE_ACTIVE_ENV')).toBe('prod');

    const status = await runCliAsync(['status', '--json', '--compose', pi.composeFile, '--project', pi.project.name, '--env-file', pi.envFile], { cwd: pi.project.dir });
    expect(status.code, status.stderr).toBe(0);
    const environments = (JSON.parse(status.stdout) as { environments: Array<Record<string, unknown>> }).environments;
    expect(environments.find((e) => e.env === 'prod')).toMatchObject({ version: '1.0.0', digest: digests['1.0.0'], health: 'healthy' });
    expect(environments.find((e) => e.env === 'dev')).toMatchObject({ health: 'healthy' });
  }, 180_000);

  test('tag v1.2.0 with a critical vulnerability: the scan fails the pipeline, so there is no GitHub Release and no prod deploy', async () => {
    repo.change('feat(search): semantic search over episodes', '1.2.0');
    repo.pushMain();
    const third = await repo.release();
    const critical: Finding[] = [{ id: 'CVE-2026-0001', severity: 'CRITICAL', fixed: true }];
    const { run } = await trigger({ event: push(`refs/tags/${third.tag}`, third.sha), trivyFindings: () => critical, beforeJob: mustNotStart('release/notes', 'release/deploy-prod') });

    expect(run.conclusion).toBe('failure');
    expect(releaseJobs(run)).toEqual([
      'release/version:success',
      'release/image:success',
      'release/scan:failure',
      'release/notes:skipped',
      'release/deploy-prod:skipped',
      'release/deploy-dev:skipped',
      'release/summary:success',
    ]);
    expect(run.job('release').result).toBe('failure');
    expect(run.job('release/scan').steps[0]!.detail).toMatch(/CVE-2026-0001 CRITICAL; exit-code 1 -> 1/);
    expect(run.job('release/summary').summary).toContain('| vulnerability scan | failure |');
    expect(run.job('release/summary').summary).toContain('| deploy prod | skipped |');
    expect(fake.releases.has(releaseKey('acme', 'synapse', 'v1.2.0'))).toBe(false);
    expect(await version(pi.project.prodPort)).toBe('1.0.0');
    expect(prodState().prod!.active).toMatchObject({ version: '1.0.0', digest: digests['1.0.0'] });
  }, 180_000);

  describe('drift: a broken copy of release.yml breaks the scenarios', () => {
    // Each mutation is run through the same scenario as above; the scenario's expectations must fail.
    // Guards stop a mutated run before it would deploy prod, so the Pi keeps its state.

    test('the image step without its `version:` input: the tag pipeline stops at the image job', async () => {
      const dir = mutatedWorkflows(work, 'release.yml', (doc) => doc.deleteIn(['jobs', 'image', 'steps', stepIndex(doc, 'image', 'image'), 'with', 'version']));
      const { run } = await trigger({ event: push('refs/tags/v1.1.0', repo.work.git('rev-parse', 'v1.1.0^{commit}')), workflowsDir: dir, beforeJob: mustNotStart('release/deploy-prod') });
      expect(() => expectReleased(run, '1.1.0')).toThrow();
      expect(run.job('release/image').result).toBe('failure');
      expect(run.job('release/image').steps.find((s) => s.id === 'image')!.detail).toMatch(/version/);
      expect(releaseJobs(run).slice(2, 5)).toEqual(['release/scan:skipped', 'release/notes:skipped', 'release/deploy-prod:skipped']);
      expect(await tagDigest(image, 'v1.1.0')).toBe(digests['1.1.0']);
    }, 120_000);

    test('the image job output renamed (digest read from a step output that does not exist): the scan gets no digest and fails', async () => {
      const dir = mutatedWorkflows(work, 'release.yml', (doc) => doc.setIn(['jobs', 'image', 'outputs', 'digest'], '${{ steps.image.outputs.image-digest }}'));
      const { run } = await trigger({ event: push('refs/tags/v1.1.0', repo.work.git('rev-parse', 'v1.1.0^{commit}')), workflowsDir: dir, beforeJob: mustNotStart('release/deploy-prod') });
      expect(() => expectReleased(run, '1.1.0')).toThrow();
      expect(run.job('release/scan').result).toBe('failure');
      expect(run.job('release/scan').steps[0]!.detail).toMatch(/not an image pinned by digest/);
      // The re-run of the image job found v1.1.0 built from this commit and pushed nothing: immutable.
      expect(run.job('release/image').steps.find((s) => s.id === 'image')!.outputs).toMatchObject({ digest: digests['1.1.0'], existing: 'true', pushed: 'false' });
    }, 120_000);

    test('the scan gate removed (notes and deploy-prod no longer need scan): the failing-scan scenario catches it', async () => {
      const dir = mutatedWorkflows(work, 'release.yml', (doc) => {
        doc.setIn(['jobs', 'notes', 'needs'], ['version', 'image']);
        doc.setIn(['jobs', 'deploy-prod', 'needs'], ['version', 'image', 'notes']);
      });
      const critical: Finding[] = [{ id: 'CVE-2026-0001', severity: 'CRITICAL', fixed: true }];
      await expect(
        trigger({ event: push('refs/tags/v1.2.0', repo.work.git('rev-parse', 'v1.2.0^{commit}')), workflowsDir: dir, trivyFindings: () => critical, beforeJob: mustNotStart('release/notes', 'release/deploy-prod') }),
      ).rejects.toThrow(/release\/notes started, but the scenario expects it skipped/);
      expect(fake.releases.has(releaseKey('acme', 'synapse', 'v1.2.0'))).toBe(false);
      expect(await version(pi.project.prodPort)).toBe('1.0.0');
    }, 120_000);
  });
});
