import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHubReleases, GitHubApiError } from '../../src/adapters/github.js';
import type { GitHubReleasesOptions, ReleaseRequest } from '../../src/adapters/github.js';
import { releaseKey, startFakeGitHub } from '../support/fake-github.js';
import type { FakeGitHub } from '../support/fake-github.js';

const token = 'ghs_testtoken_0123456789';

const release: ReleaseRequest = {
  owner: 'acme',
  repo: 'rocket',
  tag: 'v1.2.0',
  name: 'v1.2.0',
  body: '## Features\n\n* launch faster',
  prerelease: false,
  makeLatest: true,
};

let fake: FakeGitHub;
let logs: string[];

beforeEach(async () => {
  fake = await startFakeGitHub({ token });
  logs = [];
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake.close();
});

function adapter(overrides: Partial<GitHubReleasesOptions> = {}) {
  return createGitHubReleases({
    token,
    apiUrl: fake.url,
    retryBaseDelayMs: 5,
    maxRetryDelayMs: 150,
    log: (line) => logs.push(line),
    ...overrides,
  });
}

function calls(): string[] {
  return fake.requests.map((request) => `${request.method} ${request.path}`);
}

async function rejection(promise: Promise<unknown>): Promise<GitHubApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  return error as GitHubApiError;
}

describe('upsertRelease', () => {
  it('creates the release when the tag has none', async () => {
    const result = await adapter().upsertRelease(release);

    expect(result).toEqual({ id: expect.any(Number), url: `${fake.url}/acme/rocket/releases/tag/v1.2.0`, created: true });
    expect(calls()).toEqual(['GET /repos/acme/rocket/releases/tags/v1.2.0', 'POST /repos/acme/rocket/releases']);
    expect(fake.requests[1]!.body).toEqual({
      tag_name: 'v1.2.0',
      name: 'v1.2.0',
      body: release.body,
      prerelease: false,
      make_latest: 'true',
    });
    expect(fake.requests[0]!.headers.authorization).toBe(`token ${token}`);
    expect(logs).toEqual([]);
  });

  it('updates the same release on a second call instead of creating another', async () => {
    const first = await adapter().upsertRelease(release);
    fake.requests.length = 0;

    const second = await adapter().upsertRelease({ ...release, name: 'Rocket 1.2.0', body: 'rewritten notes' });

    expect(second).toEqual({ id: first.id, url: first.url, created: false });
    expect(calls()).toEqual(['GET /repos/acme/rocket/releases/tags/v1.2.0', `PATCH /repos/acme/rocket/releases/${first.id}`]);
    expect(fake.requests[1]!.body).toEqual({ name: 'Rocket 1.2.0', body: 'rewritten notes', prerelease: false, make_latest: 'true' });
    expect(fake.releases.size).toBe(1);
    expect(fake.releases.get(releaseKey('acme', 'rocket', 'v1.2.0'))).toMatchObject({ name: 'Rocket 1.2.0', body: 'rewritten notes' });
  });

  it('sends prerelease, make_latest as a string and target_commitish as given', async () => {
    await adapter().upsertRelease({ ...release, tag: 'v2.0.0-rc.1', prerelease: true, makeLatest: false, targetCommitish: 'abc1234' });

    expect(fake.requests[1]!.body).toMatchObject({ prerelease: true, make_latest: 'false', target_commitish: 'abc1234' });
    expect(fake.releases.get(releaseKey('acme', 'rocket', 'v2.0.0-rc.1'))).toMatchObject({
      prerelease: true,
      make_latest: 'false',
      target_commitish: 'abc1234',
    });

    await adapter().upsertRelease({ ...release, tag: 'v2.0.0-rc.1', prerelease: false, makeLatest: true });
    expect(fake.requests[3]!.method).toBe('PATCH');
    expect(fake.requests[3]!.body).toMatchObject({ prerelease: false, make_latest: 'true' });
  });

  it('handles tags with a slash, as monorepos use', async () => {
    const result = await adapter().upsertRelease({ ...release, tag: 'web/v1.0.0' });
    expect(result.created).toBe(true);
    expect((await adapter().upsertRelease({ ...release, tag: 'web/v1.0.0' })).created).toBe(false);
    expect(fake.releases.size).toBe(1);
  });

  it('updates a release that appeared between the lookup and the create', async () => {
    const first = await adapter().upsertRelease(release);
    fake.requests.length = 0;
    // The lookup misses as if another run had not yet created it; the POST then hits the duplicate.
    fake.failNext(1, 404, {}, undefined, { method: 'GET' });

    const second = await adapter().upsertRelease({ ...release, body: 'from the second run' });

    expect(second).toEqual({ id: first.id, url: first.url, created: false });
    expect(calls()).toEqual([
      'GET /repos/acme/rocket/releases/tags/v1.2.0',
      'POST /repos/acme/rocket/releases',
      'GET /repos/acme/rocket/releases/tags/v1.2.0',
      `PATCH /repos/acme/rocket/releases/${first.id}`,
    ]);
    expect(fake.releases.get(releaseKey('acme', 'rocket', 'v1.2.0'))!.body).toBe('from the second run');
  });
});

