import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerConfigCredentials } from '../../src/adapters/docker-credentials.js';
import type { CredentialSource } from '../../src/adapters/docker-credentials.js';
import { createRegistryClient, RegistryError } from '../../src/adapters/registry.js';
import type { RegistryClientOptions } from '../../src/adapters/registry.js';
import type { ImageName } from '../../src/core/image-ref.js';
import { revisionLabel } from '../../src/core/oci-labels.js';
import { requireTestBed } from '../bed/check.js';
import type { TestBed } from '../bed/check.js';
import { dockerManifestType, ociIndexType, ociManifestType, pushImage, pushIndex, pushMultiArch } from '../support/oci-push.js';
import type { PushTarget } from '../support/oci-push.js';
import { getManifest, tagDigest } from '../support/registry-read.js';

// The happy paths run against the bed's real distribution registries (anonymous on :5000,
// htpasswd on :5001), populated through the distribution API by test/support/oci-push.ts. The
// one stand-in is a small proxy on 127.0.0.1 in front of the real registry: it injects failures
// (503, 429, hangs, wrong bodies) and, for the Bearer token flow that htpasswd cannot show,
// challenges with Bearer and runs its own token server.

const revA = 'a'.repeat(40);
const revB = 'b'.repeat(40);
const canary = 'canary-Pa55word-7f3e9d';
const run = randomBytes(4).toString('hex');

let bed: TestBed;
/** Every log line and error message any test saw: none may hold a secret (checked in afterAll). */
const seen: string[] = [];
const secrets: string[] = [canary];
const proxies: RegistryProxy[] = [];

beforeAll(() => {
  bed = requireTestBed();
  secrets.push(bed.authPassword, Buffer.from(`${bed.authUser}:${bed.authPassword}`).toString('base64'));
});

afterEach(async () => {
  const closing = proxies.splice(0);
  for (const proxy of closing) secrets.push(...proxy.tokens);
  await Promise.all(closing.map((proxy) => proxy.close()));
});

afterAll(() => {
  expect(seen.length).toBeGreaterThan(0);
  for (const line of seen) for (const secret of secrets) expect(line).not.toContain(secret);
});

function imageOn(registry: string, name: string): ImageName {
  const repository = `release-flow-test/registry-${run}/${name}`;
  return { registry, repository, name: `${registry}/${repository}` };
}

function target(image: ImageName, auth?: PushTarget['auth']): PushTarget {
  return { registry: image.registry, repository: image.repository, ...(auth && { auth }) };
}

function client(logs: string[] = [], overrides: RegistryClientOptions = {}) {
  return createRegistryClient({
    retryBaseDelayMs: 5,
    maxRetryDelayMs: 50,
    requestTimeoutMs: 5_000,
    log: (line) => {
      logs.push(line);
      seen.push(line);
    },
    ...overrides,
  });
}

function fixed(credentials: { username: string; password: string } | null): CredentialSource {
  return { get: async () => credentials };
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RegistryError);
  seen.push((error as Error).message);
  return error as RegistryError;
}

