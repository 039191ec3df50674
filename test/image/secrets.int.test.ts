import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction, type ActionRun } from '../actions/run-action.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { getBlob, getManifest, layerContents, readImageIndex, type RegistryRepo } from '../support/registry-read.js';
import { runCliAsync, type AsyncCliResult } from '../support/run-cli-async.js';
import { docker, dockerResult, jsonOutcome, platforms, serviceRepo, testImage, type TestImage } from './helpers.js';

// A build secret reaches `RUN --mount=type=secret` and nothing else: not a layer, not the image
// config or history, not the manifests, not the registry cache, not `docker inspect`, not the logs
// or outputs. The Dockerfile proves the secret did reach the build: it stores the secret's sha256
// (never the secret), and the tests find that hash in a layer, so a search that finds nothing is
// known to be looking in the right place.

const dockerfile = `FROM scratch
ARG TARGETARCH
COPY busybox-\${TARGETARCH} /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
# A nonce per build: BuildKit's cache key ignores secret values, so without it a second build
# with another secret would reuse the first one's layer.
ARG NONCE
RUN --mount=type=secret,id=canary,required=true sh -c 'test -s /run/secrets/canary && sha256sum /run/secrets/canary | cut -c1-64 > /canary.sha256 && echo "$NONCE" > /nonce'
`;

const sha256hex = (text: string) => createHash('sha256').update(text).digest('hex');
const newCanary = () => `canary-${randomBytes(12).toString('hex')}`;

/** Finds `needle` in any of `haystacks` (by label), to report where it leaked. */
function leaks(needle: string, haystacks: Record<string, string | Buffer>): string[] {
  return Object.entries(haystacks)
    .filter(([, text]) => (typeof text === 'string' ? text.includes(needle) : text.includes(Buffer.from(needle))))
    .map(([where]) => where);
}

/** Everything the registry holds for the image under `tag` and for its build cache, uncompressed. */
async function registryContent(image: RegistryRepo, tag: string): Promise<{ places: Record<string, string | Buffer>; layersByPlatform: Record<string, Buffer[]> }> {
  const places: Record<string, string | Buffer> = {};
  const layersByPlatform: Record<string, Buffer[]> = {};
  const { index, images } = await readImageIndex(image, tag);
  places['index'] = index.raw;
  for (const img of images) {
    places[`${img.platform} manifest`] = img.manifest.raw;
    places[`${img.platform} config`] = img.configRaw;
    const layers = await layerContents(image, img.manifest);
    layersByPlatform[img.platform] = layers;
    layers.forEach((layer, i) => (places[`${img.platform} layer ${i}`] = layer));
  }
  // The registry cache (mode=max): BuildKit's cache index lists the layer blobs and its cache
  // config directly, not manifests.
  const cache = await getManifest(image, 'buildcache');
  places['buildcache index'] = cache.raw;
  for (const entry of cache.json.manifests ?? []) {
    const bytes = await getBlob(image, entry.digest);
    places[`buildcache ${entry.mediaType} ${entry.digest}`] = entry.mediaType.endsWith('gzip') ? gunzipSync(bytes) : bytes;
  }
  return { places, layersByPlatform };
}

/** What the engine shows of the image and of a container made from it, for the host's platform. */
function engineViews(ref: string): Record<string, string> {
  dockerResult('image', 'rm', '--force', ref);
  docker('pull', '--quiet', '--platform', 'linux/amd64', ref);
  const container = docker('create', '--platform', 'linux/amd64', ref, '/bin/sh'); // FROM scratch: no CMD of its own
  try {
    return {
      'docker image inspect': docker('image', 'inspect', ref),
      'docker history': docker('history', '--no-trunc', '--format', '{{json .}}', ref),
      'docker inspect (container)': docker('inspect', container),
      'imagetools inspect (configs)': docker('buildx', 'imagetools', 'inspect', ref, '--format', '{{json .Image}}'),
      'imagetools inspect --raw': docker('buildx', 'imagetools', 'inspect', '--raw', ref),
      // The file the RUN wrote, read back from the container's filesystem: the hash, not the secret.
      '/canary.sha256': docker('cp', `${container}:/canary.sha256`, '-'),
    };
  } finally {
    dockerResult('rm', '--force', container);
  }
}

async function expectNoLeak(image: TestImage, tag: string, digest: string, canary: string, logs: Record<string, string>): Promise<void> {
  expect(leaks(canary, logs), 'logs and outputs holding the secret').toEqual([]);
  const { places, layersByPlatform } = await registryContent(image, tag);
  expect(leaks(canary, places), 'registry content holding the secret').toEqual([]);
  // Positive control: the secret reached the RUN, whose layer holds its hash, on both platforms.
  expect(Object.keys(layersByPlatform).sort()).toEqual([...platforms].sort());
  for (const [platform, layers] of Object.entries(layersByPlatform)) {
    expect(layers.some((layer) => layer.includes(Buffer.from(sha256hex(canary)))), `${platform}: a layer holds sha256(secret)`).toBe(true);
  }
  const ref = `${image.name}@${digest}`;
  try {
    const views = engineViews(ref);
    expect(leaks(canary, views), 'engine views holding the secret').toEqual([]);
    expect(views['/canary.sha256']).toContain(sha256hex(canary));
  } finally {
    dockerResult('image', 'rm', '--force', ref);
  }
}

describe('build secrets', () => {
  let bed: TestBed;
  let repo: TestRepo;

  beforeAll(() => {
    bed = requireTestBed();
    repo = serviceRepo(bed);
    writeFileSync(join(repo.dir, 'Dockerfile.secret'), dockerfile);
    repo.git('add', 'Dockerfile.secret');
    repo.commit('build: a Dockerfile that mounts a secret');
  });

  afterAll(() => repo?.cleanup());

  test('CLI --secret id=canary,env=CANARY: in no layer, config, manifest, cache, inspect output or log', async () => {
    const image = testImage(bed.registry, 'secret-cli');
    const canary = newCanary();
    const result: AsyncCliResult = await runCliAsync(
      ['image', '--image', image.name, '--version', '1.0.0', '--push', '--json', '--file', 'Dockerfile.secret', '--secret', 'id=canary,env=CANARY', '--build-arg', `NONCE=${randomBytes(8).toString('hex')}`],
      { cwd: repo.dir, env: { CANARY: canary } },
    );
    const outcome = jsonOutcome(result);
    await expectNoLeak(image, 'v1.0.0', outcome.digest!, canary, { stdout: result.stdout, stderr: result.stderr });
  }, 120_000);

  test('action secrets: canary=<value>: the same, and not in GITHUB_OUTPUT, the summary or any runner file', async () => {
    const image = testImage(bed.registry, 'secret-action');
    const canary = newCanary();
    const run: ActionRun = await runAction('image', {
      workspace: repo.dir,
      ref: 'refs/heads/main',
      repository: 'acme/synapse',
      inputs: { image: image.name, version: '1.0.0', file: 'Dockerfile.secret', secrets: `canary=${canary}`, 'build-args': `NONCE=${randomBytes(8).toString('hex')}` },
      timeoutMs: 120_000,
    });
    expect(run.exitCode, `${run.stdout.slice(-3000)}\n${run.stderr}`).toBe(0);
    const logs: Record<string, string> = { stdout: run.stdout, stderr: run.stderr, GITHUB_OUTPUT: run.outputFile, GITHUB_STEP_SUMMARY: run.summary };
    for (const [name, text] of Object.entries(run.runnerFiles)) logs[`runner file ${name}`] = text;
    await expectNoLeak(image, 'v1.0.0', run.outputs.digest!, canary, logs);
  }, 120_000);
});
