import { getOctokit } from '@actions/github';
import { retryAfterMs, retryPolicy, withRetries } from './retry.js';
import type { AttemptFailure, RetryOptions } from './retry.js';

export interface ReleaseRequest {
  owner: string;
  repo: string;
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
  makeLatest: boolean;
  /** Where GitHub creates the tag when it does not exist yet; ignored when updating. */
  targetCommitish?: string;
}

export interface ReleaseResult {
  id: number;
  /** The release page (html_url). */
  url: string;
  /** False when an existing release was updated. */
  created: boolean;
}

export interface GitHubReleases {
  upsertRelease(req: ReleaseRequest): Promise<ReleaseResult>;
}

/**
 * Retried: 5xx, 429, rate-limited 403 and network errors, waiting for retry-after or the rate-limit
 * reset when GitHub names one. Defaults: `retries` 3, `retryBaseDelayMs` 1000, `maxRetryDelayMs`
 * 60000 (retry-after and rate-limit reset included), `requestTimeoutMs` 30000.
 */
export interface GitHubReleasesOptions extends RetryOptions {
  token: string;
  /** Default: GITHUB_API_URL, else https://api.github.com. GHES: https://host/api/v3. */
  apiUrl?: string;
}

/** A GitHub API call that failed for good; the message never contains the token. */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError';

  constructor(
    message: string,
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined,
    /** e.g. "POST /repos/o/r/releases" */
    readonly call: string,
    /** The `code` of each entry of the API's `errors` array (422). */
    readonly errorCodes: readonly string[],
  ) {
    super(message);
  }
}

const apiVersionHeaders = { 'x-github-api-version': '2022-11-28' };