describe('against the anonymous registry', () => {
  it('answers null for a tag that does not exist, in a repository that does not exist', async () => {
    const image = imageOn(bed.registry, 'never-pushed');
    expect(await client().resolveTag(image, 'v1.0.0')).toBeNull();
    expect(await client().revisionOf(image, 'v1.0.0')).toBeNull();
  });

  it('answers null for a missing tag beside one that exists', async () => {
    const image = imageOn(bed.registry, 'one-tag');
    await pushImage(target(image), { tag: 'v1.0.0', labels: { [revisionLabel]: revA } });
    expect(await client().resolveTag(image, 'v1.0.1')).toBeNull();
    expect(await client().revisionOf(image, 'v1.0.1')).toBeNull();
  });

  it('reads the revision from the index annotations first', async () => {
    const image = imageOn(bed.registry, 'index-annotated');
    const index = await pushMultiArch(target(image), 'v1.0.0', { indexAnnotations: { [revisionLabel]: revA }, labels: { [revisionLabel]: revB } });

    expect(await client().resolveTag(image, 'v1.0.0')).toEqual({ digest: index.digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect(await client().revisionOf(image, 'v1.0.0')).toEqual({ digest: index.digest, revision: revA });
  });

  it('falls back to the first platform manifest annotations, then its config labels, skipping attestations', async () => {
    const annotated = imageOn(bed.registry, 'manifest-annotated');
    await pushMultiArch(target(annotated), 'latest', { manifestAnnotations: { [revisionLabel]: revA }, labels: { [revisionLabel]: revB } });
    expect(await client().revisionOf(annotated, 'latest')).toMatchObject({ revision: revA });

    // buildx's attestation manifest (unknown/unknown, no labels) listed first must not hide the label.
    const labelled = imageOn(bed.registry, 'config-labelled');
    const index = await pushMultiArch(target(labelled), 'latest', { labels: { [revisionLabel]: revB }, attestationFirst: true });
    expect(await client().revisionOf(labelled, 'latest')).toEqual({ digest: index.digest, revision: revB });
  });

  it('reads a single image manifest (not an index) from its config labels', async () => {
    const image = imageOn(bed.registry, 'single-manifest');
    const manifest = await pushImage(target(image), { tag: 'v2.0.0', labels: { [revisionLabel]: revA, 'org.opencontainers.image.version': '2.0.0' } });

    expect(await client().resolveTag(image, 'v2.0.0')).toEqual({ digest: manifest.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(await client().revisionOf(image, 'v2.0.0')).toEqual({ digest: manifest.digest, revision: revA });
  });

  it('reads Docker media types: a manifest list over Docker v2 manifests', async () => {
    const image = imageOn(bed.registry, 'docker-types');
    const amd64 = await pushImage(target(image), { format: 'docker', architecture: 'amd64', labels: { [revisionLabel]: revB } });
    const arm64 = await pushImage(target(image), { format: 'docker', architecture: 'arm64', labels: { [revisionLabel]: revB } });
    const list = await pushIndex(target(image), 'latest', { format: 'docker', manifests: [amd64, arm64] });

    expect(await client().resolveTag(image, 'latest')).toEqual({ digest: list.digest, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
    expect(await client().revisionOf(image, 'latest')).toEqual({ digest: list.digest, revision: revB });
  });

  it('answers revision null for an image without the label', async () => {
    const image = imageOn(bed.registry, 'unlabelled');
    const index = await pushMultiArch(target(image), 'v0.1.0', { labels: { 'org.opencontainers.image.title': 'x' } });
    expect(await client().revisionOf(image, 'v0.1.0')).toEqual({ digest: index.digest, revision: null });
  });

  it('refuses a tag that the distribution grammar does not allow, before any request', async () => {
    const image = imageOn(bed.registry, 'bad-tag');
    await expect(client().resolveTag(image, '../v1')).rejects.toThrow(/tag: "\.\.\/v1" is not valid/);
  });
});

describe('against the htpasswd registry (Basic)', () => {
  let image: ImageName;
  let digest: string;

  beforeAll(async () => {
    image = imageOn(bed.authRegistry, 'private');
    const pushed = await pushMultiArch(target(image, { username: bed.authUser, password: bed.authPassword }), 'v1.0.0', {
      indexAnnotations: { [revisionLabel]: revA },
    });
    digest = pushed.digest;
  });

  it('reads with the right credentials, and a missing tag is still null', async () => {
    const logs: string[] = [];
    const registry = client(logs, { credentials: fixed({ username: bed.authUser, password: bed.authPassword }) });
    expect(await registry.revisionOf(image, 'v1.0.0')).toEqual({ digest, revision: revA });
    expect(await registry.resolveTag(image, 'v9.9.9')).toBeNull();
    expect(logs).toEqual([]);
  });

  it('reads with credentials from a docker config.json as `docker login` writes it', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'release-flow-docker-config-'));
    try {
      const auth = Buffer.from(`${bed.authUser}:${bed.authPassword}`).toString('base64');
      await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [bed.authRegistry]: { auth } } }));
      const registry = client([], { credentials: dockerConfigCredentials({ configDir }) });
      expect(await registry.revisionOf(image, 'v1.0.0')).toEqual({ digest, revision: revA });
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('without credentials, fails with the docker login to run', async () => {
    const error = await rejection(client().resolveTag(image, 'v1.0.0'));
    expect(error.message).toBe(
      `not authorized to read ${image.name}: run \`docker login ${bed.authRegistry}\` (no credentials for ${bed.authRegistry} were found)`,
    );
    expect(error.status).toBe(401);
  });

  it('with a wrong password, fails the same way and never shows the password', async () => {
    const error = await rejection(client([], { credentials: fixed({ username: bed.authUser, password: canary }) }).revisionOf(image, 'v1.0.0'));
    expect(error.message).toBe(
      `not authorized to read ${image.name}: run \`docker login ${bed.authRegistry}\` (the credentials for ${bed.authRegistry} were refused)`,
    );
    expect(error.status).toBe(401);
  });
});

describe('Bearer token flow (a proxy with its own token server in front of the real registry)', () => {
  let image: ImageName;
  let digest: string;

  beforeAll(async () => {
    const upstream = imageOn(bed.registry, 'behind-token');
    digest = (await pushMultiArch(target(upstream), 'v3.0.0', { indexAnnotations: { [revisionLabel]: revB } })).digest;
  });

  async function tokenRegistry(tokenField: 'token' | 'access_token' = 'token'): Promise<RegistryProxy> {
    const proxy = await startProxy(bed.registry, { username: 'robot', password: canary, tokenField });
    image = imageOn(proxy.registry, 'behind-token');
    return proxy;
  }

  it('gets a token for repository:<repo>:pull with Basic credentials and caches it for the client', async () => {
    const proxy = await tokenRegistry();
    const registry = client([], { credentials: fixed({ username: 'robot', password: canary }) });

    expect(await registry.revisionOf(image, 'v3.0.0')).toEqual({ digest, revision: revB });
    expect(await registry.resolveTag(image, 'v3.0.0')).toMatchObject({ digest });
    expect(await registry.resolveTag(image, 'v4.0.0')).toBeNull();

    const tokenRequests = proxy.requests.filter((request) => request.path === '/token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.query).toEqual({ service: 'fake-registry', scope: `repository:${image.repository}:pull` });
    expect(tokenRequests[0]!.authorization).toBe(`Basic ${Buffer.from(`robot:${canary}`).toString('base64')}`);
    const registryRequests = proxy.requests.filter((request) => request.path !== '/token');
    // Only the very first request went without the token.
    expect(registryRequests.filter((request) => !request.authorization?.startsWith('Bearer '))).toHaveLength(1);
  });

  it('accepts a token server that answers access_token', async () => {
    await tokenRegistry('access_token');
    expect(await client([], { credentials: fixed({ username: 'robot', password: canary }) }).revisionOf(image, 'v3.0.0')).toEqual({ digest, revision: revB });
  });

  it('without credentials, asks for an anonymous token and then fails with the docker login to run', async () => {
    const proxy = await tokenRegistry();
    const error = await rejection(client().resolveTag(image, 'v3.0.0'));
    expect(error.message).toBe(`not authorized to read ${image.name}: run \`docker login ${proxy.registry}\` (no credentials for ${proxy.registry} were found)`);
    expect(proxy.requests.find((request) => request.path === '/token')?.authorization).toBeUndefined();
  });

  it('with a wrong password, the token server refuses and the error says so without the password', async () => {
    const proxy = await tokenRegistry();
    const error = await rejection(client([], { credentials: fixed({ username: 'robot', password: `${canary}-wrong` }) }).revisionOf(image, 'v3.0.0'));
    expect(error.message).toBe(`not authorized to read ${image.name}: run \`docker login ${proxy.registry}\` (the credentials for ${proxy.registry} were refused)`);
    expect(error.status).toBe(401);
  });

  it('masks credentials that a misbehaving token server echoes back in its error', async () => {
    const proxy = await tokenRegistry();
    proxy.failNext(1, 400, {
      match: /^\/token/,
      body: (request) => JSON.stringify({ errors: [{ code: 'DENIED', message: `bad request from ${request.headers.authorization} (${canary})` }] }),
    });
    const error = await rejection(client([], { credentials: fixed({ username: 'robot', password: canary }) }).resolveTag(image, 'v3.0.0'));
    expect(error.message).toBe(`token server ${proxy.registry} answered 400 Bad Request to GET /token: DENIED: bad request from Basic *** (***)`);
  });
});

describe('failures: retried, bounded, fail closed', () => {
  let image: ImageName;
  let digest: string;

  beforeAll(async () => {
    image = imageOn(bed.registry, 'flaky');
    digest = (await pushMultiArch(target(image), 'v1.0.0', { labels: { [revisionLabel]: revA } })).digest;
  });

  async function proxied(): Promise<{ proxy: RegistryProxy; image: ImageName }> {
    const proxy = await startProxy(bed.registry);
    return { proxy, image: imageOn(proxy.registry, 'flaky') };
  }

  it('retries 503 twice, logging each retry, then succeeds', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(2, 503);
    const logs: string[] = [];
    expect(await client(logs).resolveTag(via, 'v1.0.0')).toMatchObject({ digest });
    expect(logs).toEqual([
      `registry ${proxy.registry}: 503 Service Unavailable on HEAD /v2/${image.repository}/manifests/v1.0.0, retrying in 5ms (attempt 2 of 4)`,
      `registry ${proxy.registry}: 503 Service Unavailable on HEAD /v2/${image.repository}/manifests/v1.0.0, retrying in 10ms (attempt 3 of 4)`,
    ]);
  });

  it('honours Retry-After on 429, within the cap', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(1, 429, { headers: { 'retry-after': '3' }, match: /\/blobs\// });
    const logs: string[] = [];
    expect(await client(logs).revisionOf(via, 'v1.0.0')).toEqual({ digest, revision: revA });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^registry 127\.0\.0\.1:\d+: 429 Too Many Requests on GET \/v2\/.+\/blobs\/sha256:[0-9a-f]{64}, retrying in 50ms \(attempt 2 of 4\)$/);
  });

  it('gives up after the default 4 attempts when the registry keeps failing', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(100, 502);
    const logs: string[] = [];
    const error = await rejection(client(logs).resolveTag(via, 'v1.0.0'));
    expect(error.message).toBe(`registry ${proxy.registry} did not answer HEAD /v2/${image.repository}/manifests/v1.0.0 after 4 attempts (last: 502 Bad Gateway)`);
    expect(error.status).toBe(502);
    expect(logs).toHaveLength(3);
    expect(proxy.requests).toHaveLength(4);
  });

  it('fails after bounded attempts, quickly, when nothing listens', async () => {
    const port = await closedPort();
    const down = imageOn(`127.0.0.1:${port}`, 'down');
    const logs: string[] = [];
    const started = Date.now();
    const error = await rejection(client(logs, { retries: 2 }).revisionOf(down, 'v1.0.0'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).toBe(`registry 127.0.0.1:${port} did not answer HEAD /v2/${down.repository}/manifests/v1.0.0 after 3 attempts (last: ECONNREFUSED)`);
    expect(error.status).toBeUndefined();
    expect(logs).toEqual([
      `registry 127.0.0.1:${port}: ECONNREFUSED on HEAD /v2/${down.repository}/manifests/v1.0.0, retrying in 5ms (attempt 2 of 3)`,
      `registry 127.0.0.1:${port}: ECONNREFUSED on HEAD /v2/${down.repository}/manifests/v1.0.0, retrying in 10ms (attempt 3 of 3)`,
    ]);
  });

  it('counts a request that gets no answer in time as a failure and retries it', async () => {
    const { proxy, image: via } = await proxied();
    proxy.hangNext(1);
    const logs: string[] = [];
    expect(await client(logs, { requestTimeoutMs: 200 }).resolveTag(via, 'v1.0.0')).toMatchObject({ digest });
    expect(logs).toEqual([`registry ${proxy.registry}: no answer within 200ms on HEAD /v2/${image.repository}/manifests/v1.0.0, retrying in 5ms (attempt 2 of 4)`]);
  });

  it('fails on an unexpected status with the status and the call, without retrying', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(1, 400, { match: /manifests/ });
    const error = await rejection(client().resolveTag(via, 'v1.0.0'));
    expect(error.message).toBe(`registry ${proxy.registry} answered 400 Bad Request to HEAD /v2/${image.repository}/manifests/v1.0.0`);
    expect(error.status).toBe(400);
    expect(error.call).toBe(`HEAD /v2/${image.repository}/manifests/v1.0.0`);
    expect(proxy.requests).toHaveLength(1);
  });

  it('treats 404 on a config blob as an error, not as "no such tag"', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(1, 404, {
      match: /\/blobs\//,
      body: () => JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }),
    });
    const error = await rejection(client().revisionOf(via, 'v1.0.0'));
    expect(error.message).toMatch(/^registry 127\.0\.0\.1:\d+ answered 404 Not Found to GET \/v2\/.+\/blobs\/sha256:[0-9a-f]{64}: BLOB_UNKNOWN: blob unknown to registry$/);
    expect(error.status).toBe(404);
  });

  it('treats 404 on a platform manifest the index references as an error', async () => {
    const { proxy, image: via } = await proxied();
    // The second manifest GET is the first platform manifest, read by digest after the index.
    proxy.failNext(1, 404, {
      match: /manifests\/sha256:/,
      skip: 1,
      method: 'GET',
      body: () => JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
    });
    const error = await rejection(client().revisionOf(via, 'v1.0.0'));
    expect(error.message).toMatch(/^registry 127\.0\.0\.1:\d+ answered 404 Not Found to GET \/v2\/.+\/manifests\/sha256:[0-9a-f]{64}: MANIFEST_UNKNOWN: manifest unknown$/);
    expect(error.status).toBe(404);
  });

  it('refuses content whose digest is not the one asked for', async () => {
    const { proxy, image: via } = await proxied();
    proxy.failNext(1, 200, {
      match: /manifests\/sha256:/,
      method: 'GET',
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      body: () => JSON.stringify({ schemaVersion: 2, manifests: [], annotations: { [revisionLabel]: revB } }),
    });
    const error = await rejection(client().revisionOf(via, 'v1.0.0'));
    expect(error.message).toMatch(new RegExp(`^the registry sent content for ${via.name.replaceAll('.', '\\.')}@${digest} whose digest is sha256:[0-9a-f]{64}, not ${digest}$`));
  });
});

