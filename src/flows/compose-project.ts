import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Docker } from '../adapters/docker.js';
import { acquireDeployLock, isAlive, type DeployLock } from '../adapters/deploy-lock.js';
import { readStateFile, stateFilePath, writeStateFile } from '../adapters/state-file.js';
import {
  caddyReloadArgs,
  colourImageVariable,
  colourService,
  COLOURS,
  configJsonArgs,
  DEV_SERVICE,
  digestOf,
  inspectStateArgs,
  parsePs,
  parseUpstreams,
  PROXY_SERVICE,
  psArgs,
  readEnvLines,
  setEnvLines,
  upstreamsText,
  type ComposeTarget,
  type HealthcheckModel,
  type PsEntry,
} from '../core/compose-commands.js';
import { withCurrentHealth, type HealthSeen } from '../core/container-health.js';
import { reconcile, type Colour, type DeployState, type Environment, type Observed } from '../core/deploy-state.js';
import { activeEnvSources, envRepairs, liveColour, type ColourSeen, type ImageSource, type LiveDecision } from '../core/workspace-repair.js';

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
  /** The compose target; its env file is /dev/null while `envFile` does not exist (see `envFileFound`). */
  target: ComposeTarget;
  composeFile: string;
  envFile: string;
  /**
   * False when the variables file is missing (a checkout on the runner cleaned the workspace):
   * compose then runs with its defaults and the environment, and the deploy writes the file again.
   */
  envFileFound: boolean;
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
  // compose refuses a missing --env-file; /dev/null is "no variables" without reading another file.
  const envFileFound = await access(envFile).then(() => true, () => false);
  const target: ComposeTarget = { file: composeFile, project: options.project, envFile: envFileFound ? envFile : NO_ENV_FILE };
  const model = JSON.parse((await docker.run(configJsonArgs(target))).stdout) as ComposeModel;
  const dataService = env === 'prod' ? colourService('blue') : DEV_SERVICE;
  const dataDir = resolve(options.dataDir ?? sourceOf(model, dataService, '/app/data') ?? '/opt/synapse/data');
  const proxyDir = resolve(options.proxyConfigDir ?? sourceOf(model, PROXY_SERVICE, '/etc/caddy') ?? join(dirname(composeFile), 'caddy'));
  return {
    target,
    composeFile,
    envFile,
    envFileFound,
    dataDir,
    stateFile: stateFilePath(dataDir),
    lockPath: join(dirname(dataDir), 'release-flow-deploy.lock'),
    upstreamsFile: join(proxyDir, 'upstreams.caddy'),
    model,
  };
}

const NO_ENV_FILE = '/dev/null';

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
export async function listContainers(docker: Docker, target: ComposeTarget, services: string[] = []): Promise<PsEntry[]> {
  return parsePs((await docker.run(psArgs(target, services))).stdout);
}

/**
 * The project's containers (or only `services`) with the health that counts now: compose's ps,
 * then `docker inspect` for when each container started and when its last probe did, since the
 * engine keeps the status of a container's previous run across a restart by its restart policy
 * (core/container-health.ts). Every health read of the flows goes through here.
 */
export async function listServices(docker: Docker, target: ComposeTarget, services: string[] = []): Promise<PsEntry[]> {
  const ps = await listContainers(docker, target, services);
  const ids = ps.map((p) => p.ID).filter((id) => id !== '');
  if (ids.length === 0) return ps;
  const seen = await inspectHealth(docker, ids);
  return ps.map((p) => withCurrentHealth(p, [...seen].find(([id]) => p.ID !== '' && id.startsWith(p.ID))?.[1]));
}

