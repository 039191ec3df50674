import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDocker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { createRegistryClient } from '../../src/adapters/registry.js';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { parseState } from '../../src/core/deploy-state.js';
import { deploy } from '../../src/flows/deploy.js';
import { requireTestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, version, type ComposeProject } from '../compose/helpers.js';

// dev follows `latest`: pull and recreate synapse-dev, record it in the state file.
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

describe('release-flow deploy --env dev', () => {
  let project: ComposeProject;
  let image: string;

  beforeAll(async () => {
    const bed = requireTestBed();
    image = `${bed.registry}/release-flow-test/deploy-synapse-dev`;
    for (const major of [1, 2]) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:latest`, bed.serviceContext);
      if (major === 1) docker('push', '-q', `${image}:latest`);
    }
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
  }, 180_000);
  afterAll(async () => project?.destroy());

  test('pulls latest and recreates synapse-dev; a moved latest is picked up by the next deploy', async () => {
    const docker_ = createDocker();
    const run = () =>
      deploy(
        { docker: docker_, registry: createRegistryClient({ retries: 0 }), probes: createHostProbes({ docker: docker_ }) },
        { env: 'dev', image, composeFile, project: project.name, envFile: join(project.dir, '.env'), lockTimeoutMs: 60_000 },
      );
    // The local `latest` is v2 but the registry's is v1: the deploy pulls.
    const first = await run();
    expect(first).toMatchObject({ outcome: 'success', version: 'latest', url: `http://127.0.0.1:${project.devPort}` });
    expect(await version(project.devPort)).toBe('1.0.0');
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toContain(`SYNAPSE_DEV_IMAGE=${image}:latest\n`);

    docker('build', '-q', '--build-arg', 'SERVICE_VERSION=2.0.0', '-t', `${image}:latest`, requireTestBed().serviceContext);
    docker('push', '-q', `${image}:latest`);
    const second = await run();
    expect(second.digest).not.toBe(first.digest);
    expect(await version(project.devPort)).toBe('2.0.0');
    const dev = parseState(readFileSync(stateFilePath(project.dataDir), 'utf8'), 'state').environments.dev;
    expect(dev.active?.digest).toBe(second.digest);
    expect(dev.previous?.digest).toBe(first.digest);
    expect(dev.history.map((h) => h.outcome)).toEqual(['success', 'success']);
  }, 120_000);
});
