// The deploy flow: prod blue/green behind Caddy (compose/docker-compose.yml), dev by recreate.
// Every docker call goes through the Docker adapter with argv from core/compose-commands.ts.
//
// The steps, in order, and why in that order:
//   resolve   the version's digest first: a version that does not exist changes nothing;
//   lock      one deploy per host; the state is read and reconciled under it, so a deploy killed
//             earlier is recorded as interrupted before this one builds on the record;
//   repair    the workspace (a runner's checkout resets it): upstreams.caddy and the image variables
//             of .env are made to say what the state file and the containers say runs, so the
//             new release never goes into the colour that serves;
//   pre-flight on the configuration as it will run, while nothing has changed yet;
//   backup    of the data (prod), before anything can touch it;
//   record    the deploy as in progress, so a crash from here on is found by the next run;
//   start     the idle colour, pinned by digest, healthy before any traffic moves (dev: recreate);
//   switch    traffic (upstreams.caddy + a graceful caddy reload);
//   watch     the new colour for a while, and switch back when it fails;
//   record    the outcome. The old colour keeps running as the hot standby.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { backupDataDir } from '../adapters/data-backup.js';
import type { Docker } from '../adapters/docker.js';
import type { HostProbes } from '../adapters/host-probes.js';
import type { RegistryClient } from '../adapters/registry.js';
import { writeStateFile } from '../adapters/state-file.js';
import {
  caddyReloadArgs,
  colourImageVariable,
  colourService,
  DEV_SERVICE,
  healthWaitSeconds,
  otherColour,
  PROXY_SERVICE,
  pullArgs,
  setEnvLines,
  stopArgs,
  upServiceArgs,
  upstreamsText,
} from '../core/compose-commands.js';
import { beginDeploy, finishDeploy, type Colour, type DeployState, type Environment } from '../core/deploy-state.js';
import { InputError } from '../core/errors.js';
import { parseImageName, type ImageName } from '../core/image-ref.js';
import type { CheckResult } from '../core/preflight.js';
import { healthTail, startHealthy, watch } from './deploy-health.js';
import { checkLine, preflight, requirePreflightPassed } from './deploy-preflight.js';
import { environmentUrl, lockProject, observeProd, projectPaths, reconciledState, repairWorkspace, underLock, writeFileAtomic, type ProdObservation, type ProjectPaths } from './compose-project.js';

export interface DeployDeps {
  docker: Docker;
  registry: RegistryClient;
  probes: HostProbes;
  now?: () => Date;
}

export interface DeployOptions {
  env: Environment;
  /** X.Y.Z (a leading v is accepted); required for prod, dev defaults to `latest`. */
  version?: string | undefined;
  /** The image name without tag: 127.0.0.1:5000/owner/synapse. */
  image: string;
  composeFile: string;
  project: string;
  /** The compose variables file the deploy records image references in (default: .env beside the compose file). */
  envFile?: string | undefined;
  /** Default: the bind source mounted at /app/data in the compose configuration. */
  dataDir?: string | undefined;
  /** Default: the bind source mounted at /etc/caddy for synapse-prod. */
  proxyConfigDir?: string | undefined;
  /** Seconds the new prod colour is watched after the switch (default 60). */
  watchSeconds?: number | undefined;
  /** How long to wait for another deploy's lock (default 10 minutes). */
  lockTimeoutMs?: number | undefined;
  /** Overrides the health wait derived from the healthcheck (seconds). */
  waitTimeoutSeconds?: number | undefined;
  /** Resolve and pre-flight only; change nothing. */
  dryRun?: boolean | undefined;
  /** Deploy this recorded digest (sha256:…) instead of the one the version's tag resolves to now (rollback, switch). */
  digest?: string | undefined;
  /** The configs directory for the configs check (default: the source mounted at /app/configs). */
  configDir?: string | undefined;
  /** Environment variables for the configs check (precedence top layer). Default: none. */
  configEnv?: Readonly<Record<string, string | undefined>>;
  /** Bytes the engine's data root must keep free besides the pull (default 512 MiB). */
  minFreeDiskBytes?: number | undefined;
  /**
   * Called once the version is resolved and the pre-flight passed, before anything changes (never
   * on a dry run): a deploy that reaches it is a real attempt, worth reporting elsewhere.
   */
  onPreflightPassed?: ((planned: DeployResult) => Promise<void> | void) | undefined;
  log?: (line: string) => void;
}