// Why not @octokit/plugin-retry / plugin-throttling (both support @octokit/core 7): plugin-retry
// ignores retry-after and has no hook to report a retry; plugin-throttling only retries 429 when it
// also looks like a rate limit, waits for the full reset time with no cap, and spaces all writes of
// the process one second apart. The policy asked for here fits the shared loop of ./retry.ts.
export function createGitHubReleases(options: GitHubReleasesOptions): GitHubReleases {
  const apiUrl = (options.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const policy = retryPolicy(options, { retries: 3, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 30_000 });
  const redact = redactor(options.token);
  const log = (line: string): void => options.log?.(redact(line));
  const octokit = getOctokit(options.token, { baseUrl: apiUrl });

  function send<T>(call: string, perform: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries(policy, perform, {
      classify: (error) => classify(call, readFailure(error)),
      giveUp: (failure, attempts) =>
        new GitHubApiError(
          redact(describeFailure(call, failure, failure.retryable ? `gave up after ${attempts} attempts` : hintFor(failure))),
          failure.status,
          call,
          failure.apiErrors.flatMap((entry) => (entry.code ? [entry.code] : [])),
        ),
      log,
    });
  }

  async function findByTag(req: ReleaseRequest): Promise<{ id: number } | undefined> {
    const { owner, repo, tag } = req;
    try {
      const { data } = await send(`GET /repos/${owner}/${repo}/releases/tags/${tag}`, (signal) =>
        octokit.request('GET /repos/{owner}/{repo}/releases/tags/{tag}', {
          owner, repo, tag, headers: apiVersionHeaders, request: { signal },
        }),
      );
      return { id: data.id };
    } catch (error) {
      // 404 is the normal "no release yet". Drafts are never returned here, so a draft for the
      // tag is not found and a second, published release gets created next to it; accepted.
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async function create(req: ReleaseRequest): Promise<ReleaseResult> {
    const { owner, repo } = req;
    const { data } = await send(`POST /repos/${owner}/${repo}/releases`, (signal) =>
      octokit.request('POST /repos/{owner}/{repo}/releases', {
        owner,
        repo,
        tag_name: req.tag,
        name: req.name,
        body: req.body,
        prerelease: req.prerelease,
        make_latest: req.makeLatest ? 'true' : 'false',
        ...(req.targetCommitish !== undefined && { target_commitish: req.targetCommitish }),
        headers: apiVersionHeaders,
        request: { signal },
      }),
    );
    return { id: data.id, url: data.html_url, created: true };
  }

  async function update(id: number, req: ReleaseRequest): Promise<ReleaseResult> {
    const { owner, repo } = req;
    const { data } = await send(`PATCH /repos/${owner}/${repo}/releases/${id}`, (signal) =>
      octokit.request('PATCH /repos/{owner}/{repo}/releases/{release_id}', {
        owner,
        repo,
        release_id: id,
        name: req.name,
        body: req.body,
        prerelease: req.prerelease,
        make_latest: req.makeLatest ? 'true' : 'false',
        headers: apiVersionHeaders,
        request: { signal },
      }),
    );
    return { id: data.id, url: data.html_url, created: false };
  }

  return {
    async upsertRelease(req) {
      const existing = await findByTag(req);
      if (existing) return update(existing.id, req);
      try {
        return await create(req);
      } catch (error) {
        // The release appeared after our lookup: a concurrent run made it, or a POST that got a
        // 5xx had in fact gone through and its retry hit the duplicate. Either way, update it.
        if (!(error instanceof GitHubApiError && error.errorCodes.includes('already_exists'))) throw error;
        const appeared = await findByTag(req);
        if (!appeared) throw error;
        return update(appeared.id, req);
      }
    },
  };
}

/** What is known of a failed request, read from Octokit's RequestError without importing it. */
interface Failure {
  status: number | undefined;
  headers: Record<string, string | undefined>;
  apiMessage: string;
  apiErrors: ApiErrorEntry[];
}

interface ApiErrorEntry {
  resource?: string;
  field?: string;
  code?: string;
  message?: string;
}

function classify(call: string, failure: Failure): Failure & AttemptFailure {
  return { ...failure, summary: `${statusLabel(failure)} on ${call}`, ...retryVerdict(failure) };
}

/** 5xx, 429, network errors and rate-limited 403s are retried, after the wait GitHub asks for if any. */
function retryVerdict(failure: Failure): Pick<AttemptFailure, 'retryable' | 'delayHintMs'> {
  const retryAfter = retryAfterMs(failure.headers['retry-after']);
  const { status } = failure;
  if (status === undefined || status >= 500 || status === 429) return { retryable: true, delayHintMs: retryAfter };
  if (status === 403) {
    const primaryLimitHit = failure.headers['x-ratelimit-remaining'] === '0';
    const secondaryLimitHit = retryAfter !== undefined || /secondary rate limit/i.test(failure.apiMessage);
    if (primaryLimitHit && retryAfter === undefined) return { retryable: true, delayHintMs: untilReset(failure.headers['x-ratelimit-reset']) };
    if (primaryLimitHit || secondaryLimitHit) return { retryable: true, delayHintMs: retryAfter };
  }
  return { retryable: false };
}

/** x-ratelimit-reset is the epoch second at which the quota refills. */
function untilReset(header: string | undefined): number | undefined {
  const epochSeconds = Number(header);
  if (header === undefined || !Number.isFinite(epochSeconds)) return undefined;
  // One second past the reset, as GitHub's docs advise, since the clocks are not in step.
  return epochSeconds * 1000 - Date.now() + 1000;
}

function readFailure(error: unknown): Failure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    message?: unknown;
    response?: { status?: unknown; headers?: Record<string, string | undefined>; data?: unknown };
  };
  const response = fields.response;
  if (response === undefined) {
    // Octokit reports network errors and timeouts as status 500 without a response.
    const message = typeof fields.message === 'string' ? fields.message : String(error);
    return { status: undefined, headers: {}, apiMessage: message, apiErrors: [] };
  }
  const data = response.data;
  let apiMessage = '';
  let apiErrors: ApiErrorEntry[] = [];
  if (typeof data === 'string') {
    apiMessage = data.trim().slice(0, 300);
  } else if (typeof data === 'object' && data !== null) {
    const body = data as { message?: unknown; errors?: unknown };
    if (typeof body.message === 'string') apiMessage = body.message;
    if (Array.isArray(body.errors)) apiErrors = body.errors.map(toErrorEntry);
  }
  return {
    status: typeof response.status === 'number' ? response.status : Number(fields.status),
    headers: response.headers ?? {},
    apiMessage,
    apiErrors,
  };
}

function toErrorEntry(entry: unknown): ApiErrorEntry {
  if (typeof entry === 'string') return { message: entry };
  if (typeof entry !== 'object' || entry === null) return {};
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const { resource, field, code, message } = entry as Record<string, unknown>;
  return { resource: text(resource), field: text(field), code: text(code), message: text(message) };
}

const statusHints: Record<number, string> = {
  401: 'the token was rejected; check that it is set and not expired',
  403: 'the token lacks permission; creating releases needs "contents: write"',
  404: 'the repository does not exist or the token cannot see it',
};

function hintFor(failure: Failure): string | undefined {
  return failure.status === undefined ? undefined : statusHints[failure.status];
}

function describeFailure(call: string, failure: Failure, note: string | undefined): string {
  const details = failure.apiErrors.map(describeErrorEntry).filter((text) => text !== '');
  const message = [failure.apiMessage || 'no message', ...details].join('; ');
  return `${statusLabel(failure)} on ${call}: ${message}${note ? ` (${note})` : ''}`;
}

function describeErrorEntry(entry: ApiErrorEntry): string {
  const where = [entry.resource, entry.field].filter(Boolean).join('.');
  const code = [where, entry.code].filter(Boolean).join(' ');
  return [code, entry.message].filter(Boolean).join(': ');
}

function statusLabel(failure: Failure): string {
  return failure.status === undefined ? 'GitHub API request failed (no response)' : `GitHub API ${failure.status}`;
}

// Belt and braces: Octokit already redacts the Authorization header in its errors, but an API
// message or a proxy's error page could still echo the token back.
function redactor(token: string): (text: string) => string {
  return token.length < 4 ? (text) => text : (text) => text.replaceAll(token, '***');
}
