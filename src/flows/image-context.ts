import { basename, resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import type { ImageSettings } from '../core/image-settings.js';
import { parseVersionTag } from '../core/tags.js';
import type { ImageRequest } from './image.js';
import { ensureFullHistory, resolveRef, type ShallowPolicy } from './history.js';
import { PreconditionError } from '../core/errors.js';
import { repositoryContext } from './repository.js';

export interface ImageOptions {
  settings: ImageSettings;
  /** A shallow clone hides `latest`'s commit and newer releases: the action deepens, the CLI stops. */
  shallow: ShallowPolicy;
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
  await ensureFullHistory(git, options.shallow, options.log);
  // The build context is the work tree, so the image is HEAD's only when no tracked file differs:
  // otherwise its revision label, which immutability and `latest` trust, would not be true.
  if (options.push && (await git.isDirty({ untracked: false }))) {
    throw new PreconditionError(
      'tracked files differ from HEAD, so the image would not be what its revision label says',
      'commit or stash the changes (git stash), then build again',
    );
  }
  const sha = await resolveRef(git, 'HEAD', 'ref');
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