export interface DeployResult {
  env: Environment;
  version: string;
  digest: string;
  imageRef: string;
  previousVersion: string | null;
  rolledBack: boolean;
  outcome: 'success' | 'rolled-back' | 'planned';
  colour?: Colour;
  url?: string;
  checks: CheckResult[];
  plan: string[];
  /** On a rollback: why, with the health log tail (secrets redacted). */
  reason?: string;
  stateFile: string;
  backup?: string;
}

/** A deploy that rolled back: the CLI exits 1 with its message; the result is attached. */
export class DeployRolledBackError extends Error {
  override readonly name = 'DeployRolledBackError';
  constructor(readonly result: DeployResult) {
    super(`${result.env} ${result.version} was rolled back: ${result.reason ?? 'unhealthy'}`);
  }
}

const DEFAULT_WATCH_SECONDS = 60;

export async function deploy(deps: DeployDeps, options: DeployOptions): Promise<DeployResult> {
  const run: Run = { env: options.env, options, log: options.log ?? (() => {}), now: deps.now ?? (() => new Date()) };
  const release = await resolveRelease(deps.registry, run);
  const located = await projectPaths(deps.docker, options, run.env);
  const lock = options.dryRun ? undefined : await lockProject(located, `deploy ${run.env} ${release.version}`, options.lockTimeoutMs, run.log);
  try {
    return await deployLocked({ ...deps, docker: underLock(deps.docker, lock) }, run, release);
  } finally {
    await lock?.release();
  }
}

/** One deploy's options with its log and clock. */
interface Run {
  env: Environment;
  options: DeployOptions;
  log: (line: string) => void;
  now: () => Date;
}

/** The release being deployed, resolved to the digest that will run. */
interface Release {
  /** X.Y.Z, or `latest` for dev. */
  version: string;
  image: ImageName;
  digest: string;
  /** What the compose variable gets: pinned by digest on prod, the tag on dev (it follows latest). */
  imageRef: string;
}

async function resolveRelease(registry: RegistryClient, { env, options, log }: Run): Promise<Release> {
  const version = normalizeVersion(options.version, env);
  const image = parseImageName(options.image, '--image');
  const tag = version === undefined ? 'latest' : `v${version}`;
  log(`resolving ${image.name}:${tag}`);
  const ref = options.digest !== undefined ? { digest: options.digest } : await registry.resolveTag(image, tag);
  if (ref === null) {
    throw new InputError(version === undefined ? '--image' : '--version', version === undefined ? `${image.name}:latest` : options.version, `a version published as ${image.name}:${tag} in ${image.registry}`);
  }
  log(`${image.name}:${tag} is ${ref.digest}`);
  return { version: version ?? 'latest', image, digest: ref.digest, imageRef: env === 'prod' ? `${image.name}@${ref.digest}` : `${image.name}:${tag}` };
}

function normalizeVersion(version: string | undefined, env: Environment): string | undefined {
  if (version === undefined) {
    if (env === 'prod') throw new InputError('--version', version ?? '', 'a release version X.Y.Z (vX.Y.Z) for a prod deploy');
    return undefined;
  }
  const v = version.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v)) throw new InputError('--version', version, 'a version X.Y.Z or vX.Y.Z');
  return v;
}

async function deployLocked(deps: DeployDeps, run: Run, release: Release): Promise<DeployResult> {
  const { env, options, log } = run;
  // Read again under the lock: the deploy that held it may have changed the configuration.
  let paths = await projectPaths(deps.docker, options, env);
  const seen = await observeProd(deps.docker, paths);
  const repaired = await repairWorkspace(deps.docker, paths, seen, { log, write: !options.dryRun, imageName: release.image.name });
  if (repaired.envFileWritten) paths = await projectPaths(deps.docker, options, env);
  const state = await reconciledState(paths, env, seen, { at: run.now().toISOString(), log, write: !options.dryRun });
  const rollout = planRollout(paths, seen, run, release);
  const checks = await preflight(deps, paths, {
    env,
    image: release.image,
    digest: release.digest,
    variable: rollout.variable,
    value: release.imageRef,
    configDir: options.configDir,
    configEnv: options.configEnv ?? {},
    minFreeDiskBytes: options.minFreeDiskBytes,
  });
  for (const c of checks) log(checkLine(c));
  const planned: DeployResult = {
    env,
    version: release.version,
    digest: release.digest,
    imageRef: release.imageRef,
    previousVersion: state.environments[env].active?.version ?? null,
    rolledBack: false,
    outcome: 'planned',
    ...(rollout.colour ? { colour: rollout.colour } : {}),
    ...(rollout.url ? { url: rollout.url } : {}),
    checks,
    plan: rollout.plan,
    stateFile: paths.stateFile,
  };
  requirePreflightPassed(checks, env, release.version);
  if (options.dryRun) return planned;
  await options.onPreflightPassed?.(planned);
  return carryOut({ docker: deps.docker, paths, run, release, rollout }, state, planned);
}

