// GitHub deployments and their statuses (REST: POST /repos/{o}/{r}/deployments and
// …/deployments/{id}/statuses), in the style of ./github.ts: Octokit against GITHUB_API_URL, the
// shared retry loop of ./retry.ts, errors that never contain the token.
//
// `trackDeployment` is the best-effort layer a deploy uses: every API failure becomes one warning
// through `warn` and is otherwise ignored, so GitHub being down or a token without
// `deployments: write` never fails or changes a deploy.

import { getOctokit } from '@actions/github';
import { retryAfterMs, retryPolicy, withRetries } from './retry.js';
import type { AttemptFailure, RetryOptions } from './retry.js';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending';

export interface DeploymentRequest {
  owner: string;
  repo: string;
  /** The commit deployed (GITHUB_SHA). */
  ref: string;
  /** `production`, `development`… */
  environment: string;
  description?: string;
  productionEnvironment?: boolean;
}

export interface DeploymentStatusRequest {
  owner: string;
  repo: string;
  deploymentId: number;
  state: DeploymentState;
  description?: string;
  environmentUrl?: string;
  /** The workflow run, shown as the status's details link. */
  logUrl?: string;
}

export interface GitHubDeployments {
  createDeployment(req: DeploymentRequest): Promise<{ id: number }>;
  createStatus(req: DeploymentStatusRequest): Promise<void>;
}

/**
 * Retried: 5xx, 429 and network errors, after retry-after when GitHub names one. Defaults are
 * smaller than the releases client's, since a deployment status is not worth holding a deploy
 * for: `retries` 2, `retryBaseDelayMs` 1000, `maxRetryDelayMs` 10000, `requestTimeoutMs` 15000.
 */
export interface GitHubDeploymentsOptions extends RetryOptions {
  token: string;
  /** Default: GITHUB_API_URL, else https://api.github.com. */
  apiUrl?: string;
}

/** A deployments API call that failed for good; the message never contains the token. */
export class GitHubDeploymentsError extends Error {
  override readonly name = 'GitHubDeploymentsError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly call: string,
  ) {
    super(message);
  }
}

const apiVersionHeaders = { 'x-github-api-version': '2022-11-28' };

interface Failure extends AttemptFailure {
  status: number | undefined;
  apiMessage: string;
}

export function createGitHubDeployments(options: GitHubDeploymentsOptions): GitHubDeployments {
  const apiUrl = (options.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const policy = retryPolicy(options, { retries: 2, baseDelayMs: 1000, maxDelayMs: 10_000, timeoutMs: 15_000 });
  const redact = redactor(options.token);
  const log = (line: string): void => options.log?.(redact(line));
  const octokit = getOctokit(options.token, { baseUrl: apiUrl });

  function send<T>(call: string, perform: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries(policy, perform, {
      classify: (error) => classify(call, error),
      giveUp: (failure, attempts) =>
        new GitHubDeploymentsError(
          redact(`${failure.summary}: ${failure.apiMessage || 'no message'}${failure.retryable ? ` (gave up after ${attempts} attempts)` : hintFor(failure.status)}`),
          failure.status,
          call,
        ),
      log,
    });
  }

  return {
    async createDeployment(req) {
      const { owner, repo } = req;
      const { data, status } = await send(`POST /repos/${owner}/${repo}/deployments`, (signal) =>
        octokit.request('POST /repos/{owner}/{repo}/deployments', {
          owner,
          repo,
          ref: req.ref,
          environment: req.environment,
          auto_merge: false,
          required_contexts: [],
          ...(req.description !== undefined && { description: req.description }),
          ...(req.productionEnvironment !== undefined && { production_environment: req.productionEnvironment }),
          headers: apiVersionHeaders,
          request: { signal },
        }),
      );
      // 202 is GitHub's "merged the default branch instead" answer, which auto_merge=false rules out.
      const id = (data as { id?: unknown }).id;
      if (typeof id !== 'number') {
        throw new GitHubDeploymentsError(`GitHub API ${status} on POST /repos/${owner}/${repo}/deployments: no deployment was created`, status, `POST /repos/${owner}/${repo}/deployments`);
      }
      return { id };
    },
    async createStatus(req) {
      const { owner, repo, deploymentId } = req;
      await send(`POST /repos/${owner}/${repo}/deployments/${deploymentId}/statuses`, (signal) =>
        octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
          owner,
          repo,
          deployment_id: deploymentId,
          state: req.state,
          ...(req.description !== undefined && { description: req.description.slice(0, 140) }),
          ...(req.environmentUrl !== undefined && { environment_url: req.environmentUrl }),
          ...(req.logUrl !== undefined && { log_url: req.logUrl }),
          headers: apiVersionHeaders,
          request: { signal },
        }),
      );
    },
  };
}

