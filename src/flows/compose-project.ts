import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Docker } from '../adapters/docker.js';
import { acquireDeployLock, type DeployLock } from '../adapters/deploy-lock.js';
import { readStateFile, stateFilePath, writeStateFile } from '../adapters/state-file.js';
import {
  colourImageVariable,
  colourService,
  configJsonArgs,
  DEV_SERVICE,
  digestOf,
  parsePs,
  parseUpstreams,
  PROXY_SERVICE,
  psArgs,
  readEnvLines,
  type ComposeTarget,
  type HealthcheckModel,
  type PsEntry,
} from '../core/compose-commands.js';
import { reconcile, type Colour, type DeployState, type Environment, type Observed } from '../core/deploy-state.js';

// What the deploy, rollback and switch flows all need of a compose project: where it keeps things,
// what runs in it now, and the small steps they all take on it.

/** The parts of `docker compose config --format json` the flows read. */
export interface ComposeModel {
  services?: Record<
    string,
    {
      healthcheck?: HealthcheckModel & { test?: string[] };
      ports?: Array<{ host_ip?: string; published?: string | number; target?: number; protocol?: string }>;
      secrets?: Array<{ source: string } | string>;
      volumes?: Array<{ type?: string; source?: string; target?: string }>;
    }
  >;
  secrets?: Record<string, { file?: string }>;
}

export interface ProjectOptions {
  composeFile: string;
  project: string;
  envFile?: string | undefined;
  dataDir?: string | undefined;
  proxyConfigDir?: string | undefined;
}

/** Where a compose project keeps things, resolved as every flow resolves them. */
export interface ProjectPaths {
  target: ComposeTarget;
  composeFile: string;
  envFile: string;
  dataDir: string;
  stateFile: string;
  lockPath: string;
  upstreamsFile: string;
  model: ComposeModel;
}

/** The bind source a service mounts at `target`, e.g. the data directory behind /app/data. */
export function sourceOf(model: ComposeModel, service: string, target: string): string | undefined {
  return model.services?.[service]?.volumes?.find((v) => v.target === target)?.source;
}

/**
 * `env` names whose service the data directory is read from (the one the deploy will start);
 * both environments mount the same directory in compose/docker-compose.yml.
 */
export async function projectPaths(docker: Docker, options: ProjectOptions, env: Environment = 'prod'): Promise<ProjectPaths> {
  const composeFile = resolve(options.composeFile);
  const envFile = resolve(options.envFile ?? join(dirname(composeFile), '.env'));
  const target: ComposeTarget = { file: composeFile, project: options.project, envFile };
  const model = JSON.parse((await docker.run(configJsonArgs(target))).stdout) as ComposeModel;
  const dataService = env === 'prod' ? colourService('blue') : DEV_SERVICE;
  const dataDir = resolve(options.dataDir ?? sourceOf(model, dataService, '/app/data') ?? '/opt/synapse/data');
  const proxyDir = resolve(options.proxyConfigDir ?? sourceOf(model, PROXY_SERVICE, '/etc/caddy') ?? join(dirname(composeFile), 'caddy'));
  return {
    target,
    composeFile,
    envFile,
    dataDir,
    stateFile: stateFilePath(dataDir),
    lockPath: join(dirname(dataDir), 'release-flow-deploy.lock'),
    upstreamsFile: join(proxyDir, 'upstreams.caddy'),
    model,
  };
}

/** The URL an environment answers on, from its published port (the proxy for prod). */
export function environmentUrl(model: ComposeModel, env: Environment): string | undefined {
  const port = model.services?.[env === 'prod' ? PROXY_SERVICE : DEV_SERVICE]?.ports?.[0];
  if (!port) return undefined;
  const host = !port.host_ip || port.host_ip === '0.0.0.0' || port.host_ip === '::' ? 'localhost' : port.host_ip;
  return `http://${host}:${port.published}`;
}

/** Running, and healthy when the service has a health check. */
export function isUp(entry: PsEntry | undefined): boolean {
  return entry !== undefined && entry.State === 'running' && (entry.Health === '' || entry.Health === 'healthy');
}