/** What every step of the change works on. */
interface Step {
  docker: Docker;
  paths: ProjectPaths;
  run: Run;
  release: Release;
  rollout: Rollout;
}

/** The changes, from the backup on: each outcome is recorded, and a prod release that fails its health is rolled back. */
async function carryOut(step: Step, reconciled: DeployState, planned: DeployResult): Promise<DeployResult> {
  const { paths, run, release, rollout } = step;
  const backup = run.env === 'prod' ? await backUp(step) : undefined;
  const result: DeployResult = { ...planned, ...(backup ? { backup } : {}) };
  const record = await openRecord(step, reconciled);
  try {
    await writeFileAtomic(paths.envFile, setEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''), { [rollout.variable]: release.imageRef }));
    if (run.env === 'dev') {
      await recreate(step);
      await record.close('success', `${rollout.service} recreated with ${release.imageRef}`);
      run.log(`dev serves ${release.version} (${release.digest})`);
      return { ...result, outcome: 'success' };
    }
    await startNewColour(step, record, result);
    await switchTraffic(step);
    await watchNewColour(step, record, result);
    await record.close('success', `${rollout.service} serves ${release.version}; ${otherColour(rollout.colour!)} is the hot standby`);
    run.log(`prod serves ${release.version} from ${rollout.colour}${rollout.url ? ` at ${rollout.url}` : ''}`);
    return { ...result, outcome: 'success' };
  } catch (error) {
    if (record.open) await record.close('failed', error instanceof Error ? firstLine(error.message) || 'failed' : String(error)).catch(() => undefined);
    throw error;
  }
}

/** Which service gets the release, and what the deploy will do; nothing runs yet. */
interface Rollout {
  /** prod's idle colour: blue on the first deploy, otherwise the one not serving. */
  colour: Colour | undefined;
  service: string;
  variable: string;
  /** No proxy runs yet: it is started rather than reloaded, and there is nothing to switch back to. */
  firstDeploy: boolean;
  url: string | undefined;
  waitTimeoutSeconds: number;
  watchSeconds: number;
  plan: string[];
}

function planRollout(paths: ProjectPaths, seen: ProdObservation, { env, options }: Run, release: Release): Rollout {
  const firstDeploy = env === 'prod' && !seen.proxyUp;
  // Never the live colour (from the state and the containers, not upstreams.caddy); blue when none runs.
  const live = seen.live.live;
  const colour: Colour | undefined = env === 'prod' ? (live ? otherColour(live) : 'blue') : undefined;
  const service = colour ? colourService(colour) : DEV_SERVICE;
  const variable = colour ? colourImageVariable(colour) : 'SYNAPSE_DEV_IMAGE';
  const watchSeconds = options.watchSeconds ?? DEFAULT_WATCH_SECONDS;
  const setVariable = `${variable}=${release.imageRef} in ${paths.envFile}`;
  const plan = colour
    ? [
        `back up ${paths.dataDir}`,
        setVariable,
        `start ${service} (${release.version}) and wait for its health check`,
        ...(firstDeploy ? [`start the proxy ${PROXY_SERVICE}`] : []),
        `switch ${paths.upstreamsFile} to ${colour} first and reload Caddy`,
        `watch ${service} for ${watchSeconds} s; on failure switch back to ${otherColour(colour)}`,
      ]
    : [setVariable, `pull ${service}`, `recreate ${service} and wait for its health check`];
  return {
    colour,
    service,
    variable,
    firstDeploy,
    url: environmentUrl(paths.model, env),
    waitTimeoutSeconds: options.waitTimeoutSeconds ?? healthWaitSeconds(paths.model.services?.[service]?.healthcheck),
    watchSeconds,
    plan,
  };
}

async function backUp({ paths, release, run: { log } }: Step): Promise<string> {
  const b = await backupDataDir({ dataDir: paths.dataDir, label: `v${release.version}`, log });
  log(`backed up ${paths.dataDir} to ${b.path}`);
  return b.path;
}

/** The deploy's entry in the state file: in progress from `openRecord` until `close` records its outcome. */
interface DeployRecord {
  readonly open: boolean;
  close(outcome: 'success' | 'rolled-back' | 'failed', detail: string): Promise<void>;
}

