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
  /**
   * With push, the build pushes under `tags` (only the immutable tag: moving tags come after it);
   * without, it loads the image locally under them.
   */
  push: boolean;
  tags: string[];
  metadataFile: string;
}

export const cacheTag = 'buildcache';

/**
 * The argv of `docker buildx build` for a request: a pure function, so every flag is tested with
 * tables and the build runs in exactly one place (the docker adapter).
 *
 * A pushed build goes out under its immutable tag only; the moving tags are pointed at its digest
 * afterwards, so a failure part-way never leaves a moving tag on an image with no version tag. (The
 * registry shows a tag only once the whole index is uploaded. buildx's push-by-digest would avoid
 * even that tag, but the docker driver, the one that needs no builder image, does not implement it.)
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
  // One flag per level: buildx before 0.14 (Debian's 0.13 among them) reads `index,manifest:` as
  // part of the key.
  const levels = req.platforms.length > 1 ? ['index', 'manifest'] : ['manifest'];
  for (const [key, value] of Object.entries(req.labels)) {
    args.push('--label', `${key}=${value}`);
    for (const level of levels) args.push('--annotation', `${level}:${key}=${value}`);
  }
  args.push(`--provenance=${req.provenance}`, '--sbom=false');
  args.push(...cacheArgs(req.image, req.cache, req.push));
  for (const tag of req.tags) args.push('--tag', `${req.image.name}:${tag}`);
  // OCI media types: a Docker manifest list cannot carry the index annotations.
  args.push(req.push ? '--output=type=registry,oci-mediatypes=true' : '--load');
  args.push(req.context);
  return args;
}

function cacheArgs(image: ImageName, cache: CacheMode, push: boolean): string[] {
  switch (cache) {
    case 'none':
      return [];
    case 'gha':
      return ['--cache-from', `type=gha,scope=${image.name}`, ...(push ? ['--cache-to', `type=gha,scope=${image.name},mode=max,ignore-error=true`] : [])];
    case 'registry': {
      const ref = `${image.name}:${cacheTag}`;
      // ignore-error: the docker driver may export the cache after the image; a cache that could
      // not be written must not fail a release whose tag is already out.
      return ['--cache-from', `type=registry,ref=${ref}`, ...(push ? ['--cache-to', `type=registry,ref=${ref},mode=max,ignore-error=true`] : [])];
    }
  }
}