export interface DeploymentTarget {
  owner: string;
  repo: string;
  ref: string;
  environment: string;
  productionEnvironment: boolean;
  description: string;
  logUrl?: string | undefined;
}

/** Best-effort deployment tracking: start() then finish(); neither ever throws. finish() without a start() records nothing. */
export interface DeploymentTracker {
  start(): Promise<void>;
  finish(state: 'success' | 'failure' | 'error', details: { description: string; environmentUrl?: string | undefined }): Promise<void>;
}

/** Does nothing: tracking is off, or there is no repository or token. */
export const noDeploymentTracking: DeploymentTracker = { start: async () => {}, finish: async () => {} };

export function trackDeployment(client: GitHubDeployments, target: DeploymentTarget, warn: (message: string) => void, info: (line: string) => void = () => {}): DeploymentTracker {
  let id: number | undefined;
  let broken = false;
  const attempt = async (what: string, call: () => Promise<void>): Promise<void> => {
    if (broken) return;
    try {
      await call();
    } catch (error) {
      // One warning: after a failure the later calls are skipped (they would fail the same way).
      broken = true;
      warn(`GitHub deployment status not recorded (${what}); the deploy is not affected: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const { owner, repo } = target;
  return {
    async start() {
      await attempt('creating the deployment', async () => {
        id = (await client.createDeployment({ owner, repo, ref: target.ref, environment: target.environment, description: target.description, productionEnvironment: target.productionEnvironment })).id;
        info(`GitHub deployment ${id} created for ${target.environment}`);
      });
      if (id === undefined) return;
      await attempt('in_progress', () => client.createStatus({ owner, repo, deploymentId: id!, state: 'in_progress', description: target.description, logUrl: target.logUrl }));
    },
    async finish(state, details) {
      if (id === undefined) return;
      await attempt(state, async () => {
        await client.createStatus({
          owner,
          repo,
          deploymentId: id!,
          state,
          description: details.description,
          ...(details.environmentUrl !== undefined && { environmentUrl: details.environmentUrl }),
          logUrl: target.logUrl,
        });
        info(`GitHub deployment ${id}: ${state}`);
      });
    },
  };
}

function classify(call: string, error: unknown): Failure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    response?: { status?: unknown; headers?: Record<string, string | undefined>; data?: unknown };
  };
  const response = fields.response;
  if (response === undefined) {
    const message = typeof fields.message === 'string' ? fields.message : String(error);
    return { status: undefined, apiMessage: message, summary: `GitHub API request failed (no response) on ${call}`, retryable: true };
  }
  const status = typeof response.status === 'number' ? response.status : undefined;
  const data = response.data;
  const apiMessage =
    typeof data === 'string'
      ? data.trim().slice(0, 300)
      : typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
        ? (data as { message: string }).message
        : '';
  const retryable = status === undefined || status >= 500 || status === 429;
  return { status, apiMessage, summary: `GitHub API ${status ?? '?'} on ${call}`, retryable, delayHintMs: retryable ? retryAfterMs(response.headers?.['retry-after']) : undefined };
}

const statusHints: Record<number, string> = {
  401: 'the token was rejected; check that it is set and not expired',
  403: 'the token lacks permission; deployment statuses need "deployments: write"',
  404: 'the repository does not exist or the token cannot see it',
};

function hintFor(status: number | undefined): string {
  const hint = status === undefined ? undefined : statusHints[status];
  return hint ? ` (${hint})` : '';
}

function redactor(token: string): (text: string) => string {
  return token.length < 4 ? (text) => text : (text) => text.replaceAll(token, '***');
}