/** Each container's health as `docker inspect` reports it, by full id; a container gone in between is left out. */
async function inspectHealth(docker: Docker, ids: readonly string[]): Promise<Map<string, HealthSeen>> {
  // One call for all; when it fails (a container removed since ps), one call each for the others.
  const outputs = await docker.run(inspectStateArgs(ids)).then(
    (r) => [r.stdout],
    () => Promise.all(ids.map((id) => docker.run(inspectStateArgs([id])).then((r) => r.stdout, () => ''))),
  );
  const seen = new Map<string, HealthSeen>();
  for (const line of outputs.join('\n').split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const state = JSON.parse(line.slice(space + 1)) as { StartedAt?: string; Health?: { Status?: string; Log?: Array<{ Start?: string }> } | null };
    seen.set(line.slice(0, space), { status: state.Health?.Status, startedAt: state.StartedAt, lastProbeStart: state.Health?.Log?.at(-1)?.Start });
  }
  return seen;
}

/**
 * What runs prod now, from the state file and the containers (core/workspace-repair.ts
 * `liveColour`), not from upstreams.caddy, which a checkout on the runner resets to blue first.
 * `ps` lists dev too.
 */
export interface ProdObservation {
  /** The colours as upstreams.caddy should list them: the live colour first. */
  order: [Colour, Colour];
  /** The order upstreams.caddy lists now, or undefined when it names no colour. */
  upstreamsOrder: Colour[] | undefined;
  live: LiveDecision;
  colours: Record<Colour, ColourSeen>;
  proxyUp: boolean;
  ps: PsEntry[];
  envVars: Record<string, string>;
  state: DeployState;
  /** The live colour while the proxy runs. */
  servingColour: Colour | undefined;
  servingDigest: string | null;
}

export async function observeProd(docker: Docker, paths: ProjectPaths): Promise<ProdObservation> {
  const ps = await listServices(docker, paths.target);
  const state = await readStateFile(paths.stateFile);
  const envVars = readEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''));
  const upstreamsOrder = parseUpstreams(await readFile(paths.upstreamsFile, 'utf8').catch(() => ''));
  const colours = { blue: colourSeen(ps, 'blue'), green: colourSeen(ps, 'green') };
  const prod = state.environments.prod;
  const stale = prod.deploying !== null && !isAlive(prod.deploying.pid) ? prod.deploying : null;
  const live = liveColour({ active: prod.active, interrupted: stale, colours: Object.values(colours), upstreams: upstreamsOrder });
  const proxyUp = ps.some((p) => p.Service === PROXY_SERVICE && p.State === 'running');
  const servingColour = proxyUp ? live.live : undefined;
  // The container's own reference first; an unpinned one falls back to .env, then to the record that placed it there.
  const servingDigest =
    servingColour === undefined
      ? null
      : (colours[servingColour].digest ?? digestOf(envVars[colourImageVariable(servingColour)]) ?? (prod.active?.colour === servingColour ? prod.active.digest : null));
  return { order: live.order, upstreamsOrder, live, colours, proxyUp, ps, envVars, state, servingColour, servingDigest };
}

function colourSeen(ps: readonly PsEntry[], colour: Colour): ColourSeen {
  const e = ps.find((p) => p.Service === colourService(colour));
  if (!e) return { colour, condition: 'down', digest: null, detail: 'absent' };
  const running = e.State === 'running';
  return {
    colour,
    condition: isUp(e) ? 'healthy' : running ? 'running' : 'down',
    digest: digestOf(e.Image) ?? null,
    detail: running ? e.Health || 'running' : e.State || 'stopped',
  };
}

export interface RepairOptions {
  log: (line: string) => void;
  /** False on a dry run: what would be repaired is logged, nothing is written or reloaded. */
  write: boolean;
  /** The image without tag, for a release only the state file still knows (default: a prod container's repository). */
  imageName?: string | undefined;
}

/**
 * Makes the workspace files say what the host does, before anything changes (under the deploy
 * lock): upstreams.caddy is rewritten with the live colour first (and Caddy reloaded, so that it
 * routes there even if it had loaded the reset file), and the image variables missing from the
 * env file are restored from the containers and the state file, SYNAPSE_ACTIVE_ENV from the state
 * file. Logs one line when it repairs
 * something, one when the state disagrees with the containers. Returns whether it wrote the env
 * file, after which `paths` must be read again (its compose target pointed at /dev/null).
 */
