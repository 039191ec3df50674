// The demo's throwaway world, all under one temporary directory:
//
//   <root>/service/   a git repository: the test service (test/fixtures/service) plus the reference
//                     deployment (compose/docker-compose.yml, compose/caddy, configs/), as a real
//                     service repository would hold them; compose/.env (git-ignored) points the
//                     compose file at this machine
//   <root>/host/      what lives on the deploy host (/opt/synapse on the Pi): data/, secrets/, the
//                     proxy config directory the deploys rewrite, the deploy lock
//   <root>/cleanup.sh removes the compose project, the local image copies and <root>
//   <root>/bin/release-flow  the CLI on Node 24, for exploring after --keep
//
// The compose project is `rf-demo-<id>`, the image `<registry>/rf-demo-<id>/synapse` (a fresh name
// per run: a version tag, once pushed, is immutable).

import { freeEngineSubnets } from '../lib/subnets.mjs';
import { freePort as anyFreePort } from '../lib/net.mjs';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.mjs';

/** Whether 127.0.0.1:PORT can be bound now (nothing listens there, on 127.0.0.1 or 0.0.0.0). */
export function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Ports another demo run on this machine has claimed (its sandbox's compose/.env), listening yet
 * or not: two demos started together must not both pick 18002.
 */
function claimedPorts() {
  const claimed = new Set();
  let entries = [];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith('rf-demo-'));
  } catch {
    return claimed;
  }
  for (const name of entries) {
    try {
      const text = readFileSync(join(tmpdir(), name, 'service/compose/.env'), 'utf8');
      for (const m of text.matchAll(/^SYNAPSE_(?:PROD|DEV)_PORT=(\d+)$/gm)) claimed.add(Number(m[1]));
    } catch {
      // not a sandbox, or one being removed
    }
  }
  return claimed;
}

/**
 * The prod and dev ports: RF_DEMO_PROD_PORT / RF_DEMO_DEV_PORT when set (an error when taken),
 * else 18002 / 18003, or free ones when those are taken (with a note saying so).
 */