// pointTag is what moves `latest`, `vX.Y` and `vX`: the tag must end up with the very digest of the
// immutable tag, a single image manifest as much as an index (no index wrapped around it).
describe('pointTag against the anonymous registry: the manifest copied byte for byte', () => {
  it('gives the tag a single image manifest as it is: same digest, same bytes, same media type', async () => {
    const image = imageOn(bed.registry, 'point-single');
    const manifest = await pushImage(target(image), { tag: 'sha-abc1234', labels: { [revisionLabel]: revA } });

    expect(await client().pointTag(image, 'latest', manifest.digest)).toEqual({ digest: manifest.digest, mediaType: ociManifestType });
    const [latest, immutable] = [await getManifest(target(image), 'latest'), await getManifest(target(image), 'sha-abc1234')];
    expect(latest.digest).toBe(manifest.digest);
    expect(latest.raw).toBe(immutable.raw);
    expect(latest.mediaType).toBe(ociManifestType);
    expect(await client().revisionOf(image, 'latest')).toEqual({ digest: manifest.digest, revision: revA });
  });

  it('gives the tag the same index, and moves a tag that pointed elsewhere', async () => {
    const image = imageOn(bed.registry, 'point-index');
    const first = await pushMultiArch(target(image), 'v1.0.0', { indexAnnotations: { [revisionLabel]: revA } });
    const second = await pushMultiArch(target(image), 'v1.1.0', { indexAnnotations: { [revisionLabel]: revB } });
    const registry = client();

    expect(await registry.pointTag(image, 'v1', first.digest)).toEqual({ digest: first.digest, mediaType: ociIndexType });
    expect(await tagDigest(target(image), 'v1')).toBe(first.digest);
    expect(await registry.pointTag(image, 'v1', second.digest)).toEqual({ digest: second.digest, mediaType: ociIndexType });
    expect(await tagDigest(target(image), 'v1')).toBe(second.digest);
    expect((await getManifest(target(image), 'v1')).raw).toBe((await getManifest(target(image), 'v1.1.0')).raw);
    expect(await tagDigest(target(image), 'v1.0.0')).toBe(first.digest);
  });

  it('keeps Docker media types', async () => {
    const image = imageOn(bed.registry, 'point-docker');
    const manifest = await pushImage(target(image), { format: 'docker', tag: 'v1.0.0' });
    expect(await client().pointTag(image, 'latest', manifest.digest)).toEqual({ digest: manifest.digest, mediaType: dockerManifestType });
    expect(await client().resolveTag(image, 'latest')).toEqual({ digest: manifest.digest, mediaType: dockerManifestType });
  });

  it('fails on a digest the repository does not hold, naming the call, and writes no tag', async () => {
    const image = imageOn(bed.registry, 'point-unknown');
    await pushImage(target(image), { tag: 'v1.0.0' });
    const missing = `sha256:${'0'.repeat(64)}`;
    const error = await rejection(client().pointTag(image, 'latest', missing));
    expect(error.message).toMatch(new RegExp(`^registry ${bed.registry.replaceAll('.', '\\.')} answered 404 Not Found to GET /v2/${image.repository}/manifests/${missing}: MANIFEST_UNKNOWN`));
    expect(error.status).toBe(404);
    expect(await tagDigest(target(image), 'latest')).toBeNull();
  });

  it('refuses a bad tag or digest before any request', async () => {
    const { proxy, image } = await proxiedImage('point-bad-input');
    await expect(client().pointTag(image, '-latest', `sha256:${'0'.repeat(64)}`)).rejects.toThrow(/tag: "-latest" is not valid/);
    await expect(client().pointTag(image, 'latest', 'v1.0.0')).rejects.toThrow(/digest: "v1\.0\.0" is not valid/);
    expect(proxy.requests).toEqual([]);
  });
});

