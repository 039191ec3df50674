// What the demo needs from the machine: Node 24 for the CLI, a Docker engine with buildx, compose
// and the containerd image store, a registry, the test service's busybox binaries, the stand-in
// proxy image and (for a foreign platform) QEMU. test/bed/engine.sh sets all of that up.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.mjs';
import { get } from './load.mjs';

export const PROXY_IMAGE = 'release-flow-bed/caddy:2';

export function bedDir() {
  return process.env.RELEASE_FLOW_BED_DIR || '/tmp/release-flow-bed';
}

function bedEnv() {
  const file = join(bedDir(), 'env');
  if (!existsSync(file)) return {};
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

const quiet = (file, args, timeoutMs = 20_000) => run(file, args, { allowFail: true, timeoutMs });

/** A Node >= 24 binary for the CLI: this one, or the one test/bed/node24.sh puts on PATH (it installs it from the npm registry once). */
export async function nodeForCli(repoRoot, say) {
  if (Number(process.versions.node.split('.')[0]) >= 24) return { path: process.execPath, version: process.versions.node };
  say(`Node ${process.versions.node} runs this script; the CLI needs Node 24, which test/bed/node24.sh provides (from the npm registry, once)`);
  const r = await run('bash', ['-c', 'source test/bed/node24.sh >&2 && command -v node && node -p process.versions.node'], { cwd: repoRoot, timeoutMs: 300_000, shown: 'source test/bed/node24.sh' });
  const [path, version] = r.stdout.trim().split('\n');
  return { path, version };
}

/**
 * Checks the machine; returns { problems, facts }. `problems` lists, one line each, what is
 * missing (an empty list means ready); `facts` describes what will be used.
 */
export async function checkBed({ repoRoot, platforms }) {
  const problems = [];
  const facts = {};
  const info = await quiet('docker', ['info', '--format', '{{.ServerVersion}}|{{.NCPU}}|{{.Architecture}}|{{.Driver}} {{json .DriverStatus}}']);
  if (info.code !== 0 || !info.stdout.trim()) {
    problems.push(`no Docker engine answers ('docker info': ${(info.stderr.trim().split('\n').find(Boolean) ?? `exit ${info.code}`).slice(0, 160)})`);
    return { problems, facts };
  }
  const [version, ncpu, arch, storage] = info.stdout.trim().split('|');
  Object.assign(facts, { dockerVersion: version, cpus: Number(ncpu) || 1, arch, containerdStore: storage.includes('io.containerd.snapshotter') });
  if (!(Number(version.split('.')[0]) >= 26)) problems.push(`the engine is Docker ${version}; 26 or newer is needed`);
  if (!facts.containerdStore) problems.push('the engine does not use the containerd image store (needed for multi-platform builds)');
  const buildx = await quiet('docker', ['buildx', 'version']);
  if (buildx.code !== 0) problems.push('docker buildx is missing');
  else facts.buildx = buildx.stdout.trim().split('\n')[0].split(' ').slice(1, 2).join(' ');
  const compose = await quiet('docker', ['compose', 'version', '--short']);
  if (compose.code !== 0) problems.push('docker compose (v2 plugin) is missing');
  else facts.compose = compose.stdout.trim();

  const env = bedEnv();
  facts.registry = process.env.RF_DEMO_REGISTRY || env.RELEASE_FLOW_REGISTRY || '127.0.0.1:5000';
  const [host, port] = facts.registry.split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') {
    problems.push(`the registry ${facts.registry} is not on this machine; the demo only pushes to a local registry`);
  } else {
    const status = await get(Number(port) || 80, '/v2/', 5000).then((a) => a.status, () => 0);
    if (status !== 200) problems.push(`no registry answers on ${facts.registry} (GET /v2/: ${status || 'no answer'})`);
  }

  const serviceDir = join(repoRoot, 'test/fixtures/service');
  for (const p of platforms) {
    const a = p.split('/')[1];
    if (!existsSync(join(serviceDir, `busybox-${a}`))) problems.push(`test/fixtures/service/busybox-${a} is missing (test/bed/fetch-busybox.sh fetches it)`);
  }
  const proxy = await quiet('docker', ['image', 'inspect', '--format', '{{.Id}}', PROXY_IMAGE]);
  if (proxy.code !== 0) problems.push(`the proxy image ${PROXY_IMAGE} is missing (test/bed/build-caddy.sh builds it)`);
  facts.proxyImage = PROXY_IMAGE;

  const native = facts.arch === 'aarch64' || facts.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
  facts.nativePlatform = native;
  const foreign = platforms.filter((p) => p !== native);
  if (foreign.length > 0) {
    const qemu = native === 'linux/amd64' ? 'qemu-aarch64' : 'qemu-x86_64';
    const entry = `/proc/sys/fs/binfmt_misc/${qemu}`;
    const enabled = existsSync(entry) && readFileSync(entry, 'utf8').startsWith('enabled');
    if (!enabled) problems.push(`${foreign.join(', ')} needs QEMU emulation (${qemu} in binfmt_misc), which is not enabled`);
    facts.emulation = `${foreign.join(', ')} through ${qemu}`;
  }
  return { problems, facts };
}