export async function repairWorkspace(docker: Docker, paths: ProjectPaths, seen: ProdObservation, options: RepairOptions): Promise<{ envFileWritten: boolean }> {
  const { live } = seen;
  if (live.conflict) options.log(`prod: ${live.conflict}; ${live.live ?? 'no colour'} is taken as live (${live.because})`);
  const repaired: string[] = [];
  const upstreamsWrong = live.live !== undefined && live.upstreamsWrong;
  if (upstreamsWrong) {
    const said = seen.upstreamsOrder ? `listed ${seen.upstreamsOrder[0]} first` : 'named no colour';
    const reload = seen.proxyUp ? ` and ${options.write ? 'reloaded' : 'reload'} Caddy` : '';
    repaired.push(`${paths.upstreamsFile} ${said}, but ${live.live} is live (${live.because}): ${options.write ? 'rewrote' : 'would rewrite'} it ${live.live} first${reload}`);
  }
  const env = envRepairs(seen.envVars, [...imageSources(seen, options.imageName), ...activeEnvSources(seen.state.activeEnv)]);
  const createEnv = !paths.envFileFound;
  if (env.notes.length > 0 || createEnv) {
    const what = env.notes.length > 0 ? `${options.write ? 'restored' : 'would restore'} ${env.notes.join(', ')}` : `${options.write ? 'created it' : 'would create it'}`;
    repaired.push(`${paths.envFile}${createEnv ? ' was missing' : ''}: ${what}`);
  }
  if (repaired.length === 0) return { envFileWritten: false };
  options.log(`workspace ${options.write ? 'repaired' : 'out of date'}: ${repaired.join('; ')}`);
  if (!options.write) return { envFileWritten: false };
  if (upstreamsWrong) {
    await writeFileAtomic(paths.upstreamsFile, upstreamsText(live.order));
    if (seen.proxyUp) await docker.run(caddyReloadArgs(paths.target));
  }
  if (env.notes.length > 0 || createEnv) {
    await writeFileAtomic(paths.envFile, setEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''), env.values));
    return { envFileWritten: true };
  }
  return { envFileWritten: false };
}

/** Each image variable's reference from its container (prod colours and dev), then the prod releases the state file places on a colour. */
function imageSources(seen: ProdObservation, imageName: string | undefined): ImageSource[] {
  const sources: ImageSource[] = [];
  const services: Array<[string, string]> = [...COLOURS.map((c): [string, string] => [colourService(c), colourImageVariable(c)]), [DEV_SERVICE, 'SYNAPSE_DEV_IMAGE']];
  for (const [service, variable] of services) {
    const ref = seen.ps.find((p) => p.Service === service)?.Image ?? '';
    // A bare image id (sha256:…) is what the engine shows once the reference is gone: not one to write.
    if (ref !== '' && !ref.startsWith('sha256:')) sources.push({ variable, ref, from: service, container: true });
  }
  const repository = imageName ?? COLOURS.map((c) => seen.ps.find((p) => p.Service === colourService(c))?.Image ?? '').find((ref) => digestOf(ref))?.replace(/@sha256:[0-9a-f]{64}$/, '');
  const prod = seen.state.environments.prod;
  for (const release of [prod.active, prod.previous]) {
    if (repository && release?.colour) sources.push({ variable: colourImageVariable(release.colour), ref: `${repository}@${release.digest}`, from: 'the state file', container: false });
  }
  return sources;
}

export interface ReconcileOptions {
  at: string;
  log: (line: string) => void;
  /** False on a dry run: the corrections are logged, not written. */
  write: boolean;
  /** dev: the digest its container was seen to run (the switch reads it from the image); otherwise the record's, if dev runs at all. */
  devDigest?: string | undefined;
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
      : options.devDigest !== undefined
        ? { servingDigest: options.devDigest, servingVersion: 'latest', deployingPidAlive }
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