describe('pointTag against the htpasswd registry (Basic)', () => {
  const auth = () => ({ username: bed.authUser, password: bed.authPassword });
  let image: ImageName;
  let index: string;
  let single: string;

  beforeAll(async () => {
    image = imageOn(bed.authRegistry, 'point-private');
    index = (await pushMultiArch(target(image, auth()), 'v1.0.0', { indexAnnotations: { [revisionLabel]: revA } })).digest;
    single = (await pushImage(target(image, auth()), { tag: 'sha-abc1234', labels: { [revisionLabel]: revB } })).digest;
  });

  it('with the right credentials, copies an index and a single manifest, each keeping its digest', async () => {
    const logs: string[] = [];
    const registry = client(logs, { credentials: fixed(auth()) });
    expect(await registry.pointTag(image, 'v1', index)).toEqual({ digest: index, mediaType: ociIndexType });
    expect(await registry.pointTag(image, 'latest', single)).toEqual({ digest: single, mediaType: ociManifestType });
    expect(await tagDigest(target(image, auth()), 'v1')).toBe(index);
    expect(await tagDigest(target(image, auth()), 'latest')).toBe(single);
    expect(logs).toEqual([]);
  });

  it('with credentials from a docker config.json as `docker login` writes it', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'release-flow-docker-config-'));
    try {
      const basic = Buffer.from(`${bed.authUser}:${bed.authPassword}`).toString('base64');
      await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [bed.authRegistry]: { auth: basic } } }));
      expect(await client([], { credentials: dockerConfigCredentials({ configDir }) }).pointTag(image, 'v1.0', index)).toMatchObject({ digest: index });
      expect(await tagDigest(target(image, auth()), 'v1.0')).toBe(index);
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('without credentials, fails with the docker login to run and moves nothing', async () => {
    await client([], { credentials: fixed(auth()) }).pointTag(image, 'stable', index);
    const error = await rejection(client().pointTag(image, 'stable', single));
    expect(error.message).toBe(`not authorized to push to ${image.name}: run \`docker login ${bed.authRegistry}\` (no credentials for ${bed.authRegistry} were found)`);
    expect(error.status).toBe(401);
    expect(await tagDigest(target(image, auth()), 'stable')).toBe(index);
  });

  it('with a wrong password, fails the same way, never shows the password, and moves nothing', async () => {
    await client([], { credentials: fixed(auth()) }).pointTag(image, 'edge', index);
    const error = await rejection(client([], { credentials: fixed({ username: bed.authUser, password: canary }) }).pointTag(image, 'edge', single));
    expect(error.message).toBe(
      `not authorized to push to ${image.name}: run \`docker login ${bed.authRegistry}\` (the credentials for ${bed.authRegistry} were refused, or may not push to this repository)`,
    );
    expect(error.status).toBe(401);
    expect(await tagDigest(target(image, auth()), 'edge')).toBe(index);
  });
});

