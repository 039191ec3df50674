import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { PreconditionError } from '../../src/core/errors.js';
import { hostPlatform, parsePlatform, formatPlatform } from '../../src/core/preflight.js';
import { deploy, type DeployOptions } from '../../src/flows/deploy.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, ms, requireProxyImage, underLoad, version, type ComposeProject } from '../compose/helpers.js';
import { pushImage } from '../support/oci-push.js';

// The pre-flight through `deploy` itself, on the real engine, with prod serving 1.0.0 in a private
// compose project: each failure must stop the deploy before anything changes, say what failed,
// what was expected and the fix, and leave every container, the state, .env and the proxy's
// upstreams as they were, with prod answering throughout.

const log = (line: string) => console.info(`[pre-flight] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
const LOAD = { rate: 10, durationMs: 5000, timeoutMs: 3000, atMs: 500 };

let bed: TestBed;
let image: string;
let project: ComposeProject;
const docker_ = createDocker();
const deps = () => ({ docker: docker_, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: docker_ }) });

function options(extra: Partial<DeployOptions>): DeployOptions {
  return { env: 'prod', image, composeFile, project: project.name, envFile: join(project.dir, '.env'), watchSeconds: 1, lockTimeoutMs: 60_000, log: (l) => log(`  ${l}`), ...extra };
}

/** Everything a deploy could change. */
async function snapshot() {
  return {
    containers: await project.composeOk('--profile', 'rollout', 'ps', '-a', '--format', '{{.ID}} {{.Service}} {{.State}} {{.Image}}'),
    state: readFileSync(stateFilePath(project.dataDir), 'utf8'),
    env: readFileSync(join(project.dir, '.env'), 'utf8'),
    upstreams: readFileSync(join(project.proxyConfigDir, 'upstreams.caddy'), 'utf8'),
  };
}

/** Runs a deploy that must fail in pre-flight under load; returns its error after checking nothing changed and prod kept answering. */
async function failsInPreflight(what: string, opts: DeployOptions): Promise<PreconditionError> {
  const before = await snapshot();
  let error: unknown;
  const r = await underLoad(project.prodPort, LOAD, async () => {
    error = await deploy(deps(), opts).then(() => undefined, (e: unknown) => e);
  });
  log(`${what}: ${r.summary}`);
  expect(error).toBeInstanceOf(PreconditionError);
  expect((error as Error).message).toMatch(/^pre-flight failed for \S+ \S+; nothing was changed:\n/);
  expect(r.failed).toEqual([]);
  expect(r.versions).toEqual(['1.0.0']);
  expect(await snapshot()).toEqual(before);
  return error as PreconditionError;
}

describe('deploy pre-flight failures change nothing (real engine)', () => {
  beforeAll(async () => {
    bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/preflight-synapse`;
    const t0 = performance.now();
    docker('build', '-q', '--build-arg', 'SERVICE_VERSION=1.0.0', '-t', `${image}:v1.0.0`, bed.serviceContext);
    docker('push', '-q', `${image}:v1.0.0`);
    docker('tag', `${image}:v1.0.0`, `${image}:latest`);
    docker('push', '-q', `${image}:latest`);
    // 2.0.0 exists only for the platform this host cannot run natively.
    await pushImage({ registry: bed.registry, repository: 'release-flow-test/preflight-synapse' }, { architecture: parsePlatform(bed.foreignPlatform).architecture, tag: 'v2.0.0' });
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    await deploy(deps(), options({ version: '1.0.0' }));
    expect(await version(project.prodPort)).toBe('1.0.0');
    log(`project ${project.name}: prod serves 1.0.0 on 127.0.0.1:${project.prodPort} (${ms(performance.now() - t0)})`);
  }, 180_000);
  afterAll(async () => {
    await project?.destroy();
  });

  test('an image without this host\'s architecture: the image check fails, naming both platforms and the fix', async () => {
    const host = formatPlatform(hostPlatform(docker('info', '--format', '{{.Architecture}}')));
    const error = await failsInPreflight('wrong architecture', options({ version: '2.0.0' }));
    expect(error.message).toMatch(new RegExp(`image ${image}@sha256:[0-9a-f]{64}: .* is built for ${bed.foreignPlatform}; expected ${host} \\(this host\\)`));
    expect(error.fix).toContain(`build and push the image for ${host}`);
  }, 60_000);

  test('a port held by a process outside the project: the port check fails, naming the process', async () => {
    // dev publishes on 127.0.0.1:<devPort>, which nothing of the project holds while dev is down.
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(project.devPort, '127.0.0.1', done));
    try {
      const error = await failsInPreflight('port held', options({ env: 'dev' }));
      expect(error.message).toMatch(new RegExp(`port ${project.devPort}: 127\\.0\\.0\\.1:${project.devPort} is in use by \\S+ \\(pid ${process.pid}\\) on 127\\.0\\.0\\.1:${project.devPort}; expected it free or held by this compose project's containers`));
      expect(error.fix).toContain('stop that process or container, or publish the service on another port');
    } finally {
      await new Promise((done) => server.close(done));
    }
  }, 60_000);

  test('not enough free disk for the pull: the disk check fails, naming what is needed, what is free and the fix', async () => {
    // A floor no disk meets, instead of filling a real one.
    const error = await failsInPreflight('disk', options({ version: '1.0.0', minFreeDiskBytes: 2 ** 50 }));
    expect(error.message).toMatch(/\n {2}disk: [\d.]+ \w+ free on \/\S+; expected at least [\d.]+ TiB \(pull [\d.]+ \w+ plus margin\)/);
    expect(error.fix).toMatch(/free space on \/\S+ \(`docker image prune`, `docker builder prune`\) or move Docker's data-root/);
  }, 60_000);

  test('with room to spare the same deploy passes the disk check (dry run)', async () => {
    const planned = await deploy(deps(), options({ version: '1.0.0', dryRun: true }));
    expect(planned.checks.find((c) => c.name === 'disk')).toMatchObject({ ok: true, severity: 'error', message: expect.stringMatching(/free on \/\S+; [\d.]+ \w+ \(pull [\d.]+ \w+ plus margin\) needed/) });
  }, 60_000);
});
