import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { listTags, tagDigest, tagDigests } from '../support/registry-read.js';
import { runCliAsync, type AsyncCliResult } from '../support/run-cli-async.js';
import {
  buildRan,
  commitCreated,
  docker,
  dockerResult,
  expectedOciLabels,
  expectPublished,
  jsonOutcome,
  platforms,
  serviceRepo,
  testImage,
  type ImageOutcomeJson,
  type TestImage,
} from './helpers.js';

// A release build as `release-flow image --version` makes it, against the bed's engine (buildx,
// QEMU for arm64) and its anonymous registry. One multi-arch build in beforeAll serves every
// assertion about what was pushed; the re-runs after it build nothing (or must not).
//
// The repository: v1.2.0 and then v1.2.1 (HEAD, the release built here) on main, and v1.3.0 on a
// branch: with --floating, v1.2 moves to 1.2.1 and v1 is held, because 1.3.0 is newer in its line.

describe('release-flow image --version X.Y.Z --push (a release)', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;
  let sha: string;
  let first: AsyncCliResult;
  let outcome: ImageOutcomeJson;

  const build = (...extra: string[]) =>
    runCliAsync(['image', '--image', image.name, '--version', '1.2.1', '--floating', '--push', '--json', '--build-arg', 'SERVICE_VERSION=1.2.1', ...extra], {
      cwd: repo.dir,
    });

  beforeAll(async () => {
    bed = requireTestBed();
    image = testImage(bed.registry, 'release');
    repo = serviceRepo(bed);
    repo.tag('v1.2.0');
    sha = repo.commit('fix: answer /health before the data is loaded');
    repo.tag('v1.2.1');
    repo.branch('next');
    repo.checkout('next');
    repo.commit('feat: a new endpoint');
    repo.tag('v1.3.0');
    repo.checkout('main');
    first = await build();
    outcome = jsonOutcome(first);
  }, 180_000);

  afterAll(() => {
    repo?.cleanup();
    if (outcome?.digest) dockerResult('image', 'rm', '--force', `${image.name}@${outcome.digest}`);
  });

  test('pushes one OCI index of linux/amd64 and linux/arm64, with the OCI labels on every config and as annotations on the index and on every manifest', async () => {
    const labels = expectedOciLabels({
      title: 'synapse',
      source: 'https://github.com/acme/synapse',
      version: '1.2.1',
      revision: sha,
      created: commitCreated(repo, sha),
    });
    const { index } = await expectPublished(image, 'v1.2.1', labels);
    expect(index.digest).toBe(outcome.digest);
  });

  test('pushes exactly v1.2.1 and the floating v1.2; v1 is held because v1.3.0 is newer in its line', async () => {
    expect(outcome.tags).toEqual(['v1.2.1', 'v1.2']);
    // buildcache: the registry cache, <image>:buildcache, documented as the default.
    expect(await listTags(image)).toEqual(['buildcache', 'v1.2', 'v1.2.1']);
    expect(await tagDigest(image, 'v1.2')).toBe(outcome.digest);
  });

  test('reports the index digest and refs pinned to it (image:tag@sha256:…)', async () => {
    expect(outcome.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await tagDigest(image, 'v1.2.1')).toBe(outcome.digest);
    expect(outcome.refs).toEqual([`${image.name}:v1.2.1@${outcome.digest}`, `${image.name}:v1.2@${outcome.digest}`]);
    expect(outcome).toMatchObject({ platforms, pushed: true, existing: false, held: [{ tag: 'v1', reason: 'v1.3.0 is a newer release of its line' }] });
    // The order of pushes: the version tag is reported pushed before any moving tag moves.
    expect(first.stderr.indexOf(`Pushed ${image.name}:v1.2.1`)).toBeGreaterThan(-1);
    expect(first.stderr.indexOf(`Pushed ${image.name}:v1.2.1`)).toBeLessThan(first.stderr.indexOf(`Moved ${image.name}:v1.2`));
  });

  test('the arm64 image, pulled by digest, runs under QEMU: uname -m says aarch64 and /version says arm64', () => {
    const ref = `${image.name}@${outcome.digest}`;
    // No local copy: what runs is what the registry holds.
    dockerResult('image', 'rm', '--force', ref);
    docker('pull', '--quiet', '--platform', 'linux/arm64', ref);
    expect(docker('run', '--rm', '--platform', 'linux/arm64', ref, 'uname', '-m')).toBe('aarch64');
    // The service itself (entrypoint without arguments) in the background, asked from inside.
    const version = docker(
      'run', '--rm', '--platform', 'linux/arm64', ref, 'sh', '-c',
      '/entrypoint.sh >/dev/null 2>&1 & i=0; while [ $i -lt 100 ]; do wget -q -O- http://127.0.0.1:8002/version && exit 0; i=$((i+1)); sleep 0.1; done; exit 1',
    );
    expect(JSON.parse(version)).toMatchObject({ version: '1.2.1', arch: 'aarch64' });
    expect(docker('run', '--rm', '--platform', 'linux/amd64', ref, 'uname', '-m')).toBe('x86_64');
  }, 120_000);

  test('a re-run from the same commit succeeds with existing: true and pushes nothing', async () => {
    const before = await tagDigests(image);
    const again = await build();
    const result = jsonOutcome(again);
    expect(result).toMatchObject({ existing: true, pushed: false, digest: outcome.digest, platforms });
    expect(result.refs[0]).toBe(`${image.name}:v1.2.1@${outcome.digest}`);
    expect(buildRan(again.stderr), again.stderr).toBe(false);
    expect(await tagDigests(image)).toEqual(before);
  });

  test('the same version from another commit fails (exit 1, says why) and the registry is unchanged', async () => {
    const before = await tagDigests(image);
    const other = repo.commit('fix: something else, on top of v1.2.1');
    const result = await build();
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    const message = result.stderr.trim().split('\n').at(-1)!;
    expect(message).toContain(`${image.name}:v1.2.1 already exists`);
    expect(message).toContain(sha.slice(0, 12));
    expect(message).toContain(other.slice(0, 12));
    expect(message).toMatch(/immutable/i);
    expect(buildRan(result.stderr), result.stderr).toBe(false);
    expect(await tagDigests(image)).toEqual(before);
  });
});

describe('release-flow image --version of a prerelease', () => {
  const made: TestRepo[] = [];
  afterAll(() => made.forEach((r) => r.cleanup()));

  test('pushes only vX.Y.Z-rc.N, never floating tags, even with --floating', async () => {
    const bed = requireTestBed();
    const image = testImage(bed.registry, 'rc');
    const repo = serviceRepo(bed);
    made.push(repo);
    repo.tag('v1.2.0');
    const result = await runCliAsync(['image', '--image', image.name, '--version', '1.3.0-rc.1', '--floating', '--push', '--cache', 'none', '--json'], { cwd: repo.dir });
    const outcome = jsonOutcome(result);
    expect(outcome.tags).toEqual(['v1.3.0-rc.1']);
    // --cache none: no buildcache tag either, so this is every tag of the repository.
    expect(await listTags(image)).toEqual(['v1.3.0-rc.1']);
    expect(outcome.refs).toEqual([`${image.name}:v1.3.0-rc.1@${outcome.digest}`]);
    await expectPublished(
      image,
      'v1.3.0-rc.1',
      expectedOciLabels({ title: 'synapse', source: 'https://github.com/acme/synapse', version: '1.3.0-rc.1', revision: repo.head(), created: commitCreated(repo, repo.head()) }),
    );
  }, 120_000);
});
