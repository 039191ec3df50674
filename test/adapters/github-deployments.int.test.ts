import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubDeployments, GitHubDeploymentsError, trackDeployment } from '../../src/adapters/github-deployments.js';
import type { DeploymentTarget, GitHubDeploymentsOptions } from '../../src/adapters/github-deployments.js';
import { startFakeGitHub } from '../support/fake-github.js';
import type { FakeGitHub } from '../support/fake-github.js';

const token = 'ghs_deploytoken_0123456789';
const sha = '0123456789abcdef0123456789abcdef01234567';

const target: DeploymentTarget = {
  owner: 'acme',
  repo: 'rocket',
  ref: sha,
  environment: 'production',
  productionEnvironment: true,
  description: 'release-flow deploy 1.2.0',
  logUrl: 'https://github.com/acme/rocket/actions/runs/1',
};

let fake: FakeGitHub;
let logs: string[];
let warnings: string[];

beforeEach(async () => {
  fake = await startFakeGitHub({ token });
  logs = [];
  warnings = [];
});

afterEach(async () => {
  await fake.close();
});

function client(overrides: Partial<GitHubDeploymentsOptions> = {}) {
  return createGitHubDeployments({ token, apiUrl: fake.url, retryBaseDelayMs: 5, maxRetryDelayMs: 50, log: (line) => logs.push(line), ...overrides });
}

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);

describe('createGitHubDeployments', () => {
  it('creates a deployment for the commit with auto_merge off and no required contexts, then statuses', async () => {
    const { id } = await client().createDeployment({ owner: 'acme', repo: 'rocket', ref: sha, environment: 'production', productionEnvironment: true });
    await client().createStatus({ owner: 'acme', repo: 'rocket', deploymentId: id, state: 'success', environmentUrl: 'http://localhost:8080', logUrl: target.logUrl! });
    expect(fake.deployments).toHaveLength(1);
    expect(fake.deployments[0]).toMatchObject({ id, ref: sha, environment: 'production', auto_merge: false, required_contexts: [], production_environment: true });
    expect(fake.deployments[0]!.statuses).toEqual([expect.objectContaining({ state: 'success', environment_url: 'http://localhost:8080', log_url: target.logUrl })]);
    expect(fake.requests[0]!.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('retries a 5xx, then gives up with a message that names the call and not the token', async () => {
    fake.failNext(10, 502, {}, { message: `bad gateway for ${token}` });
    const error = await client({ retries: 2 }).createDeployment({ owner: 'acme', repo: 'rocket', ref: sha, environment: 'production' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubDeploymentsError);
    expect((error as Error).message).toMatch(/GitHub API 502 on POST \/repos\/acme\/rocket\/deployments.*gave up after 3 attempts/);
    expect((error as Error).message).not.toContain(token);
    expect(logs.join('\n')).not.toContain(token);
    expect(calls()).toHaveLength(3);
  });

  it('does not retry a 401 and says what to check', async () => {
    const error = await client({ token: 'ghs_wrong_token_xyz' }).createDeployment({ owner: 'acme', repo: 'rocket', ref: sha, environment: 'production' }).catch((e: unknown) => e);
    expect((error as GitHubDeploymentsError).status).toBe(401);
    expect((error as Error).message).toMatch(/token was rejected/);
    expect(calls()).toHaveLength(1);
  });
});

describe('trackDeployment (best-effort)', () => {
  it('records the deployment, in_progress, then success with the environment URL', async () => {
    const tracker = trackDeployment(client(), target, (w) => warnings.push(w));
    await tracker.start();
    await tracker.finish('success', { description: 'prod serves 1.2.0', environmentUrl: 'http://localhost:8080' });
    expect(warnings).toEqual([]);
    expect(fake.deployments.map((d) => [d.environment, d.statuses.map((s) => s.state)])).toEqual([['production', ['in_progress', 'success']]]);
    expect(fake.deployments[0]!.statuses[1]!.environment_url).toBe('http://localhost:8080');
  });

  it.each([500, 401])('every call answered %i: one warning, nothing thrown, no further calls', async (status) => {
    fake.failNext(100, status, {}, undefined, { path: /\/deployments/ });
    const tracker = trackDeployment(client(), target, (w) => warnings.push(w));
    await expect(tracker.start()).resolves.toBeUndefined();
    await expect(tracker.finish('failure', { description: 'rolled back' })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`GitHub deployment status not recorded \\(creating the deployment\\); the deploy is not affected: GitHub API ${status}`));
    expect(warnings[0]).not.toContain(token);
    expect(fake.deployments).toEqual([]);
  });

  it('a failing status after the deployment was created is one warning; the next status is skipped', async () => {
    fake.failNext(100, 500, {}, undefined, { path: /\/statuses$/ });
    const tracker = trackDeployment(client({ retries: 0 }), target, (w) => warnings.push(w));
    await tracker.start();
    await tracker.finish('success', { description: 'ok' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\(in_progress\)/);
    expect(calls().filter((c) => c.endsWith('/statuses'))).toHaveLength(1);
  });
});