describe('API location', () => {
  it('works under a GHES-style /api/v3 prefix', async () => {
    const result = await adapter({ apiUrl: `${fake.url}/api/v3/` }).upsertRelease(release);

    expect(result.created).toBe(true);
    expect(calls()).toEqual(['GET /api/v3/repos/acme/rocket/releases/tags/v1.2.0', 'POST /api/v3/repos/acme/rocket/releases']);
  });

  it('defaults to GITHUB_API_URL', async () => {
    vi.stubEnv('GITHUB_API_URL', `${fake.url}/api/v3`);
    const result = await adapter({ apiUrl: undefined }).upsertRelease(release);

    expect(result.created).toBe(true);
    expect(fake.requests[0]!.path).toBe('/api/v3/repos/acme/rocket/releases/tags/v1.2.0');
  });
});

describe('retries', () => {
  it('retries a 502 and then succeeds, reporting the retry', async () => {
    fake.failNext(1, 502, {}, undefined, { method: 'POST' });

    const result = await adapter().upsertRelease(release);

    expect(result.created).toBe(true);
    expect(calls()).toEqual([
      'GET /repos/acme/rocket/releases/tags/v1.2.0',
      'POST /repos/acme/rocket/releases',
      'POST /repos/acme/rocket/releases',
    ]);
    expect(logs).toEqual(['GitHub API 502 on POST /repos/acme/rocket/releases, retrying in 5ms (attempt 2 of 4)']);
  });

  it('backs off exponentially', async () => {
    fake.failNext(3, 500);

    await adapter().upsertRelease(release);

    expect(logs.map((line) => /retrying in (\S+)/.exec(line)?.[1])).toEqual(['5ms', '10ms', '20ms']);
  });

  it('retries a 429 after the time retry-after asks for, within the cap', async () => {
    fake.failNext(1, 429, { 'retry-after': '1' });
    const started = Date.now();

    const result = await adapter({ retryBaseDelayMs: 1 }).upsertRelease(release);

    expect(result.created).toBe(true);
    // retry-after (1s) won over the 1ms backoff, and was capped at maxRetryDelayMs.
    expect(logs).toEqual(['GitHub API 429 on GET /repos/acme/rocket/releases/tags/v1.2.0, retrying in 150ms (attempt 2 of 4)']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('retries a 403 whose x-ratelimit-remaining is 0, waiting for the reset', async () => {
    const resetInOneSecond = String(Math.ceil(Date.now() / 1000) + 1);
    fake.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetInOneSecond }, {
      message: 'API rate limit exceeded for installation ID 42.',
    });

    const result = await adapter({ retryBaseDelayMs: 1 }).upsertRelease(release);

    expect(result.created).toBe(true);
    expect(logs).toEqual(['GitHub API 403 on GET /repos/acme/rocket/releases/tags/v1.2.0, retrying in 150ms (attempt 2 of 4)']);
  });

  it('retries a secondary rate limit 403 that carries retry-after', async () => {
    fake.failNext(1, 403, { 'retry-after': '0' }, { message: 'You have exceeded a secondary rate limit.' }, { method: 'POST' });

    expect((await adapter().upsertRelease(release)).created).toBe(true);
    expect(logs).toEqual(['GitHub API 403 on POST /repos/acme/rocket/releases, retrying in 0ms (attempt 2 of 4)']);
  });

  it('gives up after the bounded number of retries with a clear error', async () => {
    fake.failNext(10, 503, {}, { message: 'Service Unavailable' });

    const error = await rejection(adapter({ retries: 2 }).upsertRelease(release));

    expect(error.message).toBe(
      'GitHub API 503 on GET /repos/acme/rocket/releases/tags/v1.2.0: Service Unavailable (gave up after 3 attempts)',
    );
    expect(error.status).toBe(503);
    expect(fake.requests).toHaveLength(3);
    expect(logs).toHaveLength(2);
    expect(logs[1]).toContain('(attempt 3 of 3)');
  });

  it('retries when no response arrives at all', async () => {
    const closedPort = await unusedPort();

    const error = await rejection(adapter({ apiUrl: `http://127.0.0.1:${closedPort}`, retries: 1 }).upsertRelease(release));

    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/^GitHub API request failed \(no response\) on GET \/repos\/acme\/rocket\/releases\/tags\/v1\.2\.0: .+ \(gave up after 2 attempts\)$/);
    expect(logs).toHaveLength(1);
  });

  it('treats a request that does not answer in time as having no response', async () => {
    const silent = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const slow = adapter({ apiUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 50, retries: 1 });
      const error = await rejection(slow.upsertRelease(release));
      expect(error.message).toMatch(/^GitHub API request failed \(no response\) on GET .*timeout.*\(gave up after 2 attempts\)$/i);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('errors that are not retried', () => {
  it('fails at once on 401 with the API message and without the token', async () => {
    const wrongToken = 'ghp_wrong_but_secret_987654';

    const error = await rejection(adapter({ token: wrongToken }).upsertRelease(release));

    expect(error.message).toContain('GitHub API 401 on GET /repos/acme/rocket/releases/tags/v1.2.0: Bad credentials');
    expect(error.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe(`token ${wrongToken}`);
    for (const text of [error.message, String(error.stack), JSON.stringify(error), ...logs]) {
      expect(text).not.toContain(wrongToken);
    }
  });

  it('redacts the token even when the API echoes it back', async () => {
    fake.failNext(1, 400, {}, { message: `malformed request with ${token}` });

    const error = await rejection(adapter().upsertRelease(release));

    expect(error.message).toBe('GitHub API 400 on GET /repos/acme/rocket/releases/tags/v1.2.0: malformed request with ***');
  });

  it('fails at once on 422 with the API message and each error code', async () => {
    fake.failNext(1, 422, {}, {
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'invalid', field: 'target_commitish' }],
      documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
    }, { method: 'POST' });

    const error = await rejection(adapter().upsertRelease({ ...release, targetCommitish: 'no-such-branch' }));

    expect(error.message).toBe('GitHub API 422 on POST /repos/acme/rocket/releases: Validation Failed; Release.target_commitish invalid');
    expect(error.errorCodes).toEqual(['invalid']);
    expect(calls().filter((call) => call.startsWith('POST'))).toHaveLength(1);
    expect(logs).toEqual([]);
  });

  it('includes errors[].message when the API gives one', async () => {
    fake.failNext(1, 422, {}, {
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'custom', field: 'tag_name', message: 'tag_name is not a valid tag' }],
    }, { method: 'POST' });

    const error = await rejection(adapter().upsertRelease(release));

    expect(error.message).toContain('Validation Failed; Release.tag_name custom: tag_name is not a valid tag');
  });

  it('fails at once on a 403 that is not a rate limit, saying what permission is needed', async () => {
    fake.failNext(1, 403, {}, { message: 'Resource not accessible by integration' }, { method: 'POST' });

    const error = await rejection(adapter().upsertRelease(release));

    expect(error.message).toBe(
      'GitHub API 403 on POST /repos/acme/rocket/releases: Resource not accessible by integration ' +
        '(the token lacks permission; creating releases needs "contents: write")',
    );
    expect(logs).toEqual([]);
  });

  it('fails on 404 from the create, when the repository is not there', async () => {
    fake.failNext(1, 404, {}, undefined, { method: 'POST' });

    const error = await rejection(adapter().upsertRelease(release));

    expect(error.message).toMatch(/^GitHub API 404 on POST \/repos\/acme\/rocket\/releases: Not Found/);
  });
});

describe('fake GitHub server', () => {
  it('answers 401 Bad credentials when the Authorization header is missing', async () => {
    const response = await fetch(`${fake.url}/repos/acme/rocket/releases/tags/v1.2.0`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Bad credentials' });
  });

  it('answers 422 already_exists when POSTing a tag that has a release', async () => {
    const post = () =>
      fetch(`${fake.url}/repos/acme/rocket/releases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ tag_name: 'v1.0.0' }),
      });
    expect((await post()).status).toBe(201);

    const duplicate = await post();
    expect(duplicate.status).toBe(422);
    expect(await duplicate.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
    });
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
