import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker, type Docker } from '../../src/adapters/docker.js';
import { createGit } from '../../src/adapters/git.js';
import { createRegistryClient, RegistryError, type RegistryClient } from '../../src/adapters/registry.js';
import { imageSettings } from '../../src/core/image-settings.js';
import { publishImage } from '../../src/flows/image.js';
import { imageRequest } from '../../src/flows/image-context.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { tempDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import type { TestRepo } from '../support/git-repo.js';
import { getManifest, listTags, tagDigest, tagDigests, type RegistryRepo } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { jsonOutcome, serviceRepo, testImage, type ImageOutcomeJson, type TestImage } from './helpers.js';

// A build for one platform: buildx pushes the immutable tag as a single image manifest, not an
// index. The moving tags (`latest`, `vX.Y`, `vX`) must get that very manifest, digest for digest:
// `docker buildx imagetools create` (buildx 0.13) wrapped it in a new index, so `latest` had a
// digest no output spoke of and a dev deploy of `latest` ran an image other than the one reported.

const ociManifestType = 'application/vnd.oci.image.manifest.v1+json';

/** Every tag of the outcome names the registry's digest of that tag, and all are one digest. */
async function expectRefsMatchRegistry(image: TestImage, outcome: ImageOutcomeJson): Promise<void> {
  const registry: Record<string, string | null> = {};
  for (const tag of outcome.tags) registry[tag] = await tagDigest(image, tag);
  expect(Object.values(registry), `the registry's digest of each tag: ${JSON.stringify(registry)}`).toEqual(outcome.tags.map(() => outcome.digest));
  expect(outcome.refs).toEqual(outcome.tags.map((tag) => `${image.name}:${tag}@${registry[tag]}`));
}

/** The tag's manifest is the immutable tag's, byte for byte, and a single image manifest. */
async function expectSameManifest(repo: RegistryRepo, tag: string, immutable: string): Promise<void> {
  const [moved, original] = [await getManifest(repo, tag), await getManifest(repo, immutable)];
  expect(moved.mediaType, `${tag} is an image manifest, not an index around one`).toBe(ociManifestType);
  expect(moved.raw).toBe(original.raw);
}

describe('release-flow image --platforms linux/amd64 (one platform, a single image manifest)', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;

  const build = (...args: string[]) => runCliAsync(['image', '--image', image.name, '--platforms', 'linux/amd64', '--push', '--cache', 'none', '--json', ...args], { cwd: repo.dir });

  beforeAll(() => {
    bed = requireTestBed();
    image = testImage(bed.registry, 'single');
    repo = serviceRepo(bed);
  });
  afterAll(() => repo?.cleanup());

  test('--main: latest gets exactly the digest of sha-<7>, and the outputs say what the registry holds', async () => {
    const sha7 = `sha-${repo.head().slice(0, 7)}`;
    const outcome = jsonOutcome(await build('--main'));
    expect(outcome).toMatchObject({ tags: [sha7, 'latest'], pushed: true, existing: false, held: [], platforms: ['linux/amd64'] });
    expect(await tagDigest(image, 'latest')).toBe(await tagDigest(image, sha7));
    await expectRefsMatchRegistry(image, outcome);
    await expectSameManifest(image, 'latest', sha7);
  }, 120_000);

  test('--main at the next commit moves latest to that commit\'s manifest; the older sha-<7> stays', async () => {
    const before = await tagDigests(image);
    const next = repo.commit('feat: next');
    const outcome = jsonOutcome(await build('--main'));
    expect(outcome.digest).not.toBe(before.latest);
    await expectRefsMatchRegistry(image, outcome);
    await expectSameManifest(image, 'latest', `sha-${next.slice(0, 7)}`);
    const after = await tagDigests(image);
    for (const [tag, digest] of Object.entries(before)) if (tag !== 'latest') expect(after[tag], tag).toBe(digest);

    // A re-run builds nothing and copies latest onto itself: still the same digest.
    const again = jsonOutcome(await build('--main'));
    expect(again).toMatchObject({ existing: true, pushed: false, digest: outcome.digest, tags: [`sha-${next.slice(0, 7)}`, 'latest'] });
    await expectRefsMatchRegistry(image, again);
  }, 120_000);

  test('--version --floating: v2.1.0, v2.1 and v2 are one digest', async () => {
    repo.tag('v2.1.0');
    const outcome = jsonOutcome(await build('--version', '2.1.0', '--floating'));
    expect(outcome.tags).toEqual(['v2.1.0', 'v2.1', 'v2']);
    await expectRefsMatchRegistry(image, outcome);
    for (const tag of ['v2.1', 'v2']) await expectSameManifest(image, tag, 'v2.1.0');
  }, 120_000);
});

