import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { ms, requireProxyImage, version } from '../compose/helpers.js';
import { releaseKey, startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { tagDigest, type RegistryRepo } from '../support/registry-read.js';
import { runWorkflow, type InterpreterOptions, type JobInfo, type WorkflowRun } from './interpreter.js';
import { ownWorkflows, piHost, removeDir, removeLocalImages, serviceRepository, tempDir, type PiHost, type ServiceRepo } from './scenario-support.js';

// cut-release.yml, interpreted from the file like the scenarios of scenarios.int.test.ts: the `cut`
// job runs the committed release bundle in a fresh checkout of `main` (the service repository's
// local bare origin) and pushes the release commit and its tag there, atomically; the `pipeline`
// job then runs release.yml for that tag in the same run (its `tag` input), against the real
// engine, the bed registry and the "Pi" compose project. The GitHub API is the local fake.
//
//   consumer calls cut-release.yml   feat commits → v1.0.0 pushed by the bot, image, scan, Release, prod
//   dispatch, run-pipeline: false    only `cut` runs: the tag is pushed, nothing is built; the
//                                    default image of an upper-case owner is lower-cased
//   dispatch, only `docs:` commits   `cut` fails before any change; the pipeline is skipped

const TOKEN = 'ghs_cut_release_token_00000000';
const REPOSITORY = 'acme/synapse';
const BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';
const log = (line: string) => console.info(`[cut-release] ${line}`);

let bed: TestBed;
let fake: FakeGitHub;
let pi: PiHost;
let repo: ServiceRepo;
let work: string;
let caller: string;
let image: RegistryRepo & { name: string };
let runs = 0;

/** A service repository's workflow calling cut-release.yml, with the bed's values (amd64 only, short watch). */
function writeCaller(): string {
  const path = join(work, 'cut-release-caller.yml');
  writeFileSync(
    path,
    `name: cut release
on:
  workflow_dispatch:
    inputs:
      run-pipeline:
        description: Run the tag pipeline in this run.
        type: boolean
        default: true
permissions: {}
jobs:
  release:
    permissions:
      contents: write
      packages: write
    uses: owner/release-flow/.github/workflows/cut-release.yml@v1
    with:
      image: ${image.name}
      run-pipeline: \${{ inputs.run-pipeline }}
      platforms: linux/amd64
      registry: ${bed.registry}
      compose-file: ${pi.composeFile}
      project: ${pi.project.name}
      watch-seconds: '2'
    secrets: inherit
`,
  );
  return path;
}

/** A dispatch of `workflow` on main, as GitHub would start it from the Run workflow form. */
async function dispatch(workflow: string, inputs: Record<string, string>, options: { beforeJob?: (job: JobInfo) => void; repository?: string } = {}): Promise<WorkflowRun> {
  const t0 = performance.now();
  const event: InterpreterOptions['event'] = { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: originRef('refs/heads/main'), inputs };
  const run = await runWorkflow({
    workflow,
    event,
    repository: options.repository ?? REPOSITORY,
    repositoryUrl: repo.origin.url,
    apiUrl: fake.url,
    token: TOKEN,
    runId: ++runs,
    ...(options.beforeJob ? { beforeJob: options.beforeJob } : {}),
    log: (line) => log(`  ${line}`),
  });
  if (!run.triggered) throw new Error(`${workflow} is not triggered by workflow_dispatch`);
  log(`dispatch ${workflow.split('/').pop()} ${JSON.stringify(inputs)}: ${run.conclusion} in ${ms(performance.now() - t0)}\n    ${run.sequence().join('\n    ')}`);
  for (const job of run.jobs) for (const step of job.steps) if (step.outcome === 'failure') log(`  ${job.id} step ${step.name}: ${step.detail}`);
  return run;
}

const originGit = (...args: string[]) => repo.work.git('--git-dir', repo.origin.dir, ...args);
const originRef = (ref: string) => originGit('rev-parse', '--verify', `${ref}^{commit}`);
const originRefs = () => originGit('for-each-ref', '--format=%(refname) %(objectname)');

/** The developer's clone catches up with the origin (the release commit was made by the workflow). */
function syncWork(): void {
  repo.work.git('fetch', '--quiet', '--tags', 'origin', 'main');
  repo.work.git('merge', '--quiet', '--ff-only', 'FETCH_HEAD');
}

const mustNotStart = (...ids: string[]) => (job: JobInfo) => {
  if (ids.includes(job.id)) throw new Error(`${job.id} started, but the scenario expects it skipped`);
};

describe('cut-release.yml: cut a release from a form, then the tag pipeline in the same run', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    work = tempDir('cut-release');
    const repository = `cut-release-${randomBytes(4).toString('hex')}/synapse`;
    image = { registry: bed.registry, repository, name: `${bed.registry}/${repository}` };
    fake = await startFakeGitHub({ token: TOKEN });
    pi = await piHost();
    repo = serviceRepository(bed);
    caller = writeCaller();
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
    await pi?.destroy();
    if (image) await removeLocalImages(image.name);
    repo?.cleanup();
    removeDir(work);
  });

  test('unreleased feat commits: the bot commits the notes and pushes main + v1.0.0 atomically, then the pipeline builds, scans, releases and deploys v1.0.0 to prod by digest', async () => {
    repo.change('feat: the synapse memory service', '1.0.0');
    repo.work.commit('feat(recall): recall memories by tag');
    const featHead = repo.pushMain();

    const run = await dispatch(caller, {});
    expect(run.conclusion).toBe('success');
    expect(run.sequence()).toEqual([
      'release:success',
      'release/cut:success',
      'release/pipeline:success',
      'release/pipeline/version:success',
      'release/pipeline/image:success',
      'release/pipeline/scan:success',
      'release/pipeline/notes:success',
      'release/pipeline/deploy-prod:success',
      'release/pipeline/deploy-dev:skipped',
      'release/pipeline/summary:success',
    ]);

    // cut: a checkout of main with full history (and the push token), then the release action.
    const cut = run.job('release/cut');
    expect(cut.steps.find((s) => s.name.startsWith('actions/checkout@'))!.with).toEqual({ ref: 'main', 'fetch-depth': '0', token: TOKEN });
    const release = cut.steps.find((s) => s.id === 'release')!;
    expect(release.outputs).toMatchObject({ version: '1.0.0', tag: 'v1.0.0', 'previous-tag': '', bump: 'minor', pushed: 'true', 'major-tag': '' });
    expect(cut.outputs).toEqual({ version: '1.0.0', tag: 'v1.0.0', image: image.name });
    expect(run.job('release').outputs).toEqual({ version: '1.0.0', tag: 'v1.0.0' });

    // The origin: main and the annotated tag v1.0.0 both on the release commit, right after the feat commits.
    const commit = release.outputs.commit!;
    expect(originRef('refs/heads/main')).toBe(commit);
    expect(originRef('refs/tags/v1.0.0')).toBe(commit);
    expect(originGit('cat-file', '-t', 'refs/tags/v1.0.0')).toBe('tag');
    expect(originGit('rev-parse', `${commit}^`)).toBe(featHead);
    // No identity configured in the runner's checkout: the commit is the bot's.
    expect(originGit('show', '-s', '--format=%an <%ae>%n%cn <%ce>%n%s', commit).split('\n')).toEqual([BOT, BOT, 'chore(release): v1.0.0']);
    expect(originGit('diff-tree', '--no-commit-id', '--name-only', '-r', commit)).toBe('release-notes.md');
    const notes = repo.show('v1.0.0', 'release-notes.md');
    expect(notes).toMatch(/^#+ .*\b1\.0\.0\b/m);
    expect(notes).toContain('the synapse memory service');
    expect(notes).toContain('recall memories by tag');

    // pipeline: release.yml for that tag, with the caller's values and amd64 only.
    expect(run.job('release/pipeline').with).toMatchObject({ tag: 'v1.0.0', image: image.name, platforms: 'linux/amd64', registry: bed.registry, 'compose-file': pi.composeFile, project: pi.project.name, 'watch-seconds': '2' });
    // The version job ran in tag mode for the given tag, though the run's ref is main.
    const versionJob = run.job('release/pipeline/version');
    expect(versionJob.outputs).toEqual({ mode: 'tag', ref: 'refs/tags/v1.0.0', version: '1.0.0', tag: 'v1.0.0', released: 'true' });
    expect(versionJob.steps.find((s) => s.name.startsWith('actions/checkout@'))!.with).toMatchObject({ ref: 'refs/tags/v1.0.0', 'fetch-depth': '0' });

    // The immutable v1.0.0 image, built from the release commit.
    const imageStep = run.job('release/pipeline/image').steps.find((s) => s.id === 'image')!;
    expect(imageStep.with).toMatchObject({ image: image.name, version: '1.0.0', main: 'false', platforms: 'linux/amd64' });
    const digest = run.job('release/pipeline/image').outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(imageStep.outputs).toMatchObject({ platforms: 'linux/amd64', pushed: 'true' });
    expect(await tagDigest(image, 'v1.0.0')).toBe(digest);
    expect(await tagDigest(image, 'latest')).toBeNull();

    expect(run.job('release/pipeline/scan').steps[0]!.with).toMatchObject({ 'image-ref': `${image.name}@${digest}`, 'exit-code': '1' });

    // The GitHub Release on the (fake) API, from the notes of the tag.
    const ghRelease = fake.releases.get(releaseKey('acme', 'synapse', 'v1.0.0'));
    expect(ghRelease).toMatchObject({ tag_name: 'v1.0.0', draft: false, prerelease: false });
    expect(ghRelease!.body).toContain('recall memories by tag');
    expect(run.job('release/pipeline').outputs).toMatchObject({ version: '1.0.0', digest });
    expect(run.job('release/pipeline').outputs['release-url']).toContain('v1.0.0');

    // prod on the "Pi", by digest.
    const deploy = run.job('release/pipeline/deploy-prod');
    expect(deploy.environment).toEqual({ name: 'production', url: `http://127.0.0.1:${pi.project.prodPort}` });
    expect(deploy.steps.find((s) => s.id === 'deploy')!.outputs).toMatchObject({ version: '1.0.0', digest, 'rolled-back': 'false' });
    expect(await version(pi.project.prodPort)).toBe('1.0.0');
    expect(readFileSync(pi.envFile, 'utf8')).toMatch(new RegExp(`^SYNAPSE_PROD_(BLUE|GREEN)_IMAGE=${image.name.replace(/[.]/g, '\\.')}@${digest}$`, 'm'));
  }, 150_000);

  test('dispatch of cut-release.yml with run-pipeline: false: only `cut` runs; main and v1.0.1 are pushed, nothing is built or released; the default image is lower-cased', async () => {
    syncWork();
    repo.change('fix(recall): keep the order of recalled memories', '1.0.1');
    const fixHead = repo.pushMain();
    const releasesBefore = fake.releases.size;

    // An owner with upper case, as GitHub keeps it in github.repository; registries refuse it.
    const run = await dispatch(join(ownWorkflows, 'cut-release.yml'), { 'run-pipeline': 'false' }, { beforeJob: mustNotStart('pipeline'), repository: 'Acme/Synapse' });
    expect(run.conclusion).toBe('success');
    expect(run.sequence()).toEqual(['cut:success', 'pipeline:skipped']);
    const release = run.job('cut').steps.find((s) => s.id === 'release')!;
    expect(release.outputs).toMatchObject({ version: '1.0.1', tag: 'v1.0.1', 'previous-tag': 'v1.0.0', bump: 'patch', pushed: 'true' });
    expect(run.job('cut').outputs).toEqual({ version: '1.0.1', tag: 'v1.0.1', image: 'ghcr.io/acme/synapse' });
    expect(originRef('refs/heads/main')).toBe(release.outputs.commit);
    expect(originRef('refs/tags/v1.0.1')).toBe(release.outputs.commit);
    expect(originGit('rev-parse', `${release.outputs.commit}^`)).toBe(fixHead);
    const notes = repo.show('v1.0.1', 'release-notes.md');
    expect(notes).toContain('keep the order of recalled memories');
    const at = (v: string) => notes.search(new RegExp(`^#+ .*\\b${v.replace(/\./g, '\\.')}\\b`, 'm'));
    expect(at('1.0.1')).toBeGreaterThanOrEqual(0);
    expect(at('1.0.0'), 'the new section comes first').toBeGreaterThan(at('1.0.1'));

    expect(await tagDigest(image, 'v1.0.1')).toBeNull();
    expect(fake.releases.size).toBe(releasesBefore);
    expect(await version(pi.project.prodPort)).toBe('1.0.0');
  }, 60_000);

  test('nothing to release (only docs: commits): `cut` fails with the precondition, the pipeline is skipped, the origin is unchanged', async () => {
    syncWork();
    repo.work.commit('docs: explain how recall orders memories');
    repo.pushMain();
    const before = originRefs();

    const run = await dispatch(join(ownWorkflows, 'cut-release.yml'), {}, { beforeJob: mustNotStart('pipeline') });
    expect(run.conclusion).toBe('failure');
    expect(run.sequence()).toEqual(['cut:failure', 'pipeline:skipped']);
    const release = run.job('cut').steps.find((s) => s.id === 'release')!;
    expect(release.outcome).toBe('failure');
    expect(release.detail).toMatch(/^nothing to release: no feat, fix, perf, revert or breaking commit in 1 commit\(s\) since v1\.0\.1\nFix: commit a releasable change, or force a version with --as X\.Y\.Z$/);
    expect(run.job('cut').outputs).toEqual({ version: '', tag: '', image: 'ghcr.io/acme/synapse' });
    expect(originRefs()).toBe(before);
  }, 60_000);
});