/** The project's containers (or only `services`), as `docker compose ps` reports them. */
export async function listServices(docker: Docker, target: ComposeTarget, services: string[] = []): Promise<PsEntry[]> {
  return parsePs((await docker.run(psArgs(target, services))).stdout);
}

/** What serves prod now: the colour upstreams.caddy lists first, if it and the proxy run (`ps` lists dev too). */
export interface ProdObservation {
  order: Colour[];
  proxyUp: boolean;
  ps: PsEntry[];
  envVars: Record<string, string>;
  servingColour: Colour | undefined;
  servingDigest: string | null;
}

export async function observeProd(docker: Docker, paths: ProjectPaths): Promise<ProdObservation> {
  const ps = await listServices(docker, paths.target);
  const running = (service: string) => ps.find((p) => p.Service === service && p.State === 'running');
  const envVars = readEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''));
  const order = parseUpstreams(await readFile(paths.upstreamsFile, 'utf8').catch(() => '')) ?? ['blue', 'green'];
  const proxyUp = running(PROXY_SERVICE) !== undefined;
  const servingColour = proxyUp && order[0] && running(colourService(order[0])) ? order[0] : undefined;
  const servingDigest = servingColour === undefined ? null : (digestOf(envVars[colourImageVariable(servingColour)]) ?? null);
  return { order, proxyUp, ps, envVars, servingColour, servingDigest };
}

export interface ReconcileOptions {
  at: string;
  log: (line: string) => void;
  /** False on a dry run: the corrections are logged, not written. */
  write: boolean;
}

/**
 * Reads the state and makes it agree with what serves `env`, first thing under the lock, so a
 * deploy killed earlier is recorded as interrupted before anyone builds on its record.
 */
export async function reconciledState(paths: ProjectPaths, env: Environment, seen: ProdObservation, options: ReconcileOptions): Promise<DeployState> {
  const state = await readStateFile(paths.stateFile);
  const deployingPid = state.environments[env].deploying?.pid;
  const deployingPidAlive = deployingPid !== undefined && isAlive(deployingPid);
  const observed: Observed =
    env === 'prod'
      ? { servingDigest: seen.servingDigest, deployingPidAlive, ...(seen.servingColour ? { servingColour: seen.servingColour } : {}) }
      : // dev runs a tag, not a digest: what runs is what the record says ran, if it runs at all.
        { servingDigest: seen.ps.some((p) => p.Service === DEV_SERVICE && p.State === 'running') ? (state.environments.dev.active?.digest ?? null) : null, deployingPidAlive };
  const r = reconcile(state, env, observed, { at: options.at });
  for (const note of r.notes) options.log(`state: ${note}`);
  if (r.notes.length > 0 && options.write) await writeStateFile(paths.stateFile, r.state);
  return r.state;
}

/** Replaces a file the proxy or compose reads so that they never see it half written. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.new`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/** Whether the process that recorded a deploy still runs (EPERM: it runs as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

/** The host's deploy lock for a change to this project; `holder` says who waits, in the other's message. */
export function lockProject(paths: ProjectPaths, holder: string, timeoutMs: number | undefined, log: (line: string) => void): Promise<DeployLock> {
  return acquireDeployLock(paths.lockPath, {
    timeoutMs: timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    holder: `${holder} (pid ${process.pid})`,
    onWait: (heldBy) => log(`waiting for the deploy lock ${paths.lockPath}, held by ${heldBy}`),
  });
}

/**
 * Docker commands that keep `lock` held for as long as they run. A deploy killed with SIGKILL
 * leaves its `compose up --wait` running for up to its wait timeout; while it runs, the next
 * deploy must not start the same colour beside it, so it waits for the lock instead.
 */
export function underLock(docker: Docker, lock: DeployLock | undefined): Docker {
  if (lock === undefined) return docker;
  return { run: (args, options = {}) => docker.run(args, { ...options, inherit: [...(options.inherit ?? []), lock.pipe] }) };
}