// publishImage in this process, against the htpasswd registry: buildx pushes with a `docker login`
// of the test's own; the registry client reads with good credentials, but its move of the tags is
// refused (a token that may read, not push). The run must fail saying so, with the immutable tag
// pushed and latest where it was.
describe('publishImage when the registry refuses to move a tag', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;
  let config: DockerConfigDir;
  let docker: Docker;
  const logs: string[] = [];

  const clientWith = (password: string): RegistryClient =>
    createRegistryClient({ credentials: { get: async () => ({ username: bed.authUser, password }) }, retries: 0, log: (line) => logs.push(line) });

  const publish = async (registry: RegistryClient) => {
    const git = createGit(repo.dir);
    const settings = imageSettings(
      { image: image.name, main: true, platforms: 'linux/amd64', cache: 'none' },
      { image: 'image', version: 'version', main: 'main', platforms: 'platforms', cache: 'cache', buildArgs: 'build-args', labels: 'labels' },
    );
    const request = await imageRequest(git, {}, {
      settings,
      shallow: 'fail',
      context: '.',
      secrets: {},
      push: true,
      floating: false,
      provenance: false,
      tagPrefix: 'v',
      log: (line) => logs.push(line),
    });
    return publishImage(docker, registry, git, request);
  };

  beforeAll(() => {
    bed = requireTestBed();
    image = testImage(bed.authRegistry, 'refused', { username: bed.authUser, password: bed.authPassword });
    repo = serviceRepo(bed);
    config = tempDockerConfig();
    config.login(bed.authRegistry, bed.authUser, bed.authPassword);
    const engine = createDocker();
    docker = { run: (args, options = {}) => engine.run(args, { ...options, env: { ...options.env, DOCKER_CONFIG: config.dir } }) };
  });
  afterAll(() => {
    repo?.cleanup();
    config?.cleanup();
  });

  test('with credentials that may push: latest is the digest of sha-<7>', async () => {
    const outcome = await publish(clientWith(bed.authPassword));
    const sha7 = `sha-${repo.head().slice(0, 7)}`;
    expect(outcome.tags).toEqual([sha7, 'latest']);
    expect(await tagDigest(image, 'latest')).toBe(outcome.digest);
    expect(await tagDigest(image, sha7)).toBe(outcome.digest);
    await expectSameManifest(image, 'latest', sha7);
  }, 120_000);

  test('refused: a clear error naming the login to run; sha-<7> pushed, latest left where it was', async () => {
    const latest = await tagDigest(image, 'latest');
    expect(latest, 'the first test pushed latest').toBeTruthy();
    const previous = `sha-${repo.head().slice(0, 7)}`;
    const next = repo.commit('feat: next');
    const good = clientWith(bed.authPassword);
    const bad = clientWith('not-the-password');
    const registry: RegistryClient = { ...good, pointTag: (...args) => bad.pointTag(...args) };

    const error = await publish(registry).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(
      `not authorized to push to ${image.name}: run \`docker login ${bed.authRegistry}\` (the credentials for ${bed.authRegistry} were refused, or may not push to this repository)`,
    );
    expect(await tagDigest(image, `sha-${next.slice(0, 7)}`)).toBeTruthy();
    expect(await tagDigest(image, 'latest')).toBe(latest);
    expect(await listTags(image)).toEqual(['latest', previous, `sha-${next.slice(0, 7)}`].sort());
    expect(logs.filter((line) => line.startsWith(`Moved ${image.name}:latest`)), 'only the first run moved latest').toHaveLength(1);
    for (const line of [...logs, (error as Error).message]) expect(line).not.toContain(bed.authPassword);
  }, 120_000);
});