describe('pointTag through a proxy: token scope, retries, fail closed', () => {
  let digest: string;
  let upstream: ImageName;

  beforeAll(async () => {
    upstream = imageOn(bed.registry, 'point-proxied');
    digest = (await pushImage(target(upstream), { tag: 'sha-abc1234', labels: { [revisionLabel]: revA } })).digest;
  });

  it('asks the token server for repository:<repo>:pull,push, apart from the pull token of reads', async () => {
    const proxy = await startProxy(bed.registry, { username: 'robot', password: canary, tokenField: 'token' });
    const image = imageOn(proxy.registry, 'point-proxied');
    const registry = client([], { credentials: fixed({ username: 'robot', password: canary }) });

    expect(await registry.revisionOf(image, 'sha-abc1234')).toEqual({ digest, revision: revA });
    expect(await registry.pointTag(image, 'bearer', digest)).toMatchObject({ digest });
    expect(await registry.pointTag(image, 'bearer-2', digest)).toMatchObject({ digest });
    const scopes = proxy.requests.filter((request) => request.path === '/token').map((request) => request.query.scope);
    expect(scopes).toEqual([`repository:${image.repository}:pull`, `repository:${image.repository}:pull,push`]);
    expect(await tagDigest(target(upstream), 'bearer-2')).toBe(digest);
  });

  it('retries a 503 on the PUT, then the tag is there', async () => {
    const { proxy, image } = await proxiedImage('point-proxied');
    proxy.failNext(2, 503, { method: 'PUT' });
    const logs: string[] = [];
    expect(await client(logs).pointTag(image, 'retried', digest)).toMatchObject({ digest });
    const call = `PUT /v2/${image.repository}/manifests/retried`;
    expect(logs).toEqual([
      `registry ${proxy.registry}: 503 Service Unavailable on ${call}, retrying in 5ms (attempt 2 of 4)`,
      `registry ${proxy.registry}: 503 Service Unavailable on ${call}, retrying in 10ms (attempt 3 of 4)`,
    ]);
    expect(await tagDigest(target(upstream), 'retried')).toBe(digest);
  });

  it('a registry that lets us read but refuses the push (403): says so, with the login to run', async () => {
    const { proxy, image } = await proxiedImage('point-proxied');
    proxy.failNext(1, 403, { method: 'PUT', body: () => JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }) });
    const error = await rejection(client([], { credentials: fixed({ username: 'robot', password: canary }) }).pointTag(image, 'denied', digest));
    expect(error.message).toBe(
      `not authorized to push to ${image.name}: run \`docker login ${proxy.registry}\` (the credentials for ${proxy.registry} were refused, or may not push to this repository)`,
    );
    expect(error.status).toBe(403);
    expect(error.call).toBe(`PUT /v2/${image.repository}/manifests/denied`);
    expect(await tagDigest(target(upstream), 'denied')).toBeNull();
  });

  it('refuses content that does not hash to the digest, before any PUT', async () => {
    const { proxy, image } = await proxiedImage('point-proxied');
    proxy.failNext(1, 200, {
      method: 'GET',
      match: /manifests\/sha256:/,
      headers: { 'content-type': ociManifestType },
      body: () => JSON.stringify({ schemaVersion: 2, mediaType: ociManifestType, config: {}, layers: [] }),
    });
    const error = await rejection(client().pointTag(image, 'tampered', digest));
    expect(error.message).toMatch(new RegExp(`^the registry sent content for ${image.name.replaceAll('.', '\\.')}@${digest} whose digest is sha256:[0-9a-f]{64}, not ${digest}$`));
    expect(proxy.requests.filter((request) => request.method === 'PUT')).toEqual([]);
    expect(await tagDigest(target(upstream), 'tampered')).toBeNull();
  });

  it('fails when the registry says it stored another digest', async () => {
    const { proxy, image } = await proxiedImage('point-proxied');
    const other = `sha256:${'e'.repeat(64)}`;
    proxy.failNext(1, 201, { method: 'PUT', headers: { 'docker-content-digest': other }, body: () => '' });
    const error = await rejection(client().pointTag(image, 'rewritten', digest));
    const call = `PUT /v2/${image.repository}/manifests/rewritten`;
    expect(error.message).toBe(`registry ${proxy.registry} stored ${image.name}:rewritten as ${other} after ${call} of the bytes of ${digest}; expected it to keep that digest`);
    expect(error.call).toBe(call);
  });

  it('without Docker-Content-Digest on the answer to the PUT, reads the tag back to confirm', async () => {
    const { proxy, image } = await proxiedImage('point-proxied');
    proxy.stripNext(1, 'docker-content-digest', { method: 'PUT' });
    expect(await client().pointTag(image, 'unconfirmed', digest)).toMatchObject({ digest });
    expect(proxy.requests.map((request) => `${request.method} ${request.path}`).slice(-2)).toEqual([
      `PUT /v2/${image.repository}/manifests/unconfirmed`,
      `HEAD /v2/${image.repository}/manifests/unconfirmed`,
    ]);
  });
});

