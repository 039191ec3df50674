import { isAbsolute, join } from 'node:path';
import type { ImageName } from './image-ref.js';

export type CacheMode = 'registry' | 'gha' | 'none';

export interface BuildSecret {
  id: string;
  /** The environment variable of the build process that holds the value: never in argv or a file. */
  env: string;
}

export interface BuildRequest {
  image: ImageName;
  context: string;
  /** The Dockerfile, relative to `context` (as the inputs say) unless absolute. */
  file?: string | undefined;
  platforms: string[];
  buildArgs: Record<string, string>;
  target?: string | undefined;
  secrets: BuildSecret[];
  labels: Record<string, string>;
  cache: CacheMode;
  provenance: boolean;
  /** Push by digest (tags come after, in order); without push, load the image locally with `tags`. */
  push: boolean;
  tags: string[];
  metadataFile: string;
}

export const cacheTag = 'buildcache';

/**
 * The argv of `docker buildx build` for a request: a pure function, so every flag is tested with
 * tables and the build runs in exactly one place (the docker adapter).
 *
 * A pushed build goes out by digest only: the tags are created afterwards, version tag first, so a
 * failure part-way never leaves a moving tag on an image that has no version tag.
 */
export function buildxBuildArgs(req: BuildRequest): string[] {
  const args = ['buildx', 'build', '--platform', req.platforms.join(','), '--metadata-file', req.metadataFile];
  // buildx reads a relative --file from its working directory, not from the context.
  if (req.file) args.push('--file', isAbsolute(req.file) ? req.file : join(req.context, req.file));
  if (req.target) args.push('--target', req.target);
  for (const [key, value] of Object.entries(req.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const secret of req.secrets) args.push('--secret', `id=${secret.id},env=${secret.env}`);
  // On the per-platform manifests and on the index, as the OCI image spec reads them. A build for
  // one platform has no index of its own, and BuildKit fails the export ("index annotations not
  // supported for single platform export") when asked for one.
  const levels = req.platforms.length > 1 ? 'index,manifest' : 'manifest';
  for (const [key, value] of Object.entries(req.labels)) {
    args.push('--label', `${key}=${value}`);
    args.push('--annotation', `${levels}:${key}=${value}`);
  }
  args.push(`--provenance=${req.provenance}`, '--sbom=false');
  args.push(...cacheArgs(req.image, req.cache, req.push));
  if (req.push) {
    args.push('--output', `type=image,name=${req.image.name},push-by-digest=true,name-canonical=true,push=true`);
  } else {
    for (const tag of req.tags) args.push('--tag', `${req.image.name}:${tag}`);
    args.push('--load');
  }
  args.push(req.context);
  return args;
}

function cacheArgs(image: ImageName, cache: CacheMode, push: boolean): string[] {
  switch (cache) {
    case 'none':
      return [];
    case 'gha':
      return ['--cache-from', `type=gha,scope=${image.name}`, ...(push ? ['--cache-to', `type=gha,scope=${image.name},mode=max`] : [])];
    case 'registry': {
      const ref = `${image.name}:${cacheTag}`;
      return ['--cache-from', `type=registry,ref=${ref}`, ...(push ? ['--cache-to', `type=registry,ref=${ref},mode=max`] : [])];
    }
  }
}

/** `docker buildx imagetools create`: points `tag` at the pushed index, copying nothing. */
export function imagetoolsCreateArgs(image: ImageName, digest: string, tag: string): string[] {
  return ['buildx', 'imagetools', 'create', '--tag', `${image.name}:${tag}`, `${image.name}@${digest}`];
}
