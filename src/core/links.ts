/** Web links into one repository, on github.com or a GitHub Enterprise Server. */
export interface RepoLinks {
  commit(sha: string): string;
  /** GitHub redirects /issues/N to /pull/N for pull requests, so one form serves both. */
  issue(n: number): string;
  compare(fromTag: string, toTag: string): string;
}

const ownerAndName = /^([\w.-]+)\/([\w.-]+)$/;

/**
 * `serverUrl` is GITHUB_SERVER_URL as the caller read it (https://github.com or the GHES address);
 * `repository` is GITHUB_REPOSITORY, "owner/name".
 */
export function repoLinks(serverUrl: string, repository: string): RepoLinks {
  const match = ownerAndName.exec(repository.trim());
  if (!match) throw new Error(`Expected the repository as "owner/name", got ${JSON.stringify(repository)}`);
  const base = `${serverBase(serverUrl)}/${encodeURIComponent(match[1]!)}/${encodeURIComponent(match[2]!)}`;
  return {
    commit: (sha) => `${base}/commit/${encodeURIComponent(sha)}`,
    issue: (n) => {
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Expected a positive issue number, got ${n}`);
      return `${base}/issues/${n}`;
    },
    compare: (fromTag, toTag) => `${base}/compare/${encodeRef(fromTag)}...${encodeRef(toTag)}`,
  };
}

/**
 * "owner/name" of a git remote on the given server, or null when the remote is elsewhere or not a
 * form we know. Only owner and name leave this function: a checkout's https remote may carry a
 * token (`https://x-access-token:TOKEN@github.com/...`) and it must never reach a log or a file.
 */
export function repositoryFromRemote(remoteUrl: string, serverUrl: string): string | null {
  const server = parseServerUrl(serverUrl);
  const remote = remoteUrl.trim();
  const scpLike = /^[\w.-]+@([^/:@\s]+):\/?([^\s]+)$/.exec(remote);
  if (scpLike) {
    return sameHost(scpLike[1]!, server.hostname) ? repositoryFromPath(scpLike[2]!) : null;
  }
  const url = URL.parse(remote);
  if (!url || url.search !== '' || url.hash !== '') return null;
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    // Same host and port: GHES can serve https on a non-default port.
    return url.host.toLowerCase() === server.host.toLowerCase() ? repositoryFromPath(url.pathname) : null;
  }
  if (url.protocol === 'ssh:') {
    // The ssh port has nothing to do with the web server's port, so only the host name must match.
    return sameHost(url.hostname, server.hostname) ? repositoryFromPath(url.pathname) : null;
  }
  return null;
}

function repositoryFromPath(path: string): string | null {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  const match = ownerAndName.exec(trimmed);
  if (!match || match[2] === '.' || match[2] === '..' || match[1] === '.' || match[1] === '..') return null;
  return `${match[1]}/${match[2]}`;
}

function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function parseServerUrl(serverUrl: string): URL {
  const url = URL.parse(serverUrl.trim());
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error(`Expected the server URL as http(s)://host, e.g. https://github.com, got ${JSON.stringify(serverUrl)}`);
  }
  return url;
}

/** Origin plus any path prefix, without trailing slashes and without credentials. */
function serverBase(serverUrl: string): string {
  const url = parseServerUrl(serverUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Tags may contain `/` (a path in the URL) and `+` (build metadata, which must be escaped). */
function encodeRef(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}
