import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction, type ActionRun, type RunActionOptions } from '../actions/run-action.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { listTags, tagDigest } from '../support/registry-read.js';
import { commitCreated, expectedOciLabels, expectPublished, serviceRepo, testImage, type TestImage } from './helpers.js';

// actions/image as the runner runs it: `node dist/image/index.js` with INPUT_* variables (action.yml
// defaults for the rest), GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_WORKSPACE, and
// the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files read back.

// test/actions/run-action.ts does not list the image action in its ActionName type yet; at run time
// it only needs actions/image/action.yml, which exists.
const image_ = 'image';

/** The rows of the summary's first table, cells as text. */
function summaryRows(summary: string): string[][] {
  const table = /<table>([\s\S]*?)<\/table>/.exec(summary)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1]!));
}

describe('actions/image (node dist/image/index.js)', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;
  let a: string;
  let b: string;
  let release: ActionRun;

  const serverUrl = 'https://github.example.com';
  const run = (options: Omit<RunActionOptions, 'workspace'>) =>
    runAction(image_, { workspace: repo.dir, repository: 'acme/synapse', serverUrl, timeoutMs: 120_000, ...options });
  const releaseInputs = () => ({
    image: image.name,
    version: '2.0.0',
    'build-args': 'SERVICE_VERSION=2.0.0',
    description: 'Memory server for opencode clients',
    licenses: 'MIT',
    'floating-tags': 'true',
  });

  beforeAll(async () => {
    bed = requireTestBed();
    image = testImage(bed.registry, 'action');
    // No origin remote: the source comes from GITHUB_SERVER_URL and GITHUB_REPOSITORY alone.
    repo = serviceRepo(bed, { origin: 'https://elsewhere.example/not/this.git' });
    a = repo.head();
    repo.tag('v1.9.0');
    b = repo.commit('feat!: a new storage format');
    repo.tag('v2.0.0');
    release = await run({ ref: 'refs/tags/v2.0.0', inputs: releaseInputs() });
  }, 180_000);

  afterAll(() => repo?.cleanup());

  test('a release: outputs digest, tags, refs, platforms, pushed and existing', async () => {
    expect(release.exitCode, `${release.stdout.slice(-3000)}\n${release.stderr}`).toBe(0);
    expect(release.errors).toEqual([]);
    const digest = await tagDigest(image, 'v2.0.0');
    expect(release.outputs).toEqual({
      digest,
      tags: [`${image.name}:v2.0.0`, `${image.name}:v2.0`, `${image.name}:v2`].join('\n'),
      refs: [`${image.name}:v2.0.0@${digest}`, `${image.name}:v2.0@${digest}`, `${image.name}:v2@${digest}`].join('\n'),
      platforms: 'linux/amd64,linux/arm64',
      pushed: 'true',
      existing: 'false',
    });
    expect(await listTags(image)).toEqual(['buildcache', 'v2', 'v2.0', 'v2.0.0']);
    expect(await tagDigest(image, 'v2')).toBe(digest);
  });

  test('a release: labels and annotations from GITHUB_REPOSITORY and GITHUB_SERVER_URL, with description and licenses', async () => {
    expect(release.exitCode).toBe(0);
    await expectPublished(
      image,
      'v2.0.0',
      expectedOciLabels({
        title: 'synapse',
        source: `${serverUrl}/acme/synapse`,
        version: '2.0.0',
        revision: b,
        created: commitCreated(repo, b),
        description: 'Memory server for opencode clients',
        licenses: 'MIT',
      }),
    );
  });

  test('a release: the job summary has a table of every tag with the digest', () => {
    expect(release.exitCode).toBe(0);
    const digest = release.outputs.digest!;
    expect(release.summary).toContain(`Image ${image.name}`);
    expect(release.summary).toContain('linux/amd64, linux/arm64');
    expect(summaryRows(release.summary)).toEqual([
      ['tag', 'digest'],
      [`${image.name}:v2.0.0`, digest],
      [`${image.name}:v2.0`, digest],
      [`${image.name}:v2`, digest],
    ]);
  });

  test('a re-run of the release: existing=true, pushed=false, the same digest and refs, nothing built', async () => {
    expect(release.exitCode).toBe(0);
    const again = await run({ ref: 'refs/tags/v2.0.0', inputs: releaseInputs() });
    expect(again.exitCode, again.stdout.slice(-3000)).toBe(0);
    expect(again.outputs).toMatchObject({ digest: release.outputs.digest, existing: 'true', pushed: 'false', refs: release.outputs.refs });
    expect(again.stdout).not.toMatch(/^Building /m);
    expect(again.summary).toContain('already published from this commit');
  });

  test('main at B, then at its ancestor A: latest stays on B, with a notice, and the step succeeds', async () => {
    const atB = await run({ ref: 'refs/heads/main', sha: b, inputs: { image: image.name, main: 'true' } });
    expect(atB.exitCode, atB.stdout.slice(-3000)).toBe(0);
    const digestB = atB.outputs.digest!;
    expect(atB.outputs.tags).toBe([`${image.name}:sha-${b.slice(0, 7)}`, `${image.name}:latest`].join('\n'));
    expect(await tagDigest(image, 'latest')).toBe(digestB);

    repo.checkout(a);
    const atA = await run({ ref: 'refs/heads/main', sha: a, inputs: { image: image.name, main: 'true' } });
    expect(atA.exitCode, atA.stdout.slice(-3000)).toBe(0);
    expect(atA.outputs).toMatchObject({ tags: `${image.name}:sha-${a.slice(0, 7)}`, pushed: 'true', existing: 'false' });
    expect(atA.notices.map((n) => n.properties.title)).toEqual(['latest left where it is']);
    expect(atA.notices[0]!.message).toContain(b.slice(0, 12));
    expect(summaryRows(atA.summary).at(-1)).toEqual([`${image.name}:latest`, expect.stringMatching(/^not moved: /)]);
    expect(await tagDigest(image, 'latest')).toBe(digestB);
  }, 120_000);
});
