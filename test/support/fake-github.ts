import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The one stand-in the project allows in tests: GitHub's REST API on 127.0.0.1, reached through
// GITHUB_API_URL as GitHub Enterprise Server would be. Routes answer with the statuses and bodies
// GitHub gives; add endpoints (deployments, …) as rows of `routes` below.

export interface RecordedRequest {
  method: string;
  /** The path as requested, `/api/v3` prefix included when the client used one; no query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when there is none. */
  body: unknown;
}

export interface FakeRelease {
  id: number;
  owner: string;
  repo: string;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  /** As the client sent it ("true" | "false" | "legacy"); GitHub itself does not echo it. */
  make_latest: string | undefined;
  created_at: string;
  published_at: string | null;
}

export interface FakeDeploymentStatus {
  id: number;
  state: string;
  description: string | null;
  environment_url: string | null;
  log_url: string | null;
}

export interface FakeDeployment {
  id: number;
  owner: string;
  repo: string;
  ref: string;
  environment: string;
  description: string | null;
  /** As the client sent them. */
  auto_merge: unknown;
  required_contexts: unknown;
  production_environment: unknown;
  statuses: FakeDeploymentStatus[];
}

export interface FakeGitHub {
  /** Base URL to use as GITHUB_API_URL; `${url}/api/v3` works as well, as on GHES. */
  url: string;
  /** Every request received, in order, failed ones included. */
  requests: RecordedRequest[];
  /** Releases keyed by `releaseKey(owner, repo, tag)`; tests may seed or inspect it directly. */
  releases: Map<string, FakeRelease>;
  /** Deployments in creation order, each with its statuses. */
  deployments: FakeDeployment[];
  /**
   * The next `count` requests (matching `only`, when given) get `status` with `headers` and
   * `body` instead of being served. The body defaults to `{"message": <reason phrase>}`.
   */
  failNext(count: number, status: number, headers?: Record<string, string>, body?: unknown, only?: RequestMatch): void;
  close(): Promise<void>;
}

export interface RequestMatch {
  method?: string;
  /** Matched against the path with any `/api/v3` prefix removed. */
  path?: string | RegExp;
}

export interface FakeGitHubOptions {
  /** When set, only this token is accepted; any other credential gets 401 Bad credentials. */
  token?: string;
}

export function releaseKey(owner: string, repo: string, tag: string): string {
  return `${owner}/${repo}@${tag}`;
}

interface RouteContext {
  params: Record<string, string>;
  body: unknown;
  state: FakeState;
}

interface RouteReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  pattern: string;
  handle(context: RouteContext): RouteReply;
}

interface FakeState {
  baseUrl: string;
  releases: Map<string, FakeRelease>;
  deployments: FakeDeployment[];
  nextId: number;
}

const notFound: RouteReply = { status: 404, body: { message: 'Not Found' } };

