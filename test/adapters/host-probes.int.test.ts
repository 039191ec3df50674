import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocker } from '../../src/adapters/docker.js';
import { createHostProbes } from '../../src/adapters/host-probes.js';
import { checkImage, checkPort, hostPlatform, parsePlatform, platformRuns } from '../../src/core/preflight.js';
import { requireTestBed } from '../bed/check.js';
import type { TestBed } from '../bed/check.js';
import { pushImage, pushMultiArch } from '../support/oci-push.js';

// The probes against this host: real sockets held by this test process, a real compose project
// of the bed's service image, the bed registry, /proc and /sys as they are here.

const run = randomBytes(4).toString('hex');
const docker = createDocker();
const probes = createHostProbes({ docker });
const noSs = createHostProbes({ docker, ssPath: join(tmpdir(), `no-ss-${run}`) });
const serviceImage = 'release-flow-bed/service:probe';
const comm = readFileSync('/proc/self/comm', 'utf8').trim();

let bed: TestBed;
let dir: string;
const servers: Server[] = [];

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const server = await listen('127.0.0.1');
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  servers.splice(servers.indexOf(server), 1);
  return port;
}

function ipv6Loopback(): boolean {
  try {
    return readFileSync('/proc/net/if_inet6', 'utf8').includes('00000000000000000000000000000001');
  } catch {
    return false;
  }
}

beforeAll(async () => {
  bed = requireTestBed();
  dir = await mkdtemp(join(tmpdir(), 'rf-host-probes-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('TCP listeners', () => {
  it.each([
    ['ss', probes, 'ss'],
    ['/proc fallback', noSs, 'proc'],
  ] as const)('a node server on 127.0.0.1 is reported with this pid (%s)', async (_, p, source) => {
    const server = await listen('127.0.0.1');
    const port = portOf(server);
    const fact = await p.tcpListeners();
    expect(fact.source).toBe(source);
    expect(fact.listeners.filter((l) => l.port === port)).toEqual([{ address: '127.0.0.1', port, processes: [{ name: comm, pid: process.pid }] }]);
  });

  it.runIf(ipv6Loopback())('a node server on [::1] is decoded from /proc/net/tcp6', async () => {
    const server = await listen('::1');
    const port = portOf(server);
    for (const p of [probes, noSs]) {
      const { listeners } = await p.tcpListeners();
      expect(listeners.filter((l) => l.port === port)).toEqual([{ address: '::1', port, processes: [{ name: comm, pid: process.pid }] }]);
    }
  });

  it('a held port is a conflict naming the node process; a free port is free', async () => {
    const held = portOf(await listen('127.0.0.1'));
    const state = await probes.portState({ port: held }, `rf-nobody-${run}`);
    expect(state).toEqual({ state: 'conflict', holders: [`${comm} (pid ${process.pid}) on 127.0.0.1:${held}`] });
    const r = checkPort({ port: held }, state, 'prod');
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`pid ${process.pid}`);
    // Another address of the same port does not clash with a loopback-only listener.
    expect(await probes.portState({ port: held, hostIp: '127.0.0.2' }, `rf-nobody-${run}`)).toEqual({ state: 'free' });

    const free = await freePort();
    expect(await probes.portState({ port: free }, `rf-nobody-${run}`)).toEqual({ state: 'free' });
    expect((await noSs.tcpListeners()).listeners.some((l) => l.port === free)).toBe(false);
  });
});

describe('a compose project publishing a port', () => {
  const project = `rf-preflight-${run}`;
  let file: string;
  let port: number;

  beforeAll(async () => {
    const images = await docker.run(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', serviceImage]);
    if (!images.stdout.includes(serviceImage)) await docker.run(['build', '--tag', serviceImage, bed.serviceContext]);
    port = await freePort();
    file = join(dir, 'compose.yml');
    await writeFile(file, `services:\n  web:\n    image: ${serviceImage}\n    ports: ["127.0.0.1:${port}:8002"]\n`);
    await docker.run(['compose', '-f', file, '--project-name', project, 'up', '-d']);
  });

  afterAll(async () => {
    if (file) await docker.run(['compose', '-f', file, '--project-name', project, 'down', '--timeout', '0']);
  });

  it('is ours for that project', async () => {
    const [container] = await probes.publishedPorts(project);
    expect(container).toMatchObject({ project, service: 'web', ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8002, protocol: 'tcp' }] });
    const state = await probes.portState({ port }, project);
    expect(state).toEqual({ state: 'ours', containers: [container!.name] });
    expect(checkPort({ port }, state, 'prod').ok).toBe(true);
  });

  it('is a conflict for another project, naming the proxy or the container', async () => {
    const state = await probes.portState({ port }, `rf-other-${run}`);
    expect(state.state).toBe('conflict');
    if (state.state !== 'conflict') return;
    expect(state.holders.join('\n')).toContain(`compose project ${project}`);
    // With the engine's userland proxy (the bed's default) the listener is docker-proxy; without
    // it (iptables only) nothing listens and the container itself is named.
    const { listeners } = await probes.tcpListeners();
    const listener = listeners.find((l) => l.port === port);
    if (listener) {
      const [proxy] = listener.processes;
      expect(proxy?.name).toBe('docker-proxy');
      expect(state.holders).toEqual([`docker-proxy (pid ${proxy?.pid}) for container ${project}-web-1 (compose project ${project}) on 127.0.0.1:${port}`]);
    } else {
      expect(state.holders).toEqual([`container ${project}-web-1 (compose project ${project})`]);
    }
  });
});

