import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Docker } from '../adapters/docker.js';
import type { Git } from '../adapters/git.js';
import type { PlatformSize, RegistryClient } from '../adapters/registry.js';
import { buildxBuildArgs, type BuildSecret, type CacheMode } from '../core/buildx.js';
import { InputError } from '../core/errors.js';
import type { ImageName } from '../core/image-ref.js';
import { imageTags, type ImageTarget } from '../core/image-tags.js';
import { ociLabels, type ImageFacts } from '../core/oci-labels.js';

export interface ImageRequest {
  image: ImageName;
  target: ImageTarget;
  /** The commit the image is built from (its full sha). */
  sha: string;
  platforms: string[];
  context: string;
  file?: string | undefined;
  buildArgs: Record<string, string>;
  buildTarget?: string | undefined;
  /** Build secrets by id; their values reach buildx through its environment only. */
  secrets: Record<string, string>;
  push: boolean;
  floating: boolean;
  cache: CacheMode;
  provenance: boolean;
  facts: Omit<ImageFacts, 'version' | 'revision'>;
  extraLabels: Record<string, string>;
  tagPrefix: string;
  /** Released versions, so that floating tags only move to the highest of their line. */
  released: readonly string[];
  log: (line: string) => void;
  /** How the caller names the context and file inputs, for errors (`--file` or `file`). */
  names?: { context: string; file: string };
  /** The pause before the second read of a pushed release tag (tests shorten it). */
  settleMs?: number | undefined;
}

/** Long enough for a concurrent push that left with ours to land; short next to any build. */
export const CONCURRENT_PUSH_SETTLE_MS = 2000;

export interface ImageOutcome {
  digest: string | null;
  /** Every tag that now points at this build, immutable ones first. */
  tags: string[];
  /** `image:tag@sha256:…` for each of `tags`. */
  refs: string[];
  platforms: string[];
  pushed: boolean;
  /** An idempotent re-run: the version tag was already there, built from this commit. */
  existing: boolean;
  /** Moving tags left where they were, with the reason. */
  held: { tag: string; reason: string }[];
  cacheHits: number;
  /** Each platform of the pushed image with its size; empty when not pushed. */
  sizes: PlatformSize[];
}

export class ImmutableTagError extends Error {
  override readonly name = 'ImmutableTagError';
}

/**
 * Builds the image for all platforms and publishes it: under its immutable tag first, then the
 * moving tags; a version tag that exists is never overwritten and `latest` only moves to a
 * descendant of the commit it was built from.
 */
