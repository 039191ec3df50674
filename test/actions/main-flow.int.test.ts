import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, repoRoot, requireProxyImage, version, type ComposeProject } from '../compose/helpers.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { createTestRepo, type TestRepo } from '../support/git-repo.js';
import { DEFAULT_GITHUB_TOKEN, runAction, type ActionRun } from './run-action.js';

// The root action (`uses: owner/release-flow@v1`) on one self-hosted runner: a push to main builds
// `latest` and deploys dev; a release tag builds the immutable version, publishes the GitHub
// Release and deploys prod by digest. Real git, engine, registry and compose; the GitHub API is the
// local stand-in.

const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
const log = (run: ActionRun) => `exit ${run.exitCode}\n${run.stdout.split('\n').filter((l) => l.startsWith('::')).join('\n')}\n${run.stderr}`;

let bed: TestBed;
let project: ComposeProject;
let fake: FakeGitHub;
let repo: TestRepo;
let image: string;

/** The service repository: the test service as its image, the synapse compose project as its deployment. */
function serviceRepo(): TestRepo {
  // One repository for the whole file (tempRepos would remove it after the first test).
  const r = createTestRepo();
  cpSync(bed.serviceContext, join(r.dir, 'service'), { recursive: true });
  mkdirSync(join(r.dir, 'compose'));
  cpSync(composeFile, join(r.dir, 'compose', 'docker-compose.yml'));
  cpSync(join(repoRoot, 'configs'), join(r.dir, 'configs'), { recursive: true });
  writeFileSync(join(r.dir, '.gitignore'), 'compose/.env\n');
  r.git('add', '.');
  r.commit('feat: the service');
  cpSync(join(project.dir, '.env'), join(r.dir, 'compose', '.env'));
  return r;
}

function flow(ref: string, inputs: Record<string, string>, sha?: string): Promise<ActionRun> {
  return runAction('main', {
    workspace: repo.dir,
    ref,
    ...(sha ? { sha } : {}),
    repository: 'acme/synapse',
    apiUrl: fake.url,
    inputs: {
      image,
      platforms: 'linux/amd64',
      context: 'service',
      cache: 'none',
      project: project.name,
      'watch-seconds': '2',
      'lock-timeout': '120',
      ...inputs,
    },
    timeoutMs: 240_000,
  });
}

describe('the root action: one step for the whole flow', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/root-${Date.now().toString(36)}`;
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    fake = await startFakeGitHub({ token: DEFAULT_GITHUB_TOKEN });
    repo = serviceRepo();
  }, 180_000);
  afterAll(async () => {
    await fake?.close();
    await project?.destroy();
    repo?.cleanup();
  });

  test('bad deploy input on main fails before anything is built or pushed', async () => {
    const run = await flow('refs/heads/main', { deploy: 'true', 'watch-seconds': 'soon', 'build-args': 'SERVICE_VERSION=0.0.1' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]?.message).toMatch(/watch-seconds: "soon" is not valid/);
    expect(run.outputs.digest).toBe('');
    expect(() => docker('buildx', 'imagetools', 'inspect', `${image}:latest`)).toThrow();
  });

  test('a feature branch only previews the version', async () => {
    const run = await flow('refs/heads/feature', { deploy: 'true' }, repo.head());
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '1.0.0', released: 'true', digest: '', deployed: '' });
  });

  test('push to main: latest and sha-<7> pushed, dev deployed from them', async () => {
    const run = await flow('refs/heads/main', { deploy: 'true', 'build-args': 'SERVICE_VERSION=0.0.0-main' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.tags).toContain(`${image}:latest`);
    expect(run.outputs.tags).toContain(`${image}:sha-${repo.head().slice(0, 7)}`);
    expect(run.outputs).toMatchObject({ deployed: 'dev', 'release-url': '' });
    expect(run.outputs['deploy-digest']).toBe(run.outputs.digest);
    expect(await version(project.devPort)).toBe('0.0.0-main');
    expect(fake.releases.size).toBe(0);
  }, 240_000);

  test('tag v1.0.0 without a token for the GitHub Release fails before the image is pushed', async () => {
    repo.tag('v1.0.0', 'HEAD', { annotated: true });
    const run = await flow('refs/tags/v1.0.0', { deploy: 'true', 'build-args': 'SERVICE_VERSION=1.0.0', token: '' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]?.message).toMatch(/token/);
    expect(() => docker('buildx', 'imagetools', 'inspect', `${image}:v1.0.0`)).toThrow();
  });

  test('tag v1.0.0: immutable image, GitHub Release, prod deployed by digest', async () => {
    const run = await flow('refs/tags/v1.0.0', { deploy: 'true', 'build-args': 'SERVICE_VERSION=1.0.0', file: '' });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs).toMatchObject({ version: '1.0.0', tag: 'v1.0.0', deployed: 'prod', 'deploy-version': '1.0.0', 'deploy-rolled-back': 'false', pushed: 'true' });
    expect(run.outputs.tags?.split('\n')[0]).toBe(`${image}:v1.0.0`);
    expect(run.outputs['deploy-digest']).toBe(run.outputs.digest);
    expect(run.outputs['release-url']).not.toBe('');
    expect([...fake.releases.values()].map((r) => r.tag_name)).toEqual(['v1.0.0']);
    expect(await version(project.prodPort)).toBe('1.0.0');
    expect(run.outputs['deploy-url']).toBe(`http://127.0.0.1:${project.prodPort}`);
  }, 240_000);
});
