import { stat } from 'node:fs/promises';
import { createGit, type Git } from '../adapters/git.js';
import { InputError } from '../core/errors.js';
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

/** The git work tree at `dir`; a usage error naming `input` and the value as given when there is none. */
export async function openRepository(dir: string, input: string, given: string = dir): Promise<Git> {
  const isDirectory = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDirectory) throw new InputError(input, given, `an existing directory (${dir} is not): the git repository to release`);
  const git = createGit(dir);
  if (!(await git.isInsideWorkTree())) throw new InputError(input, given, `a directory inside a git work tree (${dir} is not in one)`);
  return git;
}
