import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed } from '../bed/check.js';
import { buildServiceImages, composeProject, docker, ms, requireProxyImage, underLoad, version, type ComposeProject, type LoadReport } from './helpers.js';

// The proxy mechanics a prod deploy relies on (compose/caddy/Caddyfile): blue (v1) and green (v2)
// both up behind synapse-prod, `lb_policy first` over the order in upstreams.caddy.
//   - switch: rewrite upstreams.caddy green-first + `caddy reload` moves all traffic to green, with
//     no failed request;
//   - failover: stopping the live colour moves traffic to the standby by itself (active health
//     checks + lb_try_duration), with no failed request.
// Each under a bounded load on 127.0.0.1: 20 GET /version per second for 5 s, every request on a
// new connection with a 2 s timeout. The figures are printed for the report.

const LOAD = { rate: 20, durationMs: 5000, timeoutMs: 2000, atMs: 1500 };
const log = (line: string) => console.info(`[compose proxy] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

function report(what: string, r: LoadReport): void {
  log(`${what}: ${r.summary}`);
  for (const f of r.failed) log(`  failed: sent at ${ms(f.sent)}, after ${ms(f.ended - f.sent)}: ${f.error}`);
}

/** Polls GET /version until it answers `want` (Caddy's health checker has seen the colour), or fails after `timeoutMs`. */
async function untilVersion(port: number, want: string, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  let last = '';
  while (performance.now() - t0 < timeoutMs) {
    last = await version(port).catch((e: Error) => e.message);
    if (last === want) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`127.0.0.1:${port} still answers ${last}, not ${want}, after ${timeoutMs} ms`);
}

describe('compose/caddy: blue/green switch and failover through the proxy', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    requireTestBed();
    requireProxyImage();
    buildServiceImages(requireTestBed(), 1, 2);
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    const t0 = performance.now();
    await project.composeOk('up', '-d', '--wait', 'synapse-prod');
    await project.composeOk('--profile', 'rollout', 'up', '-d', '--wait', 'synapse-prod-green');
    log(`project ${project.name} (prod 127.0.0.1:${project.prodPort}, subnet ${project.subnet}): blue v1, proxy and green v2 healthy after ${ms(performance.now() - t0)}`);
  });
  afterAll(async () => project?.destroy());

  test('blue first: every answer is v1 although green is up and healthy', async () => {
    for (let i = 0; i < 10; i++) expect(await version(project.prodPort)).toBe('1.0.0');
  });

  test('green first + caddy reload under load: all traffic moves to v2, zero failed requests', async () => {
    let reloadMs = 0;
    const r = await underLoad(project.prodPort, LOAD, async () => {
      project.writeUpstreams('green', 'blue');
      const t0 = performance.now();
      await project.composeOk('exec', '-T', 'synapse-prod', 'caddy', 'reload', '--config', '/etc/caddy/Caddyfile');
      reloadMs = performance.now() - t0;
    });
    report(`switch blue -> green (docker compose exec ... caddy reload took ${ms(reloadMs)})`, r);
    expect(r.samples).toHaveLength(100);
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['1.0.0', '2.0.0']);
    // Requests sent after the reload returned all reach green.
    const late = r.samples.filter((s) => s.sent > LOAD.atMs + reloadMs + 200);
    expect(late.length).toBeGreaterThan(20);
    expect(new Set(late.map((s) => s.version))).toEqual(new Set(['2.0.0']));
    expect(await version(project.prodPort)).toBe('2.0.0');
  });

  test('stopping the live colour (green) under load: traffic fails over to blue, zero failed requests', async () => {
    let stopMs = 0;
    const r = await underLoad(project.prodPort, LOAD, async () => {
      const t0 = performance.now();
      await project.composeOk('--profile', 'rollout', 'stop', 'synapse-prod-green');
      stopMs = performance.now() - t0;
    });
    report(`failover green -> blue (docker compose stop synapse-prod-green took ${ms(stopMs)})`, r);
    expect(r.samples).toHaveLength(100);
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '1.0.0']);
    expect(await version(project.prodPort)).toBe('1.0.0');
  });

  test('green started again while still listed first: traffic returns to it by itself', async () => {
    // The rollback/redeploy direction: the health checker sees green healthy again and
    // `lb_policy first` prefers it; no reload needed.
    await project.composeOk('--profile', 'rollout', 'up', '-d', '--wait', 'synapse-prod-green');
    log(`green healthy again; proxy answers v2 after ${ms(await untilVersion(project.prodPort, '2.0.0'))}`);
  });

  test('rollback: blue first again + caddy reload under load: all traffic back on v1, zero failed requests', async () => {
    let reloadMs = 0;
    const r = await underLoad(project.prodPort, LOAD, async () => {
      project.writeUpstreams('blue', 'green');
      const t0 = performance.now();
      await project.composeOk('exec', '-T', 'synapse-prod', 'caddy', 'reload', '--config', '/etc/caddy/Caddyfile');
      reloadMs = performance.now() - t0;
    });
    report(`rollback green -> blue (caddy reload took ${ms(reloadMs)})`, r);
    expect(r.failed).toEqual([]);
    expect(r.versions).toEqual(['2.0.0', '1.0.0']);
    expect(await version(project.prodPort)).toBe('1.0.0');
  });
});