export async function publishImage(docker: Docker, registry: RegistryClient, git: Git, req: ImageRequest): Promise<ImageOutcome> {
  await checkBuildInputs(req);
  const tags = imageTags(req.target, { sha: req.sha, tagPrefix: req.tagPrefix, floating: req.floating, released: req.released });
  const version = req.target.kind === 'version' ? tags.immutable[0]!.slice(req.tagPrefix.length) : `sha-${req.sha.slice(0, 7)}`;
  const labels = ociLabels({ ...req.facts, version, revision: req.sha }, req.extraLabels);
  const outcome: ImageOutcome = { digest: null, tags: [], refs: [], platforms: req.platforms, pushed: false, existing: false, held: [...tags.held], cacheHits: 0, sizes: [] };

  if (req.push) {
    const existing = await existingImmutableTag(registry, req, tags.immutable[0]!);
    if (existing) {
      req.log(`${req.image.name}:${tags.immutable[0]} already exists, built from this commit: nothing to build.`);
      outcome.existing = true;
      outcome.digest = existing;
      outcome.tags.push(tags.immutable[0]!);
      await moveTags(registry, git, req, existing, tags.moving, outcome);
      return withSizes(registry, req, withRefs(req.image, outcome));
    }
  }

  const scratch = await mkdtemp(join(tmpdir(), 'release-flow-build-'));
  try {
    const secretEnv = secretsAsEnv(req.secrets);
    const metadataFile = join(scratch, 'metadata.json');
    const args = buildxBuildArgs({
      image: req.image,
      context: req.context,
      file: req.file,
      platforms: req.platforms,
      buildArgs: req.buildArgs,
      target: req.buildTarget,
      secrets: secretEnv.secrets,
      labels,
      cache: req.cache,
      provenance: req.provenance,
      push: req.push,
      tags: req.push ? tags.immutable : [...tags.immutable, ...tags.moving],
      metadataFile,
    });
    req.log(`Building ${req.image.name} for ${req.platforms.join(', ')}`);
    await docker.run([...args.slice(0, 2), '--progress=plain', ...args.slice(2)], {
      env: secretEnv.env,
      onLine: (line) => {
        if (/\bCACHED\b/.test(line)) outcome.cacheHits++;
        req.log(line);
      },
    });
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    outcome.digest = typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : null;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (!req.push) {
    outcome.tags.push(...tags.immutable, ...tags.moving);
    return withRefs(req.image, outcome);
  }
  if (!outcome.digest) throw new Error('buildx did not report the digest of the pushed image (containerimage.digest in --metadata-file)');

  // The registry cannot refuse an overwrite, so a run that pushed the same version at the same
  // moment from another commit is caught here, before any moving tag follows the wrong image. The
  // tag is read twice, the second time after a pause: two pushes that land together would each
  // see their own manifest on an immediate read, and both report success.
  const immutable = tags.immutable[0]!;
  let landed = await registry.revisionOf(req.image, immutable);
  if (landed?.revision === req.sha && landed.digest === outcome.digest && req.target.kind === 'version') {
    await new Promise((resolve) => setTimeout(resolve, req.settleMs ?? CONCURRENT_PUSH_SETTLE_MS));
    landed = await registry.revisionOf(req.image, immutable);
  }
  if (landed?.revision !== req.sha || landed.digest !== outcome.digest) {
    throw new ImmutableTagError(
      `${req.image.name}:${immutable} was pushed concurrently by another run (it now points at ${landed?.digest ?? 'nothing'}, ` +
        `built from ${landed?.revision?.slice(0, 12) ?? 'an unknown commit'}); release tags are immutable, so no moving tag was moved. Check which build should stand.`,
    );
  }
  // The build pushed the immutable tag; only now may moving tags point at the same digest.
  outcome.tags.push(...tags.immutable);
  outcome.pushed = true;
  req.log(`Pushed ${tags.immutable.map((t) => `${req.image.name}:${t}`).join(', ')} (${outcome.digest})`);
  await moveTags(registry, git, req, outcome.digest, tags.moving, outcome);
  return withSizes(registry, req, withRefs(req.image, outcome));
}

/** Sizes are for the summary only: a registry that will not tell does not fail a published image. */
async function withSizes(registry: RegistryClient, req: ImageRequest, outcome: ImageOutcome): Promise<ImageOutcome> {
  if (!outcome.digest) return outcome;
  try {
    outcome.sizes = await registry.platformsOf(req.image, outcome.digest);
  } catch (error) {
    req.log(`Could not read the platform sizes: ${error instanceof Error ? error.message : String(error)}`);
  }
  return outcome;
}

async function checkBuildInputs(req: ImageRequest): Promise<void> {
  const names = req.names ?? { context: 'context', file: 'file' };
  const context = resolve(req.context);
  if (!(await stat(context).then((s) => s.isDirectory(), () => false))) {
    throw new InputError(names.context, req.context, 'an existing directory to build from');
  }
  const file = resolve(context, req.file ?? 'Dockerfile');
  if (!(await stat(file).then((s) => s.isFile(), () => false))) {
    throw new InputError(names.file, req.file ?? 'Dockerfile', `an existing Dockerfile (${file} does not exist)`);
  }
}

/** The digest of the immutable tag when it exists from this commit; an error when from another. */
async function existingImmutableTag(registry: RegistryClient, req: ImageRequest, tag: string): Promise<string | null> {
  const found = await registry.revisionOf(req.image, tag);
  if (!found) return null;
  if (found.revision === req.sha) return found.digest;
  throw new ImmutableTagError(
    `${req.image.name}:${tag} already exists, built from ${found.revision ? `commit ${found.revision.slice(0, 12)}` : 'an unknown commit'}, not ${req.sha.slice(0, 12)}. ` +
      'Release tags are immutable: nothing was pushed. Release a new version instead.',
  );
}

/**
 * `latest` moves only to a descendant of what it points at; floating tags were chosen by the core
 * rules. Each tag gets the very manifest of the immutable tag, copied through the registry API (a
 * single-platform manifest stays one: no new index, no new digest).
 */
async function moveTags(registry: RegistryClient, git: Git, req: ImageRequest, digest: string, moving: string[], outcome: ImageOutcome) {
  for (const tag of moving) {
    if (tag === 'latest') {
      const reason = await latestHeldBack(registry, git, req);
      if (reason) {
        req.log(`latest left where it is: ${reason}`);
        outcome.held.push({ tag, reason });
        continue;
      }
    }
    await registry.pointTag(req.image, tag, digest);
    req.log(`Moved ${req.image.name}:${tag} (${digest})`);
    outcome.tags.push(tag);
  }
}

async function latestHeldBack(registry: RegistryClient, git: Git, req: ImageRequest): Promise<string | null> {
  const current = await registry.revisionOf(req.image, 'latest');
  if (!current || current.revision === null || current.revision === req.sha) return null;
  // The label is whatever the registry says; only a commit id may reach git.
  const known = /^[0-9a-f]{7,64}$/.test(current.revision) ? await git.resolveCommit(current.revision) : null;
  if (known && (await git.isAncestor(current.revision, req.sha))) return null;
  return known
    ? `it was built from ${current.revision.slice(0, 12)}, which ${req.sha.slice(0, 12)} does not contain (a newer build finished first)`
    : `it was built from ${current.revision.slice(0, 12)}, a commit this clone does not have`;
}

function secretsAsEnv(secrets: Record<string, string>): { secrets: BuildSecret[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const list = Object.entries(secrets).map(([id, value], index) => {
    const name = `RELEASE_FLOW_BUILD_SECRET_${index}`;
    env[name] = value;
    return { id, env: name };
  });
  return { secrets: list, env };
}

function withRefs(image: ImageName, outcome: ImageOutcome): ImageOutcome {
  outcome.refs = outcome.digest ? outcome.tags.map((tag) => `${image.name}:${tag}@${outcome.digest}`) : [];
  return outcome;
}
