import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestBed } from '../bed/check.js';
import { createTestRepo, type TestRepo } from '../support/git-repo.js';
import { readImageIndex, type PlatformImage, type RawManifest, type RegistryRepo } from '../support/registry-read.js';
import type { ImageOutcome } from '../../src/flows/image.js';

// Shared by the image tests: a repository holding the bed's service (test/fixtures/service), unique
// image names per run, docker as a child process, and the one check of what a publish must leave in
// the registry (platforms, labels on every config, annotations on the index and every manifest).

export const platforms = ['linux/amd64', 'linux/arm64'];
export const oci = 'org.opencontainers.image.';
export const ociIndexType = 'application/vnd.oci.image.index.v1+json';

/** `release-flow-test/img-<label>-<random>`: a repository no other run or test uses. */
export function uniqueRepository(label: string): string {
  return `release-flow-test/img-${label}-${randomBytes(4).toString('hex')}`;
}

export interface TestImage extends RegistryRepo {
  /** `registry/repository`, what --image takes. */
  name: string;
}

export function testImage(registry: string, label: string, auth?: RegistryRepo['auth']): TestImage {
  const repository = uniqueRepository(label);
  return { registry, repository, name: `${registry}/${repository}`, ...(auth && { auth }) };
}

/**
 * A git repository (removed by `cleanup()`) whose work tree is the bed's service: its Dockerfile and
 * entrypoint committed, the busybox binaries present but ignored (as in test/fixtures/service), and
 * an origin on GitHub, so the `source`/`url`/`title` labels have something to say.
 */
export function serviceRepo(bed: TestBed, options: { origin?: string } = {}): TestRepo {
  const repo = createTestRepo();
  for (const file of ['Dockerfile', 'entrypoint.sh', '.gitignore']) {
    writeFileSync(join(repo.dir, file), readFileSync(join(bed.serviceContext, file)));
  }
  copyBusybox(bed, repo.dir);
  chmodSync(join(repo.dir, 'entrypoint.sh'), 0o755);
  repo.git('add', 'Dockerfile', 'entrypoint.sh', '.gitignore');
  repo.commit('feat: the service');
  repo.git('remote', 'add', 'origin', options.origin ?? 'https://github.com/acme/synapse.git');
  return repo;
}

/** The service's busybox binaries, ignored by git: a clone has to be given them again, as CI would fetch them. */
export function copyBusybox(bed: TestBed, dir: string): void {
  for (const arch of ['amd64', 'arm64']) copyFileSync(join(bed.serviceContext, `busybox-${arch}`), join(dir, `busybox-${arch}`));
}

/** `docker …`; stdout trimmed, throws with stderr on failure. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 256 * 1024 * 1024 }).trim();
}

/** `docker …` that may fail: exit status and both streams. */
export function dockerResult(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The `created` label release-flow derives from a commit: its committer date, RFC 3339 in UTC, no fraction. */
export function commitCreated(repo: TestRepo, sha: string): string {
  return new Date(Number(repo.git('show', '-s', '--format=%ct', sha)) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `org.opencontainers.image.*` part of a label or annotation map. */
export function ociPart(map: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => key.startsWith(oci)));
}

export interface ExpectedLabels {
  title: string;
  source?: string;
  version: string;
  revision: string;
  created: string;
  description?: string;
  licenses?: string;
}

/** Exactly the labels DESIGN.md lists; url is the source, as the issue says. */
export function expectedOciLabels(e: ExpectedLabels): Record<string, string> {
  const labels: Record<string, string> = { [`${oci}title`]: e.title, [`${oci}version`]: e.version, [`${oci}revision`]: e.revision, [`${oci}created`]: e.created };
  if (e.source) Object.assign(labels, { [`${oci}source`]: e.source, [`${oci}url`]: e.source });
  if (e.description) labels[`${oci}description`] = e.description;
  if (e.licenses) labels[`${oci}licenses`] = e.licenses;
  return labels;
}

export interface Published {
  index: RawManifest;
  images: PlatformImage[];
}

/**
 * What a publish must leave under `reference`: an OCI index over exactly linux/amd64 and linux/arm64
 * (no attestation entries: provenance is off by default), the OCI labels on each image config and
 * the same keys as annotations on the index and on each platform manifest, exactly.
 * Soft assertions: one run reports every level that is wrong.
 */
export async function expectPublished(repo: RegistryRepo, reference: string, labels: Record<string, string>): Promise<Published> {
  const { index, images } = await readImageIndex(repo, reference);
  expect(index.mediaType, 'the tag names an OCI index').toBe(ociIndexType);
  expect(images.map((i) => i.platform).sort(), 'the index lists both platforms and nothing else').toEqual([...platforms].sort());
  for (const image of images) {
    const arch = image.platform.split('/')[1];
    expect(image.config.architecture, `${image.platform}: config architecture`).toBe(arch);
    expect.soft(ociPart(image.config.config?.Labels), `${image.platform}: labels of the image config`).toEqual(labels);
    expect.soft(ociPart(image.manifest.json.annotations), `${image.platform}: annotations of the platform manifest (raw: ${JSON.stringify(image.manifest.json.annotations)})`).toEqual(labels);
  }
  expect.soft(ociPart(index.json.annotations), `annotations of the index (raw: ${JSON.stringify(index.json.annotations ?? null)})`).toEqual(labels);
  return { index, images };
}

/** Parses the JSON line a `--json` run printed, failing with both streams when it did not succeed. */
export function jsonOutcome<T = ImageOutcomeJson>(result: { code: number | null; stdout: string; stderr: string }): T {
  if (result.code !== 0) throw new Error(`release-flow image exited ${result.code}\nstdout: ${result.stdout}\nstderr (tail): ${result.stderr.slice(-3000)}`);
  const lines = result.stdout.split('\n');
  expect(lines.length, `one JSON line on stdout, got ${JSON.stringify(result.stdout)}`).toBe(2);
  return JSON.parse(lines[0]!) as T;
}

/** The `--json` outcome of `release-flow image`: the flow's outcome as it is. */
export type ImageOutcomeJson = ImageOutcome;

/** True when the run's stderr shows that buildx ran (a build step, or release-flow's "Building"). */
export function buildRan(stderr: string): boolean {
  return /^Building /m.test(stderr) || /^#\d+ /m.test(stderr);
}
