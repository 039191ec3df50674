import type { Git } from '../adapters/git.js';
import { repoLinks, repositoryFromRemote, type RepoLinks } from '../core/links.js';

export interface RepositoryContext {
  serverUrl: string;
  /** `owner/name`, or null when neither GITHUB_REPOSITORY nor the origin remote says. */
  repository: string | null;
  links: RepoLinks | null;
}

/** Where links point: GITHUB_SERVER_URL (GitHub Enterprise Server too) and the repository. */
export async function repositoryContext(git: Git, env: NodeJS.ProcessEnv): Promise<RepositoryContext> {
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  let repository = env.GITHUB_REPOSITORY || null;
  if (!repository) {
    const remote = await git.remoteUrl('origin');
    repository = remote ? repositoryFromRemote(remote, serverUrl) : null;
  }
  return { serverUrl, repository, links: repository ? repoLinks(serverUrl, repository) : null };
}
