import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction } from '../actions/run-action.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { shallowClone, type TestRepo } from '../support/git-repo.js';
import { tagDigest } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { copyBusybox, jsonOutcome, serviceRepo, testImage, type TestImage } from './helpers.js';

// The image action in the checkout a runner makes by default: actions/checkout with fetch-depth 1,
// one commit and only the tags on it. The moving tags depend on history the clone lacks: whether
// latest's commit is an ancestor, and which releases exist in a floating tag's line. DESIGN.md:
// shallow clones are detected and the action deepens the history itself; it never computes from
// an incomplete history.

describe('actions/image in a shallow clone (actions/checkout fetch-depth: 1)', () => {
  let bed: TestBed;
  let full: TestRepo;
  const clones: TestRepo[] = [];

  beforeAll(() => {
    bed = requireTestBed();
  });
  afterAll(() => {
    full?.cleanup();
    clones.forEach((c) => c.cleanup());
  });

  const action = (clone: TestRepo, sha: string, inputs: Record<string, string>) =>
    runAction('image', { workspace: clone.dir, ref: 'refs/heads/main', sha, repository: 'acme/synapse', inputs, timeoutMs: 120_000 });

  // A default checkout (fetch-depth 1) does not hold B: without deepening, latest would be held
  // ("built from <B>, a commit this clone does not have") on every build of main, for ever.
  test('main at C, latest on its parent B (built from a full clone): latest moves to C', async () => {
    const image: TestImage = testImage(bed.registry, 'shallow-latest');
    full = serviceRepo(bed);
    const b = full.commit('feat: b');
    const built = jsonOutcome(await runCliAsync(['image', '--image', image.name, '--main', '--push', '--json'], { cwd: full.dir }));
    expect(await tagDigest(image, 'latest')).toBe(built.digest);
    expect(built.tags).toContain('latest');

    const c = full.commit('feat: c');
    const clone = shallowClone(full, 1);
    clones.push(clone);
    copyBusybox(bed, clone.dir);
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
    expect(clone.head()).toBe(c);
    const result = await action(clone, c, { image: image.name, main: 'true' });
    expect(result.exitCode, result.stdout.slice(-3000)).toBe(0);
    expect(result.notices.map((n) => n.message), `B=${b.slice(0, 12)}`).toEqual([]);
    expect(await tagDigest(image, 'latest')).toBe(result.outputs.digest);
  }, 120_000);

  // The released versions come from the tags: a depth-1 checkout of v1.2.1 has no other, and
  // without deepening v1 would move back from 1.3.0 to 1.2.1.
  test('a hotfix v1.2.1 while v1.3.0 exists: v1.2 moves, v1 stays on v1.3.0', async () => {
    const image: TestImage = testImage(bed.registry, 'shallow-floating');
    const repo = serviceRepo(bed);
    clones.push(repo);
    const a = repo.head();
    repo.tag('v1.2.0');
    repo.commit('feat: the 1.3 feature');
    repo.tag('v1.3.0');
    const v13 = jsonOutcome(await runCliAsync(['image', '--image', image.name, '--version', '1.3.0', '--floating', '--push', '--json'], { cwd: repo.dir }));
    expect(v13.tags).toEqual(['v1.3.0', 'v1.3', 'v1']);

    // The hotfix branch from v1.2.0, tagged v1.2.1, checked out as a tag push checks it out.
    repo.branch('hotfix', a);
    repo.checkout('hotfix');
    const h = repo.commit('fix: the hotfix');
    repo.tag('v1.2.1');
    const clone = shallowClone(repo, 1);
    clones.push(clone);
    copyBusybox(bed, clone.dir);
    expect(clone.head()).toBe(h);
    const result = await runAction('image', {
      workspace: clone.dir,
      ref: 'refs/tags/v1.2.1',
      sha: h,
      repository: 'acme/synapse',
      inputs: { image: image.name, version: '1.2.1', 'floating-tags': 'true' },
      timeoutMs: 120_000,
    });
    expect(result.exitCode, result.stdout.slice(-3000)).toBe(0);
    expect(await tagDigest(image, 'v1'), 'v1 still on 1.3.0').toBe(v13.digest);
    expect(result.outputs.tags).toBe([`${image.name}:v1.2.1`, `${image.name}:v1.2`].join('\n'));
  }, 120_000);
});