/** The bed's anonymous registry behind a fresh proxy, as `name` of this run. */
async function proxiedImage(name: string): Promise<{ proxy: RegistryProxy; image: ImageName }> {
  const proxy = await startProxy(bed.registry);
  return { proxy, image: imageOn(proxy.registry, name) };
}

// --- the proxy -----------------------------------------------------------------------------------

interface ProxyRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

interface FailureRule {
  count: number;
  status: number;
  headers?: Record<string, string>;
  body?: (request: IncomingMessage) => string;
  match?: RegExp;
  method?: string;
  /** Matching requests to let through before this rule applies. */
  skip?: number;
  hang?: boolean;
  /** Passed on to the registry, with this header taken out of its answer. */
  strip?: string;
}

interface RegistryProxy {
  /** host:port to use as an ImageName's registry. */
  registry: string;
  requests: ProxyRequest[];
  /** Tokens the token server issued, so that the canary check can look for them too. */
  tokens: string[];
  failNext(count: number, status: number, options?: Omit<FailureRule, 'count' | 'status' | 'hang'>): void;
  /** The next `count` requests get no answer at all. */
  hangNext(count: number): void;
  /** The next `count` matching requests are passed on, without `header` in the answer. */
  stripNext(count: number, header: string, options?: Pick<FailureRule, 'match' | 'method'>): void;
  close(): Promise<void>;
}

