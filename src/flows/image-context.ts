import { basename, resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import type { ImageSettings } from '../core/image-settings.js';
import { parseVersionTag } from '../core/tags.js';
import type { ImageRequest } from './image.js';
import { resolveRef } from './history.js';
import { repositoryContext } from './repository.js';

export interface ImageOptions {
  settings: ImageSettings;
  /** The commit to build: GITHUB_SHA in an action, HEAD on a laptop. */
  ref: string;
  context: string;
  file?: string | undefined;
  buildTarget?: string | undefined;
  secrets: Record<string, string>;
  push: boolean;
  floating: boolean;
  provenance: boolean;
  tagPrefix: string;
  description?: string | undefined;
  licenses?: string | undefined;
  log: (line: string) => void;
  names?: ImageRequest['names'];
}

/**
 * Everything a build needs from the repository: the commit, its date for the `created` label (so a
 * rebuild of one commit carries the same labels), the repository's URL and the released versions.
 */
export async function imageRequest(git: Git, env: NodeJS.ProcessEnv, options: ImageOptions): Promise<ImageRequest> {
  const sha = await resolveRef(git, options.ref, 'ref');
  const { repository, serverUrl } = await repositoryContext(git, env);
  const source = repository ? `${serverUrl.replace(/\/+$/, '')}/${repository}` : undefined;
  const released = (await git.tags())
    .map((t) => parseVersionTag(t, options.tagPrefix)?.version.version)
    .filter((v): v is string => v !== undefined);
  return {
    image: options.settings.image,
    target: options.settings.target,
    sha,
    platforms: options.settings.platforms,
    context: resolve(git.cwd, options.context),
    file: options.file,
    buildArgs: options.settings.buildArgs,
    buildTarget: options.buildTarget,
    secrets: options.secrets,
    push: options.push,
    floating: options.floating,
    cache: options.settings.cache,
    provenance: options.provenance,
    facts: {
      title: repository ? repository.split('/')[1]! : basename(options.settings.image.repository),
      description: options.description,
      source,
      url: source,
      created: await git.commitTimestamp(sha),
      licenses: options.licenses,
    },
    extraLabels: options.settings.labels,
    tagPrefix: options.tagPrefix,
    released,
    log: options.log,
    ...(options.names ? { names: options.names } : {}),
  };
}
