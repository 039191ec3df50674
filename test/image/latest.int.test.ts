import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { listTags, tagDigest } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { buildRan, commitCreated, expectedOciLabels, expectPublished, jsonOutcome, serviceRepo, testImage, type TestImage } from './helpers.js';

// Builds of main: `sha-<7>` and `latest`, and the race DESIGN.md guards against: builds that finish
// out of order. Main moves A → B → C; B is built first, then its ancestor A (an older run finishing
// late): latest stays on B and the run says so; then the descendant C moves it.

describe('release-flow image --main --push', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let image: TestImage;
  let a: string;
  let b: string;
  let c: string;
  let digestB: string;

  /** The work tree at `sha`, as CI checks it out. */
  const buildMain = (sha: string, ...extra: string[]) => {
    repo.checkout(sha);
    return runCliAsync(['image', '--image', image.name, '--main', '--push', ...extra], { cwd: repo.dir });
  };

  beforeAll(() => {
    bed = requireTestBed();
    image = testImage(bed.registry, 'latest');
    repo = serviceRepo(bed);
    a = repo.head();
    b = repo.commit('feat: b');
    c = repo.commit('feat: c');
  });

  afterAll(() => repo?.cleanup());

  test('main at B pushes sha-<7> and latest, both on the index, labelled with version sha-<7>', async () => {
    const outcome = jsonOutcome(await buildMain(b, '--json'));
    digestB = outcome.digest!;
    const sha7 = `sha-${b.slice(0, 7)}`;
    expect(outcome).toMatchObject({ tags: [sha7, 'latest'], pushed: true, existing: false, held: [] });
    expect(outcome.refs).toEqual([`${image.name}:${sha7}@${digestB}`, `${image.name}:latest@${digestB}`]);
    expect(await listTags(image)).toEqual(['buildcache', 'latest', sha7]);
    expect(await tagDigest(image, 'latest')).toBe(digestB);
    await expectPublished(
      image,
      'latest',
      expectedOciLabels({ title: 'synapse', source: 'https://github.com/acme/synapse', version: sha7, revision: b, created: commitCreated(repo, b) }),
    );
  }, 120_000);

  test('main at its ancestor A, finishing later, pushes sha-<7> but leaves latest on B, says so, and exits 0', async () => {
    expect(digestB, 'the build of B ran').toBeTruthy();
    const result = await buildMain(a);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toContain(`  ${image.name}:sha-${a.slice(0, 7)}`);
    expect(result.stdout).not.toContain(`${image.name}:latest`);
    expect(result.stdout).toMatch(new RegExp(`latest not moved: .*${b.slice(0, 12)}.*${a.slice(0, 12)}`));
    expect(await tagDigest(image, 'latest')).toBe(digestB);
    const digestA = await tagDigest(image, `sha-${a.slice(0, 7)}`);
    expect(digestA).toBeTruthy();
    expect(digestA).not.toBe(digestB);
  }, 120_000);

  test('main at the descendant C moves latest to C', async () => {
    expect(digestB, 'the build of B ran').toBeTruthy();
    const outcome = jsonOutcome(await buildMain(c, '--json'));
    expect(outcome).toMatchObject({ tags: [`sha-${c.slice(0, 7)}`, 'latest'], pushed: true, held: [] });
    expect(outcome.digest).not.toBe(digestB);
    expect(await tagDigest(image, 'latest')).toBe(outcome.digest);
  }, 120_000);

  test('a re-run of main at C builds nothing and leaves everything where it is', async () => {
    const latest = await tagDigest(image, 'latest');
    const result = await buildMain(c, '--json');
    const outcome = jsonOutcome(result);
    expect(outcome).toMatchObject({ existing: true, pushed: false, digest: latest, tags: [`sha-${c.slice(0, 7)}`, 'latest'] });
    expect(buildRan(result.stderr), result.stderr).toBe(false);
    expect(await tagDigest(image, 'latest')).toBe(latest);
  }, 60_000);
});