interface BearerOptions {
  username: string;
  password: string;
  tokenField: 'token' | 'access_token';
}

/** A pass-through to `upstream` that can fail on demand and, with `bearer`, demands a token. */
async function startProxy(upstream: string, bearer?: BearerOptions): Promise<RegistryProxy> {
  const rules: FailureRule[] = [];
  const requests: ProxyRequest[] = [];
  const granted = new Set<string>();
  const tokens: string[] = [];
  let self = '';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${self}`);
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization });
    const rule = rules.find((candidate) => candidate.count > 0 && (!candidate.match || candidate.match.test(url.pathname)) && (!candidate.method || candidate.method === req.method));
    if (rule && rule.skip && rule.skip > 0) {
      rule.skip--;
    } else if (rule) {
      rule.count--;
      if (rule.strip) return forward(req, res, rule.strip);
      if (rule.hang) return; // closed by the client's timeout, or by close()
      res.writeHead(rule.status, { 'content-type': 'application/json', ...rule.headers });
      res.end(req.method === 'HEAD' ? undefined : (rule.body?.(req) ?? JSON.stringify({ errors: [{ code: 'INJECTED', message: `injected ${rule.status}` }] })));
      return;
    }
    if (bearer && url.pathname === '/token') return issueToken(req, res, bearer);
    if (bearer && !granted.has(req.headers.authorization?.replace(/^Bearer /, '') ?? '')) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="http://${self}/token",service="fake-registry",scope="repository:${url.pathname.split('/').slice(2, -2).join('/')}:pull"`,
      });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    forward(req, res);
  });

  function issueToken(req: IncomingMessage, res: ServerResponse, options: BearerOptions): void {
    const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    const given = req.headers.authorization;
    if (given !== undefined && given !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    // Anonymous callers get a token too, as Docker Hub does, but it grants nothing here.
    const token = `${given ? 'granted' : 'anonymous'}-${randomBytes(12).toString('hex')}`;
    tokens.push(token);
    if (given) granted.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ [options.tokenField]: token, expires_in: 300 }));
  }

  function forward(req: IncomingMessage, res: ServerResponse, strip?: string): void {
    const [host, port] = upstream.split(':');
    const headers = { ...req.headers, host: upstream };
    delete headers.authorization;
    const out = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers }, (answer) => {
      if (strip) delete answer.headers[strip];
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy: RegistryProxy = {
    registry: self,
    requests,
    tokens,
    failNext(count, status, options = {}) {
      rules.push({ count, status, ...options });
    },
    hangNext(count) {
      rules.push({ count, status: 0, hang: true });
    },
    stripNext(count, header, options = {}) {
      rules.push({ count, status: 0, strip: header, ...options });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  proxies.push(proxy);
  return proxy;
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