export async function choosePorts() {
  const notes = [];
  const claimed = claimedPorts();
  const pick = async (variable, fallback, avoid) => {
    const wanted = process.env[variable];
    if (wanted) {
      const port = Number(wanted);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable}=${wanted} is not a port number`);
      if (!(await portFree(port)) || claimed.has(port)) throw new Error(`${variable}=${port}: 127.0.0.1:${port} is taken (by a listener or another demo run); choose another port`);
      return port;
    }
    if (fallback !== avoid && !claimed.has(fallback) && (await portFree(fallback))) return fallback;
    let port = await anyFreePort();
    while (port === avoid || claimed.has(port)) port = await anyFreePort();
    notes.push(`port ${fallback} is in use (or claimed by another demo run): using ${port} (set ${variable} to choose)`);
    return port;
  };
  const prod = await pick('RF_DEMO_PROD_PORT', 18002);
  const dev = await pick('RF_DEMO_DEV_PORT', 18003, prod);
  return { prod, dev, notes };
}

/** A 172.28-31.x.0/24 that overlaps no network of the engine (the compose file's default /16 may be taken). */
export async function freeSubnet() {
  return freeEngineSubnets(1)[0];
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Creates the temporary directory, the service repository's files (not yet committed) and the
 * host directories. Returns the paths and settings; nothing runs yet.
 */
export function createSandbox(options) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), `rf-demo-${options.id}-`)));
  try {
    return fillSandbox(root, options);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

function fillSandbox(root, { repoRoot, id, registry, ports, subnet, cpus, node }) {
  const repo = join(root, 'service');
  const host = join(root, 'host');
  const project = `rf-demo-${id}`;
  const image = `${registry}/rf-demo-${id}/synapse`;

  // The service: the test fixture (Dockerfile, entrypoint.sh, the busybox binaries it copies).
  cpSync(join(repoRoot, 'test/fixtures/service'), repo, { recursive: true });
  writeFileSync(join(repo, '.dockerignore'), '.git\ncompose\nconfigs\nrelease-notes.md\n*.md\n');
  // The deployment, as release-flow's own repository ships it.
  cpSync(join(repoRoot, 'compose/docker-compose.yml'), join(repo, 'compose/docker-compose.yml'));
  cpSync(join(repoRoot, 'compose/caddy'), join(repo, 'compose/caddy'), { recursive: true });
  cpSync(join(repoRoot, 'compose/.env.example'), join(repo, 'compose/.env.example'));
  cpSync(join(repoRoot, 'compose/.gitignore'), join(repo, 'compose/.gitignore'));
  for (const f of ['synapse.json', 'synapse_dev.json', 'synapse_prod.json', 'synapse.schema.json']) {
    cpSync(join(repoRoot, 'configs', f), join(repo, 'configs', f));
  }
  writeFileSync(
    join(repo, 'README.md'),
    '# synapse (release-flow demo)\n\nA tiny busybox httpd service: `/health`, `/version`. Deployed with `compose/docker-compose.yml`.\n',
  );

  // The host side: data, secrets and the proxy config directory (a copy, so that the deploys'
  // rewrites of upstreams.caddy never touch the repository's tracked files).
  mkdirSync(join(host, 'data'), { recursive: true });
  mkdirSync(join(host, 'secrets'), { recursive: true });
  writeFileSync(join(host, 'secrets/api_token'), `demo-token-${id}\n`, { mode: 0o600 });
  cpSync(join(repoRoot, 'compose/caddy'), join(host, 'caddy'), { recursive: true });

  const vars = {
    SYNAPSE_DEV_IMAGE: `${image}:latest`,
    SYNAPSE_PROD_BLUE_IMAGE: `${image}:v1.0.0`,
    SYNAPSE_PROD_GREEN_IMAGE: `${image}:v1.0.0`,
    SYNAPSE_PROXY_IMAGE: 'release-flow-bed/caddy:2',
    SYNAPSE_BIND_ADDRESS: '127.0.0.1',
    SYNAPSE_PROD_PORT: String(ports.prod),
    SYNAPSE_DEV_PORT: String(ports.dev),
    SYNAPSE_DATA_DIR: join(host, 'data'),
    SYNAPSE_SECRETS_DIR: join(host, 'secrets'),
    SYNAPSE_PROXY_CONFIG_DIR: join(host, 'caddy'),
    SYNAPSE_NET_SUBNET: subnet,
    SYNAPSE_CPU_LIMIT: String(Math.min(3, cpus)),
    SYNAPSE_MEMORY_LIMIT: '256M',
  };
  const envFile = join(repo, 'compose/.env');
  writeFileSync(
    envFile,
    [
      '# Written by the release-flow demo (scripts/demo.mjs): compose/docker-compose.yml pointed at this',
      '# machine. Not committed (compose/.gitignore). The deploys write the image references below.',
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n'),
  );

  const composeBase = ['compose', '-f', join(repo, 'compose/docker-compose.yml'), '-p', project, '--env-file', envFile];

  // Everything needed to remove the project later, also by hand after --keep.
  mkdirSync(join(root, 'bin'));
  writeFileSync(
    join(root, 'cleanup.sh'),
    [
      '#!/usr/bin/env bash',
      `# Removes what the release-flow demo (${project}) left: its compose project (containers, network,`,
      '# volumes), the local copies of its images and this directory. The registry keeps the images.',
      `docker ${composeBase.map(shq).join(' ')} --profile rollout down -v --remove-orphans --timeout 3`,
      `docker image ls --format '{{.ID}}' --filter reference=${shq(`${image}`)} --filter reference=${shq(`${image}:*`)} | sort -u | xargs -r docker image rm -f >/dev/null`,
      `rm -rf ${shq(root)}`,
      `echo "removed ${project} and ${root}"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(root, 'cleanup.sh'), 0o755);
  writeFileSync(
    join(root, 'bin/release-flow'),
    ['#!/bin/sh', `# The release-flow CLI of ${repoRoot}, on Node 24.`, `exec ${shq(node)} ${shq(join(repoRoot, 'dist/cli/index.js'))} "$@"`, ''].join('\n'),
  );
  chmodSync(join(root, 'bin/release-flow'), 0o755);

  return { root, repo, host, project, image, envFile, vars, composeBase, readEnv: () => readFileSync(envFile, 'utf8') };
}

/**
 * Removes the compose project (down -v with every profile, then whatever still carries its label),
 * the local copies of the demo's images and the temporary directory. Never throws; returns the
 * problems it met.
 */
export async function destroySandbox(sandbox) {
  const problems = [];
  const quiet = (args, timeoutMs = 60_000) => run('docker', args, { allowFail: true, timeoutMs });
  const down = await quiet([...sandbox.composeBase, '--profile', 'rollout', 'down', '-v', '--remove-orphans', '--timeout', '3'], 90_000);
  if (down.code !== 0) problems.push(`compose down: ${down.stderr.trim().split('\n').slice(-1)[0]}`);
  // Anything compose could not see (an env file gone, a half-created project).
  const label = `label=com.docker.compose.project=${sandbox.project}`;
  const containers = (await quiet(['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (containers.length) await quiet(['rm', '-f', '-v', ...containers]);
  const networks = (await quiet(['network', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (networks.length) await quiet(['network', 'rm', ...networks]);
  const volumes = (await quiet(['volume', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (volumes.length) await quiet(['volume', 'rm', '-f', ...volumes]);
  const images = new Set();
  for (const ref of [sandbox.image, `${sandbox.image}:*`]) {
    for (const id of (await quiet(['image', 'ls', '--format', '{{.ID}}', '--filter', `reference=${ref}`])).stdout.split('\n')) if (id) images.add(id);
  }
  // One `image rm` per image, side by side: the containerd store takes about a second for each.
  const removals = await Promise.all([...images].map((image) => quiet(['image', 'rm', '-f', image])));
  for (const rm of removals) if (rm.code !== 0) problems.push(`image rm: ${rm.stderr.trim().split('\n').slice(-1)[0]}`);
  try {
    rmSync(sandbox.root, { recursive: true, force: true });
  } catch (error) {
    problems.push(`rm -rf ${sandbox.root}: ${error.message}`);
  }
  return problems;
}