async function openRecord({ paths, release, rollout: { colour }, run: { env, now } }: Step, reconciled: DeployState): Promise<DeployRecord> {
  const deployId = `${env}-${now().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  let state = beginDeploy(reconciled, env, { deployId, version: release.version, digest: release.digest, ...(colour ? { colour } : {}), startedAt: now().toISOString(), pid: process.pid });
  await writeStateFile(paths.stateFile, state);
  return {
    get open() {
      return state.environments[env].deploying?.deployId === deployId;
    },
    async close(outcome, detail) {
      state = finishDeploy(state, env, outcome, { deployId, at: now().toISOString(), detail });
      await writeStateFile(paths.stateFile, state);
    },
  };
}

/** dev may restart briefly: it is pulled and recreated in place. */
async function recreate({ docker, paths, release, rollout, run: { log } }: Step): Promise<void> {
  log(`pulling ${release.imageRef}`);
  await docker.run(pullArgs(paths.target, rollout.service));
  log(`recreating ${rollout.service}`);
  await docker.run(upServiceArgs(paths.target, rollout.service, rollout.waitTimeoutSeconds, { forceRecreate: true }));
}

async function startNewColour(step: Step, record: DeployRecord, result: DeployResult): Promise<void> {
  const { docker, paths, rollout: { service, waitTimeoutSeconds }, run: { log } } = step;
  log(`starting ${service} with ${result.imageRef} (waiting up to ${waitTimeoutSeconds} s for its health check)`);
  const failure = await startHealthy(docker, paths.target, service, waitTimeoutSeconds);
  if (failure === undefined) return;
  const tail = await healthTail(docker, paths.target, service, paths.model);
  log(`${service} did not become healthy; traffic stays where it is; stopping ${service}`);
  await stopFailed(step);
  await rollBack(record, result, `${service} did not become healthy within ${waitTimeoutSeconds} s (${failure})${tailText(tail)}`);
}

/**
 * No drain step: Caddy's reload is graceful (requests in flight finish on the old colour), and the
 * old colour keeps running as the hot standby, so an instant rollback is one more reload.
 */
async function switchTraffic({ docker, paths, rollout, run: { log } }: Step): Promise<void> {
  const colour = rollout.colour!;
  await writeFileAtomic(paths.upstreamsFile, upstreamsText([colour, otherColour(colour)]));
  if (rollout.firstDeploy) {
    log(`starting the proxy ${PROXY_SERVICE}`);
    await docker.run(upServiceArgs(paths.target, PROXY_SERVICE, healthWaitSeconds(paths.model.services?.[PROXY_SERVICE]?.healthcheck)));
  } else {
    log(`switching traffic to ${colour} (caddy reload)`);
    await docker.run(caddyReloadArgs(paths.target));
  }
}

async function watchNewColour(step: Step, record: DeployRecord, result: DeployResult): Promise<void> {
  const { docker, paths, rollout: { service, watchSeconds, firstDeploy }, run: { log } } = step;
  const colour = step.rollout.colour!;
  log(`watching ${service} for ${watchSeconds} s`);
  const failure = await watch(docker, paths.target, service, paths.model, watchSeconds);
  if (failure === undefined) return;
  log(`${service} failed during the watch (${failure}); switching back to ${otherColour(colour)}`);
  await writeFileAtomic(paths.upstreamsFile, upstreamsText([otherColour(colour), colour]));
  if (!firstDeploy) await docker.run(caddyReloadArgs(paths.target));
  // Traffic first: the failed colour's log is collected once nothing is sent to it, before it stops.
  const tail = await healthTail(docker, paths.target, service, paths.model);
  await stopFailed(step);
  await rollBack(record, result, `${service} failed during the ${watchSeconds} s watch: ${failure}${tailText(tail)}`);
}

/** Best effort: traffic is already away from the failed colour, and the rollback must still be recorded. */
async function stopFailed({ docker, paths, rollout: { service }, run: { log } }: Step): Promise<void> {
  await docker.run(stopArgs(paths.target, service, 5)).catch((e: unknown) => log(`stopping ${service} failed: ${e instanceof Error ? e.message : String(e)}`));
}

async function rollBack(record: DeployRecord, result: DeployResult, reason: string): Promise<never> {
  await record.close('rolled-back', firstLine(reason));
  throw new DeployRolledBackError({ ...result, outcome: 'rolled-back', rolledBack: true, reason });
}

function tailText(tail: string): string {
  return tail ? `\nhealth log:\n${tail}` : '';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