const routes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/releases/tags/:tag',
    handle({ params, state }) {
      const release = state.releases.get(releaseKey(params.owner!, params.repo!, params.tag!));
      // GitHub does not return drafts from this endpoint.
      if (!release || release.draft) return notFound;
      return { status: 200, body: releaseJson(release, state) };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/releases/:id',
    handle({ params, state }) {
      const release = findById(state, params);
      return release ? { status: 200, body: releaseJson(release, state) } : notFound;
    },
  },
  {
    method: 'POST',
    pattern: '/repos/:owner/:repo/releases',
    handle({ params, body, state }) {
      const input = asObject(body);
      const tag = input.tag_name;
      if (typeof tag !== 'string' || tag === '') {
        return validationFailed({ resource: 'Release', code: 'missing_field', field: 'tag_name' });
      }
      const key = releaseKey(params.owner!, params.repo!, tag);
      if (state.releases.has(key)) {
        return validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' });
      }
      const now = new Date().toISOString();
      const draft = input.draft === true;
      const release: FakeRelease = {
        id: state.nextId++,
        owner: params.owner!,
        repo: params.repo!,
        tag_name: tag,
        target_commitish: typeof input.target_commitish === 'string' ? input.target_commitish : 'main',
        name: typeof input.name === 'string' ? input.name : null,
        body: typeof input.body === 'string' ? input.body : null,
        draft,
        prerelease: input.prerelease === true,
        make_latest: typeof input.make_latest === 'string' ? input.make_latest : undefined,
        created_at: now,
        published_at: draft ? null : now,
      };
      state.releases.set(key, release);
      return { status: 201, body: releaseJson(release, state) };
    },
  },
  {
    method: 'PATCH',
    pattern: '/repos/:owner/:repo/releases/:id',
    handle({ params, body, state }) {
      const release = findById(state, params);
      if (!release) return notFound;
      const input = asObject(body);
      if (typeof input.tag_name === 'string' && input.tag_name !== release.tag_name) {
        const newKey = releaseKey(release.owner, release.repo, input.tag_name);
        if (state.releases.has(newKey)) {
          return validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' });
        }
        state.releases.delete(releaseKey(release.owner, release.repo, release.tag_name));
        release.tag_name = input.tag_name;
        state.releases.set(newKey, release);
      }
      if (typeof input.name === 'string') release.name = input.name;
      if (typeof input.body === 'string') release.body = input.body;
      if (typeof input.target_commitish === 'string') release.target_commitish = input.target_commitish;
      if (typeof input.prerelease === 'boolean') release.prerelease = input.prerelease;
      if (typeof input.make_latest === 'string') release.make_latest = input.make_latest;
      if (typeof input.draft === 'boolean') {
        if (release.draft && !input.draft) release.published_at = new Date().toISOString();
        release.draft = input.draft;
      }
      return { status: 200, body: releaseJson(release, state) };
    },
  },
  {
    method: 'POST',
    pattern: '/repos/:owner/:repo/deployments',
    handle({ params, body, state }) {
      const input = asObject(body);
      if (typeof input.ref !== 'string' || input.ref === '') return validationFailed({ resource: 'Deployment', code: 'missing_field', field: 'ref' });
      const deployment: FakeDeployment = {
        id: state.nextId++,
        owner: params.owner!,
        repo: params.repo!,
        ref: input.ref,
        environment: typeof input.environment === 'string' ? input.environment : 'production',
        description: typeof input.description === 'string' ? input.description : null,
        auto_merge: input.auto_merge,
        required_contexts: input.required_contexts,
        production_environment: input.production_environment,
        statuses: [],
      };
      state.deployments.push(deployment);
      return { status: 201, body: deploymentJson(deployment, state) };
    },
  },
  {
    method: 'POST',
    pattern: '/repos/:owner/:repo/deployments/:id/statuses',
    handle({ params, body, state }) {
      const deployment = state.deployments.find((d) => d.id === Number(params.id) && d.owner === params.owner && d.repo === params.repo);
      if (!deployment) return notFound;
      const input = asObject(body);
      const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
      if (typeof input.state !== 'string' || !states.includes(input.state)) return validationFailed({ resource: 'DeploymentStatus', code: 'invalid', field: 'state' });
      const text = (v: unknown) => (typeof v === 'string' ? v : null);
      const status: FakeDeploymentStatus = { id: state.nextId++, state: input.state, description: text(input.description), environment_url: text(input.environment_url), log_url: text(input.log_url) };
      deployment.statuses.push(status);
      return { status: 201, body: { url: `${state.baseUrl}/repos/${deployment.owner}/${deployment.repo}/deployments/${deployment.id}/statuses/${status.id}`, ...status } };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/deployments/:id/statuses',
    handle({ params, state }) {
      const deployment = state.deployments.find((d) => d.id === Number(params.id) && d.owner === params.owner && d.repo === params.repo);
      return deployment ? { status: 200, body: [...deployment.statuses].reverse() } : notFound;
    },
  },
];

