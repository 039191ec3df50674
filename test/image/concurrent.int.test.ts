import { afterAll, describe, expect, test } from 'vitest';
import { requireTestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { readImageIndex } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { startTcpGate, type TcpGate } from '../support/tcp-gate.js';
import { oci, serviceRepo, uniqueRepository } from './helpers.js';

// Two runs publish the same version from different commits at once (a tag moved and pushed again
// while the first run still builds, two dispatches…). DESIGN.md: "If it exists from another commit,
// the step fails and changes nothing." Both runs ask the registry first and both hear "no such
// tag": gates in front of the bed's registry hold the PUT of the tag until both have asked, so the
// interleaving is the same on every run of the test, however fast the machine. Each run goes
// through a gate of its own (another host:port, the same registry storage): on one engine, two
// builds naming the same image collide in its local image store, which CI runners (one engine per
// job) never see.

describe('concurrent runs of one version', () => {
  const made: TestRepo[] = [];
  const gates: TcpGate[] = [];
  afterAll(async () => {
    made.forEach((r) => r.cleanup());
    await Promise.all(gates.map((g) => g.close()));
  });

  // A registry cannot refuse an overwrite, so both pushes may land; the check after the push (the
  // tag's revision must be this commit) makes the loser fail before it moves anything. On one
  // engine the loser may also fail earlier, with buildx's "image … already exists" (the docker
  // driver names the image locally under the tag).
  test('exactly one succeeds; the other exits 1, and the tag holds the commit of the one that succeeded', async () => {
    const bed = requireTestBed();
    const [host, port] = bed.registry.split(':') as [string, string];
    gates.push(await startTcpGate({ host, port: Number(port) }), await startTcpGate({ host, port: Number(port) }));
    const [gateX, gateY] = gates as [TcpGate, TcpGate];
    const repository = uniqueRepository('concurrent');
    const x = serviceRepo(bed);
    const y = serviceRepo(bed);
    made.push(x, y);
    const shaX = x.commit('fix: x', { content: 'x\n' });
    const shaY = y.commit('fix: y', { content: 'y\n' });
    expect(shaX).not.toBe(shaY);

    let building = 0;
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    const safety = setTimeout(release, 30_000); // never a deadlock, whatever happens
    for (const gate of gates) gate.hold(new RegExp(`^PUT /v2/${repository}/manifests/v1\\.0\\.0 `), bothAsked);
    const onStderrLine = (line: string) => {
      // release-flow logs "Building …" after its registry check, before buildx starts.
      if (line.startsWith('Building ') && ++building === 2) release();
    };
    const args = (gate: TcpGate) => ['image', '--image', `${gate.host}/${repository}`, '--version', '1.0.0', '--push', '--cache', 'none'];
    const [rx, ry] = await Promise.all([runCliAsync(args(gateX), { cwd: x.dir, onStderrLine }), runCliAsync(args(gateY), { cwd: y.dir, onStderrLine })]);
    clearTimeout(safety);
    expect(building, 'both runs passed the registry check before either pushed').toBe(2);

    const { images } = await readImageIndex({ registry: bed.registry, repository }, 'v1.0.0');
    const revision = images[0]!.config.config?.Labels?.[`${oci}revision`];
    const results = { [shaX]: rx, [shaY]: ry };
    const winner = results[revision!];
    const loser = revision === shaX ? ry : rx;
    expect(winner?.code, `the run of ${revision} succeeded:\n${winner?.stderr.slice(-1500)}`).toBe(0);
    expect(loser.code, `the other run failed:\n${loser.stdout}\n${loser.stderr.slice(-1500)}`).toBe(1);
    expect(loser.stderr).toMatch(/immutable|already exists/i);
  }, 120_000);
});
