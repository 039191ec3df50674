import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { tagDigest } from '../support/registry-read.js';
import { freePort, startOwnRegistry, type OwnRegistry } from '../support/registry-server.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { startTcpGate, type TcpGate } from '../support/tcp-gate.js';
import { buildRan, jsonOutcome, serviceRepo, uniqueRepository } from './helpers.js';

// The registry fails: nothing listens at all; it goes away between the push of the immutable tag
// and the move of latest; it is stopped while the image builds. Each time: bounded retries, exit 1
// with one clear message, and no moving tag moved. The registry that goes away is this file's own
// (`docker-registry serve` on a free port), never the bed's, which other tests use; the gate in
// front of it goes down at an exact point of the conversation.

/** release-flow's retry lines for one call: "…: ECONNREFUSED on HEAD …, retrying in 500ms (attempt 2 of 4)". */
function retryLines(stderr: string, call: string): string[] {
  return stderr.split('\n').filter((line) => line.includes(`on ${call}, retrying in`));
}

describe('the registry does not answer', () => {
  let bed: TestBed;
  let repo: TestRepo;

  beforeAll(() => {
    bed = requireTestBed();
    repo = serviceRepo(bed);
  });
  afterAll(() => repo?.cleanup());

  test('nothing listens on its port: bounded retries, then exit 1 naming the registry and the call; nothing built', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const repository = uniqueRepository('nolistener');
    const result = await runCliAsync(['image', '--image', `${host}/${repository}`, '--version', '1.0.0', '--push'], { cwd: repo.dir });
    const call = `HEAD /v2/${repository}/manifests/v1.0.0`;
    expect(result.code, result.stderr).toBe(1);
    expect(retryLines(result.stderr, call)).toHaveLength(3);
    const message = result.stderr.trim().split('\n').at(-1)!;
    expect(message).toBe(`release-flow image: registry ${host} did not answer ${call} after 4 attempts (last: ECONNREFUSED)`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(buildRan(result.stderr)).toBe(false);
    expect(result.ms).toBeLessThan(20_000);
  }, 60_000);
});

describe('a registry of our own goes away mid-run', () => {
  let bed: TestBed;
  let repo: TestRepo;
  let own: OwnRegistry;
  let gate: TcpGate;
  const repository = uniqueRepository('down');
  let b: string;
  let c: string;
  let digestB: string | null = null;

  const viaGate = () => ({ registry: gate.host, repository });
  const buildMain = (host: string, sha: string, options: { json?: boolean; onStderrLine?: (line: string) => void } = {}) => {
    repo.checkout(sha);
    return runCliAsync(['image', '--image', `${host}/${repository}`, '--main', '--push', ...(options.json ? ['--json'] : [])], {
      cwd: repo.dir,
      ...(options.onStderrLine && { onStderrLine: options.onStderrLine }),
    });
  };

  beforeAll(async () => {
    bed = requireTestBed();
    own = await startOwnRegistry();
    gate = await startTcpGate({ host: '127.0.0.1', port: own.port });
    repo = serviceRepo(bed);
    b = repo.commit('feat: b');
    c = repo.commit('feat: c');
    digestB = jsonOutcome(await buildMain(gate.host, b, { json: true })).digest;
  }, 120_000);

  // A failed test must not leave the next one without its registry.
  afterEach(async () => {
    await gate?.up();
    await own?.start();
  });

  afterAll(async () => {
    await gate?.close();
    await own?.close();
    repo?.cleanup();
  });

  test('after the sha-<7> push, while latest is being checked: retries, exit 1, latest left on B; back up, a re-run completes the move', async () => {
    expect(digestB).toBe(await tagDigest(viaGate(), 'latest'));
    const sha7 = `sha-${c.slice(0, 7)}`;
    // The first thing after the build is release-flow asking where latest is (HEAD, then GET by
    // digest): the registry answers the HEAD and is gone for the rest. (Not "after the PUT of the
    // tag": buildx's docker driver pushes the tag twice, once from BuildKit and once "with docker".)
    const wentDown = gate.downAfterAnswerTo(new RegExp(`^HEAD /v2/${repository}/manifests/latest `));
    const result = await buildMain(gate.host, c);
    expect(gate.isDown, `the gate saw release-flow ask for latest; requests: ${gate.requests.join(' | ')}`).toBe(true);
    await wentDown;

    const call = `GET /v2/${repository}/manifests/${digestB}`;
    expect(result.code, result.stderr.slice(-3000)).toBe(1);
    expect(result.stderr).toContain(`Pushed ${gate.host}/${repository}:${sha7}`);
    expect(retryLines(result.stderr, call)).toHaveLength(3);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(`release-flow image: registry ${gate.host} did not answer ${call} after 4 attempts (last: ECONNREFUSED)`);
    expect(result.stderr).not.toContain(`Moved ${gate.host}/${repository}:latest`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.ms).toBeLessThan(60_000);

    await gate.up();
    expect(await tagDigest(viaGate(), 'latest'), 'latest was not moved').toBe(digestB);
    const digestC = await tagDigest(viaGate(), sha7);
    expect(digestC, 'the immutable tag went first').toBeTruthy();

    const again = await buildMain(gate.host, c, { json: true });
    expect(jsonOutcome(again)).toMatchObject({ existing: true, pushed: false, digest: digestC, tags: [sha7, 'latest'] });
    expect(buildRan(again.stderr)).toBe(false);
    expect(await tagDigest(viaGate(), 'latest')).toBe(digestC);
  }, 120_000);

  test('stopped while the image builds: exit 1 with buildx\'s reason, nothing pushed, latest unchanged', async () => {
    const latest = await tagDigest(viaGate(), 'latest');
    expect(latest).toBeTruthy();
    const d = repo.commit('feat: d');
    let stopping: Promise<void> | null = null;
    const result = await buildMain(own.host, d, {
      onStderrLine: (line) => {
        if (!stopping && line.startsWith('Building ')) stopping = own.stop();
      },
    });
    expect(stopping, 'the build started').not.toBeNull();
    await stopping;
    expect(result.code, result.stderr.slice(-3000)).toBe(1);
    expect(result.stderr).toMatch(/release-flow image: docker buildx build .*failed \(exit 1\)/);
    expect(result.stderr).toMatch(/connection refused/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.ms).toBeLessThan(60_000);

    await own.start();
    expect(await tagDigest(viaGate(), `sha-${d.slice(0, 7)}`)).toBeNull();
    expect(await tagDigest(viaGate(), 'latest')).toBe(latest);
  }, 120_000);
});
