import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { tempDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import type { TestRepo } from '../support/git-repo.js';
import { listTags, tagDigest } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { buildRan, commitCreated, expectedOciLabels, expectPublished, jsonOutcome, serviceRepo, testImage, type TestImage } from './helpers.js';

// The bed's htpasswd registry (127.0.0.1:5001). Credentials come from `docker login`, as on a
// runner after docker/login-action, into a DOCKER_CONFIG directory of the test's own: the machine's
// login state is neither read nor changed.

describe('release-flow image against a registry that needs a login', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;
  const configs: DockerConfigDir[] = [];

  beforeAll(() => {
    bed = requireTestBed();
    image = testImage(bed.authRegistry, 'auth', { username: bed.authUser, password: bed.authPassword });
    repo = serviceRepo(bed);
  });

  afterAll(() => {
    repo?.cleanup();
    configs.forEach((c) => c.cleanup());
  });

  const newConfig = () => {
    const config = tempDockerConfig();
    configs.push(config);
    return config;
  };

  test('without credentials: exit 1 before building, the message says to log in, nothing pushed', async () => {
    const empty = newConfig();
    const result = await runCliAsync(['image', '--image', image.name, '--version', '1.0.0', '--push'], { cwd: repo.dir, env: { DOCKER_CONFIG: empty.dir } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`docker login ${bed.authRegistry.replace(/\./g, '\\.')}`));
    expect(buildRan(result.stderr)).toBe(false);
    expect(await listTags(image)).toEqual([]);
  });

  test('with `docker login` credentials in DOCKER_CONFIG: pushed, and readable there; the password is never printed', async () => {
    const config = newConfig();
    config.login(bed.authRegistry, bed.authUser, bed.authPassword);
    const result = await runCliAsync(['image', '--image', image.name, '--version', '1.0.0', '--push', '--json'], { cwd: repo.dir, env: { DOCKER_CONFIG: config.dir } });
    const outcome = jsonOutcome(result);
    expect(outcome).toMatchObject({ tags: ['v1.0.0'], pushed: true, existing: false });
    expect(await tagDigest(image, 'v1.0.0')).toBe(outcome.digest);
    const sha = repo.head();
    await expectPublished(
      image,
      'v1.0.0',
      expectedOciLabels({ title: 'synapse', source: 'https://github.com/acme/synapse', version: '1.0.0', revision: sha, created: commitCreated(repo, sha) }),
    );
    const basic = Buffer.from(`${bed.authUser}:${bed.authPassword}`).toString('base64');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(bed.authPassword);
      expect(text).not.toContain(basic);
    }

    // The immutable-tag check reads through the same login: a re-run is recognised, not refused.
    const again = jsonOutcome(await runCliAsync(['image', '--image', image.name, '--version', '1.0.0', '--push', '--json'], { cwd: repo.dir, env: { DOCKER_CONFIG: config.dir } }));
    expect(again).toMatchObject({ existing: true, pushed: false, digest: outcome.digest });
  }, 120_000);
});
