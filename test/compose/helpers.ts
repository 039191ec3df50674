import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestBed } from '../bed/check.js';
import { freeEngineSubnets } from '../../scripts/lib/subnets.mjs';

// Shared by the compose tests: compose/docker-compose.yml run as a project of its own per test
// file (`-p rf-<random>`), with its own data, secrets and proxy config directories, a unique
// subnet, free ports on 127.0.0.1, the test service (test/fixtures/service) as synapse and
// release-flow-bed/caddy:2 (test/bed/build-caddy.sh) as the proxy. Docker runs as a child process,
// asynchronously where a load loop runs in the same event loop (a synchronous call would stall it
// and count as downtime).

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const composeDir = join(repoRoot, 'compose');
export const composeFile = join(composeDir, 'docker-compose.yml');
export const proxyImage = 'release-flow-bed/caddy:2';
/** The test service as synapse, one tag per version (SERVICE_VERSION=<n>.0.0). */
export const serviceImage = (major: number) => `release-flow-test/compose-synapse:v${major}`;

/** The environment of a compose child: this process's, without any SYNAPSE_* or COMPOSE_* that would leak in. */
export function cleanEnv(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SYNAPSE_') && !key.startsWith('COMPOSE_')) env[key] = value;
  }
  return { ...env, ...vars };
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without blocking the event loop; never throws for a non-zero exit. */
export function runAsync(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 90_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ status, stdout: stdout.trim(), stderr: `${stderr}${error && status === -1 ? `\n${error.message}` : ''}`.trim(), ms: performance.now() - t0 });
      },
    );
  });
}

/** `docker …` synchronously (outside load loops); stdout trimmed, throws with stderr. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).trim();
}

/** Builds the test service as synapse v<major> (SERVICE_VERSION=<major>.0.0) for this machine. */
export function buildServiceImages(bed: TestBed, ...majors: number[]): void {
  for (const major of majors) {
    docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', serviceImage(major), bed.serviceContext);
  }
}

/** Fails (never skips) when engine.sh has not built the proxy image. */
export function requireProxyImage(): void {
  try {
    docker('image', 'inspect', '--format', '{{.Id}}', proxyImage);
  } catch {
    throw new Error(`${proxyImage} is missing: test/bed/build-caddy.sh builds it.\nFix: run \`bash test/bed/engine.sh\` (as root) to set up the container test bed.`);
  }
}

/** A port nothing listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** A 172.28-31.x.0/24 that overlaps no network the engine has now (the bridge lives on this host only). */
export function freeSubnet(): string {
  return freeEngineSubnets(1)[0]!;
}

export interface ComposeProject {
  name: string;
  dir: string;
  dataDir: string;
  secretsDir: string;
  proxyConfigDir: string;
  devPort: number;
  prodPort: number;
  subnet: string;
  /** The SYNAPSE_* variables the project runs with (also written to `${dir}/.env`, given as --env-file). */
  vars: Record<string, string>;
  /** `docker compose -f compose/docker-compose.yml -p NAME --env-file … ARGS`, asynchronously. */
  compose(...args: string[]): Promise<RunResult>;
  /** `compose(...)` with some variables overridden (the environment wins over --env-file). */
  composeWith(vars: Record<string, string>, ...args: string[]): Promise<RunResult>;
  /** The same, failing with compose's output on a non-zero exit; returns stdout. */
  composeOk(...args: string[]): Promise<string>;
  /** Rewrites upstreams.caddy (write + rename, as a deploy does) with these colours in this order. */
  writeUpstreams(...colours: Array<'blue' | 'green'>): void;
  /** `down -v` with every profile, then removes the directories. */
  destroy(): Promise<void>;
}

/**
 * A compose project of its own: `rf-<random>`, its data/secrets/proxy-config directories in a
 * temporary directory, free ports, a unique subnet. Nothing runs until the test brings it up.
 */
export async function composeProject(options: { dev?: number; blue?: number; green?: number; vars?: Record<string, string> } = {}): Promise<ComposeProject> {
  const name = `rf-${randomBytes(4).toString('hex')}`;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `release-flow-compose-${name}-`)));
  const dataDir = join(dir, 'data');
  const secretsDir = join(dir, 'secrets');
  const proxyConfigDir = join(dir, 'caddy');
  mkdirSync(dataDir);
  mkdirSync(secretsDir);
  writeFileSync(join(secretsDir, 'api_token'), `token-${name}\n`, { mode: 0o600 });
  // The proxy config is copied so the test can rewrite upstreams.caddy without touching compose/.
  cpSync(join(composeDir, 'caddy'), proxyConfigDir, { recursive: true });
  const devPort = await freePort();
  let prodPort = await freePort();
  while (prodPort === devPort) prodPort = await freePort();
  const subnet = freeSubnet();
  const vars: Record<string, string> = {
    SYNAPSE_DEV_IMAGE: serviceImage(options.dev ?? 2),
    SYNAPSE_PROD_BLUE_IMAGE: serviceImage(options.blue ?? 1),
    SYNAPSE_PROD_GREEN_IMAGE: serviceImage(options.green ?? 2),
    SYNAPSE_PROXY_IMAGE: proxyImage,
    SYNAPSE_BIND_ADDRESS: '127.0.0.1',
    SYNAPSE_DEV_PORT: String(devPort),
    SYNAPSE_PROD_PORT: String(prodPort),
    SYNAPSE_DATA_DIR: dataDir,
    SYNAPSE_SECRETS_DIR: secretsDir,
    SYNAPSE_PROXY_CONFIG_DIR: proxyConfigDir,
    SYNAPSE_NET_SUBNET: subnet,
    ...options.vars,
  };
  const envFile = join(dir, '.env');
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
  const env = cleanEnv();
  const base = ['compose', '-f', composeFile, '-p', name, '--env-file', envFile];

  const project: ComposeProject = {
    name,
    dir,
    dataDir,
    secretsDir,
    proxyConfigDir,
    devPort,
    prodPort,
    subnet,
    vars,
    compose: (...args) => runAsync('docker', [...base, ...args], { env }),
    composeWith: (overrides, ...args) => runAsync('docker', [...base, ...args], { env: cleanEnv(overrides) }),
    async composeOk(...args) {
      const r = await project.compose(...args);
      if (r.status !== 0) throw new Error(`docker compose ${args.join(' ')} failed (exit ${r.status}, project ${name}):\n${r.stderr}\n${r.stdout}`.trim());
      return r.stdout;
    },
    writeUpstreams(...colours) {
      const file = join(proxyConfigDir, 'upstreams.caddy');
      writeFileSync(`${file}.new`, `to ${colours.map((c) => `synapse-prod-${c}:8002`).join(' ')}\n`);
      renameSync(`${file}.new`, file);
    },
    async destroy() {
      const r = await project.compose('--profile', 'rollout', 'down', '-v', '--remove-orphans', '--timeout', '3');
      rmSync(dir, { recursive: true, force: true });
      if (r.status !== 0) throw new Error(`docker compose down -v failed for project ${name}:\n${r.stderr}`);
    },
  };
  return project;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** GET http://127.0.0.1:PORT/PATH on a new connection (no keep-alive), with an overall timeout. */