function deploymentJson(deployment: FakeDeployment, state: FakeState): Record<string, unknown> {
  const { owner, repo, statuses: _statuses, auto_merge: _autoMerge, required_contexts: _contexts, ...fields } = deployment;
  return {
    url: `${state.baseUrl}/repos/${owner}/${repo}/deployments/${deployment.id}`,
    statuses_url: `${state.baseUrl}/repos/${owner}/${repo}/deployments/${deployment.id}/statuses`,
    node_id: `DE_fake${deployment.id}`,
    sha: deployment.ref,
    task: 'deploy',
    creator: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    ...fields,
  };
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const state: FakeState = { baseUrl: '', releases: new Map(), deployments: [], nextId: 1 };
  const failures: Array<RouteReply & { only: RequestMatch | undefined }> = [];
  const compiled = routes.map((route) => ({ route, regex: compilePattern(route.pattern) }));

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      reply(res, { status: 500, body: { message: `fake GitHub failed: ${String(error)}` } });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const text = await readBody(req);
    const parsed = parseBody(text);
    requests.push({ method, path, headers: { ...req.headers }, body: parsed.body });

    // Like GitHub Enterprise Server, the API may live under /api/v3.
    const apiPath = path.startsWith('/api/v3/') ? path.slice('/api/v3'.length) : path;

    const failureIndex = failures.findIndex((failure) => matches(failure.only, method, apiPath));
    if (failureIndex >= 0) {
      const [failure] = failures.splice(failureIndex, 1);
      reply(res, failure!);
      return;
    }
    const credentialProblem = checkCredentials(req.headers.authorization, options.token);
    if (credentialProblem) {
      reply(res, credentialProblem);
      return;
    }
    if (parsed.invalid) {
      reply(res, { status: 400, body: { message: 'Problems parsing JSON' } });
      return;
    }
    for (const { route, regex } of compiled) {
      if (route.method !== method) continue;
      const match = regex.exec(apiPath);
      if (!match) continue;
      const params = Object.fromEntries(
        Object.entries(match.groups ?? {}).map(([name, value]) => [name, decodeURIComponent(value)]),
      );
      reply(res, route.handle({ params, body: parsed.body, state }));
      return;
    }
    reply(res, notFound);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: state.baseUrl,
    requests,
    releases: state.releases,
    deployments: state.deployments,
    failNext(count, status, headers = {}, body, only) {
      const replyBody = body ?? { message: reasonPhrase(status) };
      for (let i = 0; i < count; i++) failures.push({ status, headers, body: replyBody, only });
    },
    close() {
      // Clients keep connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function checkCredentials(authorization: string | undefined, acceptedToken: string | undefined): RouteReply | undefined {
  const badCredentials: RouteReply = { status: 401, body: { message: 'Bad credentials' } };
  if (!authorization) return badCredentials;
  const token = /^(?:token|bearer) (\S+)$/i.exec(authorization)?.[1];
  if (token === undefined) return badCredentials;
  if (acceptedToken !== undefined && token !== acceptedToken) return badCredentials;
  return undefined;
}

function compilePattern(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `(?<${segment.slice(1)}>[^/]+)` : escapeRegex(segment)))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matches(only: RequestMatch | undefined, method: string, apiPath: string): boolean {
  if (!only) return true;
  if (only.method !== undefined && only.method.toUpperCase() !== method) return false;
  if (only.path === undefined) return true;
  return typeof only.path === 'string' ? only.path === apiPath : only.path.test(apiPath);
}

function findById(state: FakeState, params: Record<string, string>): FakeRelease | undefined {
  const id = Number(params.id);
  for (const release of state.releases.values()) {
    if (release.id === id && release.owner === params.owner && release.repo === params.repo) return release;
  }
  return undefined;
}

function releaseJson(release: FakeRelease, state: FakeState): Record<string, unknown> {
  const { owner, repo, ...fields } = release;
  const repoPath = `${owner}/${repo}`;
  return {
    url: `${state.baseUrl}/repos/${repoPath}/releases/${release.id}`,
    html_url: `${state.baseUrl}/${repoPath}/releases/tag/${encodeURIComponent(release.tag_name)}`,
    node_id: `RE_fake${release.id}`,
    author: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    assets: [],
    ...fields,
  };
}

function validationFailed(error: Record<string, string>): RouteReply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [error],
      documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
    },
  };
}

function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    401: 'Bad credentials',
    403: 'Forbidden',
    404: 'Not Found',
    422: 'Validation Failed',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return phrases[status] ?? `HTTP ${status}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): { body: unknown; invalid: boolean } {
  if (text === '') return { body: undefined, invalid: false };
  try {
    return { body: JSON.parse(text) as unknown, invalid: false };
  } catch {
    return { body: text, invalid: true };
  }
}

function reply(res: ServerResponse, { status, body, headers = {} }: RouteReply): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}
