import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed } from '../bed/check.js';
import {
  buildServiceImages,
  composeProject,
  docker,
  inspectService,
  ms,
  repoRoot,
  requireProxyImage,
  version,
  type ComposeProject,
  type ContainerInspect,
} from './helpers.js';

// The two environments of compose/docker-compose.yml on the real engine, started with the spec's
// own commands: dev (test service v2, as `latest`) and prod (v1 in blue, behind the Caddy proxy),
// one compose project for the whole file. Ports are free ones on 127.0.0.1 instead of 8003/8002.

const GiB = 1024 ** 3;
const log = (line: string) => console.info(`[compose environments] ${line}`);

/** CPUs the engine offers: it refuses a limit above that, so on a smaller machine the test lowers it. */
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
/** False where the memory cgroup is missing: the engine then drops memory limits with a warning. */
const memoryCgroup = docker('info', '--format', '{{.MemoryLimit}}') === 'true';

describe('compose/docker-compose.yml: dev and prod on one engine', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    requireTestBed();
    requireProxyImage();
    buildServiceImages(requireTestBed(), 1, 2);
    // The file says 3 CPUs (the Pi 5 has 4). This test machine may have fewer: the engine would
    // refuse the container ("Range of CPUs is from 0.01 to 2.00"), so the limit is lowered to what
    // it has, through the variable the file offers for exactly that.
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    log(`project ${project.name}: dev 127.0.0.1:${project.devPort}, prod 127.0.0.1:${project.prodPort}, subnet ${project.subnet}, engine CPUs ${engineCpus}, memory cgroup ${memoryCgroup}`);
  });
  afterAll(async () => project?.destroy());

  test('`docker compose up -d --wait synapse-dev` serves dev on the dev port', async () => {
    const t0 = performance.now();
    await project.composeOk('up', '-d', '--wait', 'synapse-dev');
    log(`up -d --wait synapse-dev: ${ms(performance.now() - t0)}`);
    expect(await version(project.devPort)).toBe('2.0.0');

    const env = await project.composeOk('exec', '-T', 'synapse-dev', 'env');
    expect(env.split('\n')).toEqual(
      expect.arrayContaining([
        'SYNAPSE_ENV=dev',
        'LOG_LEVEL=DEBUG',
        'SYNAPSE_AUTO_LEARNING=aggressive',
        'SYNAPSE_CONFIG_PATH=/app/configs/synapse_dev.json',
        'SYNAPSE_API_TOKEN_FILE=/run/secrets/api_token',
      ]),
    );
    // The secret is a file; the configs are the repository's, read-only.
    expect(await project.composeOk('exec', '-T', 'synapse-dev', 'cat', '/run/secrets/api_token')).toBe(`token-${project.name}`);
    expect(await project.composeOk('exec', '-T', 'synapse-dev', 'cat', '/app/configs/synapse_dev.json')).toBe(
      readFileSync(join(repoRoot, 'configs', 'synapse_dev.json'), 'utf8').trim(),
    );
    const write = await project.compose('exec', '-T', 'synapse-dev', 'sh', '-c', 'echo x > /app/configs/new.json');
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/read-only/i);
  });

  test('`docker compose up -d --wait synapse-prod` serves prod through the proxy on the prod port', async () => {
    const t0 = performance.now();
    await project.composeOk('up', '-d', '--wait', 'synapse-prod');
    log(`up -d --wait synapse-prod (blue, then the proxy): ${ms(performance.now() - t0)}`);
    expect(await version(project.prodPort)).toBe('1.0.0');
    expect(await version(project.devPort)).toBe('2.0.0');

    // blue and the proxy run; green (profile rollout) does not; only dev and the proxy are published.
    const running = (await project.composeOk('ps', '--status', 'running', '--services')).split('\n').sort();
    expect(running).toEqual(['synapse-dev', 'synapse-prod', 'synapse-prod-blue']);
    const blue = await inspectService(project, 'synapse-prod-blue');
    expect(Object.values(blue.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? [])).toEqual([]);
    expect(blue.Config.Env).toEqual(
      expect.arrayContaining(['SYNAPSE_ENV=prod', 'LOG_LEVEL=INFO', 'SYNAPSE_AUTO_LEARNING=moderate', 'SYNAPSE_CONFIG_PATH=/app/configs/synapse_prod.json']),
    );
    const proxy = await inspectService(project, 'synapse-prod');
    expect(proxy.NetworkSettings.Ports?.['8002/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(project.prodPort) }]);
  });

  test('data written through dev is visible to prod and survives restart and recreate', async () => {
    const note = `memory-${project.name}-${Date.now()}`;
    await project.composeOk('exec', '-T', 'synapse-dev', 'sh', '-c', `echo ${note} > /app/data/shared.txt && echo model > /app/models/model.gguf`);
    // The bind mount is the host directory itself.
    expect(readFileSync(join(project.dataDir, 'shared.txt'), 'utf8').trim()).toBe(note);
    const readAll = async () => ({
      prod: await project.composeOk('exec', '-T', 'synapse-prod-blue', 'cat', '/app/data/shared.txt'),
      dev: await project.composeOk('exec', '-T', 'synapse-dev', 'cat', '/app/data/shared.txt'),
      model: await project.composeOk('exec', '-T', 'synapse-prod-blue', 'cat', '/app/models/model.gguf'),
    });
    expect(await readAll()).toEqual({ prod: note, dev: note, model: 'model' });
    // Prod writes too, and dev sees it.
    await project.composeOk('exec', '-T', 'synapse-prod-blue', 'sh', '-c', 'echo from-prod > /app/data/prod.txt');
    expect(await project.composeOk('exec', '-T', 'synapse-dev', 'cat', '/app/data/prod.txt')).toBe('from-prod');

    const ids = async () => [
      (await inspectService(project, 'synapse-dev')).Id,
      (await inspectService(project, 'synapse-prod-blue')).Id,
    ];
    const before = await ids();
    let t0 = performance.now();
    await project.composeOk('restart');
    log(`docker compose restart: ${ms(performance.now() - t0)}`);
    await project.composeOk('up', '-d', '--wait', 'synapse-dev', 'synapse-prod');
    expect(await ids()).toEqual(before);
    expect(await readAll()).toEqual({ prod: note, dev: note, model: 'model' });

    t0 = performance.now();
    // --force-recreate covers the services named, not their dependencies: blue is named.
    await project.composeOk('up', '-d', '--wait', '--force-recreate', 'synapse-dev', 'synapse-prod-blue', 'synapse-prod');
    log(`up -d --wait --force-recreate synapse-dev synapse-prod-blue synapse-prod: ${ms(performance.now() - t0)}`);
    const after = await ids();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(await readAll()).toEqual({ prod: note, dev: note, model: 'model' });
    expect(await version(project.prodPort)).toBe('1.0.0');
  });

  test('limits, restart policies and health checks as docker inspect reports them', async () => {
    await project.composeOk('--profile', 'rollout', 'up', '-d', '--wait', 'synapse-prod-green');
    const containers: Record<string, ContainerInspect> = {};
    for (const service of ['synapse-dev', 'synapse-prod-blue', 'synapse-prod-green', 'synapse-prod']) {
      containers[service] = await inspectService(project, service);
    }
    // 3 CPUs where the engine has them (the file's value; checked in config.int.test.ts), else
    // what this test lowered it to. Memory: 3 GiB where the memory cgroup exists (here it does on
    // the machines this was written on); where it does not, the engine drops the limit and the
    // inspect shows 0, which release-flow's pre-flight refuses before a deploy.
    const cpus = Math.min(3, engineCpus) * 1e9;
    for (const service of ['synapse-dev', 'synapse-prod-blue', 'synapse-prod-green']) {
      const c = containers[service]!;
      expect(c.HostConfig.NanoCpus, service).toBe(cpus);
      expect(c.HostConfig.Memory, service).toBe(memoryCgroup ? 3 * GiB : 0);
      expect(c.Config.Healthcheck?.StartPeriod, service).toBe(60e9);
      expect(c.Config.Healthcheck?.StartInterval, service).toBe(1e9);
      expect(c.Config.Healthcheck?.Test, service).toEqual(['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8002/health']);
      expect(c.HostConfig.Init ?? false, service).toBe(false);
    }
    const proxy = containers['synapse-prod']!;
    expect(proxy.HostConfig.NanoCpus).toBe(1e9);
    expect(proxy.HostConfig.Memory).toBe(memoryCgroup ? 256 * 1024 ** 2 : 0);
    expect(proxy.Config.Healthcheck?.StartPeriod).toBe(10e9);
    expect(proxy.Config.Healthcheck?.Test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:2019/config/']);

    expect(Object.fromEntries(Object.entries(containers).map(([s, c]) => [s, c.HostConfig.RestartPolicy.Name]))).toEqual({
      'synapse-dev': 'no',
      'synapse-prod-blue': 'unless-stopped',
      'synapse-prod-green': 'unless-stopped',
      'synapse-prod': 'unless-stopped',
    });
    for (const [service, c] of Object.entries(containers)) expect(c.State.Health?.Status, service).toBe('healthy');
    log(
      `inspect: app NanoCpus ${cpus / 1e9} (file: 3, engine CPUs ${engineCpus}), Memory ${memoryCgroup ? '3 GiB' : '0 (no memory cgroup)'}; proxy 1 CPU / 256 MiB; start_period 60 s (apps) / 10 s (proxy)`,
    );
  });

  test('`docker compose down -v` leaves no container, network or volume behind, after recreates too', async () => {
    const ids = (await project.composeOk('ps', '-a', '-q')).split('\n').filter(Boolean);
    const containers = JSON.parse(docker('inspect', ...ids)) as ContainerInspect[];
    const volumes = [...new Set(containers.flatMap((c) => c.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name!)))];
    // synapse-models (3 app services) and the proxy's two volumes.
    expect(volumes).toHaveLength(3);
    await project.composeOk('--profile', 'rollout', 'down', '-v', '--timeout', '3');
    const left = docker('volume', 'ls', '-q').split('\n');
    expect(volumes.filter((v) => left.includes(v))).toEqual([]);
    expect(docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project.name}`)).toBe('');
    expect(docker('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project.name}`)).toBe('');
  });

  test('a missing data directory stops the start loudly instead of creating an empty one', async () => {
    const missing = join(project.dir, 'no-such-data');
    const r = await project.composeWith({ SYNAPSE_DATA_DIR: missing }, 'up', '-d', '--no-deps', 'synapse-prod-green');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`bind source path does not exist: ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });
});