describe('disk, memory cgroup, engine', () => {
  it('statfs of /tmp agrees with df', async () => {
    const disk = await probes.freeDisk('/tmp');
    expect(disk.availableBytes).toBeGreaterThan(0);
    expect(disk.availableBytes).toBeLessThanOrEqual(disk.totalBytes);
    const df = Number(execFileSync('df', ['-B1', '--output=avail', '/tmp'], { encoding: 'utf8' }).trim().split('\n')[1]);
    expect(Math.abs(disk.availableBytes - df)).toBeLessThan(256 * 1024 ** 2);
  });

  it('statfs of a missing path says what it expected', async () => {
    await expect(probes.freeDisk(join(dir, 'nope'))).rejects.toThrow(/expected an existing path/);
  });

  it('the memory cgroup probe agrees with this host’s files and its engine', async () => {
    const fact = await probes.memoryCgroup();
    const self = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    if (self.every((l) => l.startsWith('0::'))) {
      expect(fact.version).toBe('v2');
      expect(fact.enabled).toBe(readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('memory'));
    } else {
      expect(fact.version).toBe('v1');
      const row = readFileSync('/proc/cgroups', 'utf8').split('\n').map((l) => l.split(/\s+/)).find((c) => c[0] === 'memory');
      const unified = existsSync('/sys/fs/cgroup/unified/cgroup.controllers') ? readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8') : '';
      expect(fact.enabled).toBe((row?.[3] === '1' && row[1] !== '0') || unified.split(/\s+/).includes('memory'));
    }
    // The bed's engine runs on this host: it sees the same controller.
    const engine = await probes.engineInfo();
    expect(engine.memoryLimit).toBe(fact.enabled);
  });

  it('engine info gives the host architecture', async () => {
    const engine = await probes.engineInfo();
    expect(engine.osType).toBe('linux');
    expect(hostPlatform(engine.architecture).architecture).toBe(hostPlatform(execFileSync('uname', ['-m'], { encoding: 'utf8' })).architecture);
    expect(engine.dockerRootDir).toMatch(/^\//);
  });
});

describe('image platforms', () => {
  let host: ReturnType<typeof hostPlatform>;
  beforeAll(async () => {
    host = hostPlatform((await probes.engineInfo()).architecture);
  });

  it('a local image has the host platform', async () => {
    const fact = await probes.imagePlatforms(serviceImage, 'local');
    expect(fact).toEqual({ found: true, where: 'local', platforms: [host] });
    expect(checkImage(serviceImage, fact, host, 'prod').ok).toBe(true);
    expect(checkImage(serviceImage, fact, parsePlatform(bed.foreignPlatform), 'prod').ok).toBe(false);
  });

  it('a registry index lists its platforms without attestations', async () => {
    const repository = `release-flow-test/preflight-${run}`;
    await pushMultiArch({ registry: bed.registry, repository }, 'multi');
    const fact = await probes.imagePlatforms(`${bed.registry}/${repository}:multi`, 'registry');
    expect(fact).toEqual({ found: true, where: 'registry', platforms: [parsePlatform('linux/amd64'), parsePlatform('linux/arm64')] });
  });

  it('a single-platform registry image is read from its config', async () => {
    const repository = `release-flow-test/preflight-${run}`;
    await pushImage({ registry: bed.registry, repository }, { architecture: 'arm64', tag: 'single' });
    const fact = await probes.imagePlatforms(`${bed.registry}/${repository}:single`, 'registry');
    expect(fact).toEqual({ found: true, where: 'registry', platforms: [parsePlatform('linux/arm64')] });
    if (fact.found) expect(fact.platforms.some((p) => platformRuns(hostPlatform('aarch64'), p))).toBe(true);
  });

  it('a missing image is not found, locally and in the registry', async () => {
    const local = await probes.imagePlatforms(`release-flow-test/none-${run}:x`, 'local');
    expect(local).toMatchObject({ found: false, reason: expect.stringMatching(/no such image/i) });
    const remote = await probes.imagePlatforms(`${bed.registry}/release-flow-test/none-${run}:x`, 'registry');
    expect(remote).toMatchObject({ found: false, reason: expect.stringMatching(/not found/i) });
    expect(checkImage('x', local, host, 'dev')).toMatchObject({ ok: false, severity: 'error' });
  });
});

describe('secret files', () => {
  const canary = `s3cret-${run}`;

  it.each([
    ['ok', async (p: string) => writeFile(p, canary), { kind: 'file', size: canary.length }],
    ['empty', async (p: string) => writeFile(p, ''), { kind: 'file', size: 0 }],
    ['directory', async (p: string) => mkdir(p), { kind: 'not-a-file', type: 'directory' }],
    ['missing', async () => undefined, { kind: 'missing' }],
  ] as const)('%s', async (name, make, expected) => {
    const path = join(dir, `secret-${name}`);
    await make(path);
    const fact = await probes.secretFile(path);
    expect(fact).toEqual(expected);
    expect(JSON.stringify(fact)).not.toContain(canary);
  });

  it('a path under a regular file is missing', async () => {
    await writeFile(join(dir, 'plain'), 'x');
    expect(await probes.secretFile(join(dir, 'plain', 'api_token'))).toEqual({ kind: 'missing' });
  });
});

describe('docker compose config -q', () => {
  it('accepts a valid file, with the interpolation variables of this run', async () => {
    const file = join(dir, 'needs-env.yml');
    await writeFile(file, 'services:\n  web:\n    image: ${PREFLIGHT_IMAGE:?set PREFLIGHT_IMAGE}\n');
    expect(await probes.composeConfig({ files: [file] }, { env: { PREFLIGHT_IMAGE: serviceImage } })).toEqual({ ok: true });
    const missing = await probes.composeConfig({ files: [file] }, { env: { PREFLIGHT_IMAGE: '' } });
    expect(missing).toMatchObject({ ok: false, stderr: expect.stringContaining('set PREFLIGHT_IMAGE') });
  });

  it('rejects an invalid file with compose’s message', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'services:\n  web:\n    image: x\n    imgae: typo\n');
    const outcome = await probes.composeConfig({ files: [file], projectName: `rf-${run}` });
    expect(outcome).toMatchObject({ ok: false, stderr: expect.stringContaining('imgae') });
  });
});