export function get(port: number, path: string, timeoutMs = 2000): Promise<HttpAnswer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

/** The `version` field of GET /version. */
export async function version(port: number): Promise<string> {
  const answer = await get(port, '/version');
  if (answer.status !== 200) throw new Error(`GET /version on 127.0.0.1:${port} answered ${answer.status}: ${answer.body}`);
  return (JSON.parse(answer.body) as { version: string }).version;
}

export interface LoadSample {
  /** ms since the loop started, when the request was sent and when it ended. */
  sent: number;
  ended: number;
  ok: boolean;
  version?: string;
  error?: string;
}

export interface LoadReport {
  samples: LoadSample[];
  failed: LoadSample[];
  /** Versions in the order the requests were sent, consecutive repeats collapsed: e.g. ['1.0.0', '2.0.0']. */
  versions: string[];
  /** Longest time with no successful answer ending, in ms (from the first success to the last). */
  gapMs: number;
  maxLatencyMs: number;
  summary: string;
}

/**
 * A bounded load loop on 127.0.0.1: `rate` GET /version per second for `durationMs`, each on a new
 * connection with a `timeoutMs` timeout, not waiting for one another. `during` starts `atMs` into
 * the loop; the loop (and `during`) are awaited before the report.
 */
export async function underLoad(
  port: number,
  options: { rate: number; durationMs: number; timeoutMs: number; atMs: number },
  during: () => Promise<void>,
): Promise<LoadReport> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const pending: Array<Promise<LoadSample>> = [];
  const count = Math.round((options.rate * options.durationMs) / 1000);
  const one = async (): Promise<LoadSample> => {
    const sent = now();
    try {
      const answer = await get(port, '/version', options.timeoutMs);
      const ok = answer.status === 200;
      return {
        sent,
        ended: now(),
        ok,
        ...(ok ? { version: (JSON.parse(answer.body) as { version: string }).version } : { error: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` }),
      };
    } catch (error) {
      return { sent, ended: now(), ok: false, error: (error as Error).message };
    }
  };
  const action = new Promise<void>((done, fail) => setTimeout(() => during().then(done, fail), options.atMs));
  for (let i = 0; i < count; i++) {
    const due = (i * 1000) / options.rate;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(one());
  }
  const samples = await Promise.all(pending);
  await action;
  const failed = samples.filter((s) => !s.ok);
  const versions: string[] = [];
  for (const s of [...samples].sort((a, b) => a.sent - b.sent)) {
    if (s.version && versions[versions.length - 1] !== s.version) versions.push(s.version);
  }
  const ends = samples.filter((s) => s.ok).map((s) => s.ended).sort((a, b) => a - b);
  let gapMs = 0;
  for (let i = 1; i < ends.length; i++) gapMs = Math.max(gapMs, ends[i]! - ends[i - 1]!);
  const maxLatencyMs = Math.max(0, ...samples.map((s) => s.ended - s.sent));
  const summary = `${samples.length} requests, ${failed.length} failed, versions ${versions.join(' -> ')}, longest gap ${gapMs.toFixed(0)} ms, slowest ${maxLatencyMs.toFixed(0)} ms`;
  return { samples, failed, versions, gapMs, maxLatencyMs, summary };
}

/** State.Health.Status and the rest of `docker inspect` for a compose service's one container. */
export async function inspectService(project: ComposeProject, service: string): Promise<ContainerInspect> {
  const id = (await project.composeOk('ps', '-q', service)).split('\n')[0];
  if (!id) throw new Error(`no container for ${service} in project ${project.name}`);
  return (JSON.parse(docker('inspect', id)) as ContainerInspect[])[0]!;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Health?: { Status: string } };
  Config: {
    Env: string[];
    Image: string;
    Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  };
  HostConfig: {
    NanoCpus: number;
    Memory: number;
    RestartPolicy: { Name: string };
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    Init?: boolean | null;
  };
  Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean; Name?: string }>;
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

/** Milliseconds, rounded, for the log lines the tests print. */
export const ms = (n: number) => `${Math.round(n)} ms`;
