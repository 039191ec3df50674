// `release-flow rollback --env prod`: back to the previous release, and data restores.
//
// Instant rollback: the previous release still runs as the hot standby (the colour that is not live,
// told from the state file and the containers, not from upstreams.caddy, which a checkout on the
// runner resets), so a rollback is the deploy's switch in reverse: rewrite upstreams.caddy with
// the standby first and reload Caddy gracefully, under the deploy lock, then record it in the state
// (active ↔ previous, a history entry). It works at any time after the switch, not only during it
// (docker-rollout's flaw). When the standby is gone or holds something else, the previous release's
// recorded digest is deployed through the deploy flow. `--to vX.Y.Z` deploys that version.
//
// Data restore: choose a backup, stop the app containers, put the backup in place, recreate them.

import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { defaultBackupsDir, listBackups, restoreBackup } from '../adapters/data-backup.js';
import type { Docker } from '../adapters/docker.js';
import { writeStateFile } from '../adapters/state-file.js';
import { chooseBackup } from '../core/backup-retention.js';
import { caddyReloadArgs, colourService, DEV_SERVICE, healthWaitSeconds, stopArgs, upServiceArgs, upstreamsText } from '../core/compose-commands.js';
import { beginDeploy, finishDeploy, type Colour, type Environment } from '../core/deploy-state.js';
import { InputError, PreconditionError } from '../core/errors.js';
import { deploy, type DeployDeps, type DeployOptions, type DeployResult } from './deploy.js';
import { environmentUrl, isUp, lockProject, observeProd, projectPaths, reconciledState, repairWorkspace, underLock, writeFileAtomic, type ProjectOptions } from './compose-project.js';

export interface RollbackOptions extends ProjectOptions {
  env: Environment | string;
  /** vX.Y.Z: deploy that version. Default: the previous release. */
  to?: string | undefined;
  /** The image without tag; needed when the rollback goes through the deploy flow. */
  image?: string | undefined;
  watchSeconds?: number | undefined;
  lockTimeoutMs?: number | undefined;
  waitTimeoutSeconds?: number | undefined;
  log?: (line: string) => void;
}

export interface RollbackResult {
  env: 'prod';
  /** instant: the standby took the traffic back; deploy: through the deploy flow. */
  mode: 'instant' | 'deploy';
  version: string;
  digest: string;
  previousVersion: string | null;
  colour?: Colour;
  url?: string;
  stateFile: string;
  deploy?: DeployResult;
}

export function requireProd(env: string): 'prod' {
  if (env === 'prod') return 'prod';
  if (env === 'dev') throw new InputError('--env', env, 'prod: dev follows latest and has no rollback; run `release-flow deploy --env dev` (or `--version vX.Y.Z`)');
  throw new InputError('--env', env, 'prod');
}

function deployOptions(options: RollbackOptions, version: string, extra: Partial<DeployOptions> = {}): DeployOptions {
  if (!options.image) throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse (needed to deploy a release)');
  return {
    env: 'prod',
    version,
    image: options.image,
    composeFile: options.composeFile,
    project: options.project,
    envFile: options.envFile,
    dataDir: options.dataDir,
    proxyConfigDir: options.proxyConfigDir,
    watchSeconds: options.watchSeconds,
    lockTimeoutMs: options.lockTimeoutMs,
    waitTimeoutSeconds: options.waitTimeoutSeconds,
    ...(options.log ? { log: options.log } : {}),
    ...extra,
  };
}

function fromDeploy(r: DeployResult): RollbackResult {
  return {
    env: 'prod',
    mode: 'deploy',
    version: r.version,
    digest: r.digest,
    previousVersion: r.previousVersion,
    ...(r.colour ? { colour: r.colour } : {}),
    ...(r.url ? { url: r.url } : {}),
    stateFile: r.stateFile,
    deploy: r,
  };
}

export async function rollback(deps: DeployDeps, options: RollbackOptions): Promise<RollbackResult> {
  requireProd(options.env);
  const log = options.log ?? (() => {});
  const now = deps.now ?? (() => new Date());
  if (options.to !== undefined) {
    log(`rolling prod to ${options.to} through the deploy flow`);
    return fromDeploy(await deploy(deps, deployOptions(options, options.to)));
  }

  let paths = await projectPaths(deps.docker, options);
  const lock = await lockProject(paths, 'rollback prod', options.lockTimeoutMs, log);
  let fallback: { version: string; digest: string; why: string };
  try {
    const seen = await observeProd(deps.docker, paths);
    if ((await repairWorkspace(underLock(deps.docker, lock), paths, seen, { log, write: true, imageName: options.image })).envFileWritten) {
      paths = await projectPaths(deps.docker, options);
    }
    let state = await reconciledState(paths, 'prod', seen, { at: now().toISOString(), log, write: true });
    const prod = state.environments.prod;
    const previous = prod.previous;
    if (previous === null) {
      throw new PreconditionError('prod has no previous release recorded; there is nothing to roll back to', 'name a release: release-flow rollback --env prod --to vX.Y.Z');
    }
    // The live colour first: from the state file and the containers, whatever upstreams.caddy said.
    const [live, standby] = seen.order;
    const standbyEntry = standby ? seen.ps.find((p) => p.Service === colourService(standby)) : undefined;
    // What the standby's container runs, not what .env says it should.
    const standbyDigest = standby ? seen.colours[standby].digest : undefined;
    const instant = seen.proxyUp && seen.live.live !== undefined && standby !== undefined && isUp(standbyEntry) && standbyDigest === previous.digest;
    if (instant) {
      log(`${colourService(standby)} holds ${previous.version} and is ${standbyEntry!.Health || 'running'}: switching traffic back to it (caddy reload)`);
      await writeFileAtomic(paths.upstreamsFile, upstreamsText([standby, live]));
      try {
        await underLock(deps.docker, lock).run(caddyReloadArgs(paths.target));
      } catch (error) {
        await writeFileAtomic(paths.upstreamsFile, upstreamsText([live, standby]));
        throw error;
      }
      const deployId = `prod-rollback-${now().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
      const from = prod.active;
      state = beginDeploy(state, 'prod', { deployId, version: previous.version, digest: previous.digest, colour: standby, startedAt: now().toISOString(), pid: process.pid });
      state = finishDeploy(state, 'prod', 'success', {
        deployId,
        at: now().toISOString(),
        detail: `instant rollback: ${colourService(standby)} serves ${previous.version} again${from ? `; ${from.version} on ${colourService(live)} is the hot standby` : ''}`,
      });
      await writeStateFile(paths.stateFile, state);
      const url = environmentUrl(paths.model, 'prod');
      log(`prod serves ${previous.version} from ${standby}${url ? ` at ${url}` : ''}`);
      return {
        env: 'prod',
        mode: 'instant',
        version: previous.version,
        digest: previous.digest,
        previousVersion: from?.version ?? null,
        colour: standby,
        ...(url ? { url } : {}),
        stateFile: paths.stateFile,
      };
    }
    const why = !seen.proxyUp
      ? 'the proxy is not running'
      : standbyEntry === undefined
        ? `the standby ${standby ? colourService(standby) : 'colour'} is gone`
        : !isUp(standbyEntry)
          ? `the standby ${colourService(standby!)} is ${standbyEntry.State}${standbyEntry.Health ? ` (${standbyEntry.Health})` : ''}`
          : `the standby ${colourService(standby!)} holds another release`;
    fallback = { version: previous.version, digest: previous.digest, why };
  } finally {
    await lock.release();
  }
  // The deploy flow takes the lock itself.
  log(`${fallback.why}: redeploying ${fallback.version} (${fallback.digest}) through the deploy flow`);
  return fromDeploy(await deploy(deps, deployOptions(options, fallback.version, { digest: fallback.digest })));
}

export interface RestoreDataOptions extends ProjectOptions {
  /** A backup name, a version label or "latest". */
  backup: string;
  backupsDir?: string | undefined;
  lockTimeoutMs?: number | undefined;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RestoreDataResult {
  backup: string;
  backupPath: string;
  dataDir: string;
  /** Where the replaced data was kept. */
  previousData: string | null;
  /** The app containers stopped for the restore and recreated after it. */
  restarted: string[];
}

/** The backup a selector names, without changing anything (for the confirmation prompt). */
export async function chooseRestore(docker: Docker, options: ProjectOptions & { backup: string; backupsDir?: string | undefined }): Promise<{ name: string; path: string; dataDir: string }> {
  const paths = await projectPaths(docker, options);
  const dir = resolve(options.backupsDir ?? defaultBackupsDir(paths.dataDir));
  const chosen = chooseBackup((await listBackups(dir)).map((b) => b.name), options.backup);
  return { name: chosen.name, path: join(dir, chosen.name), dataDir: paths.dataDir };
}

const APP_SERVICES = [DEV_SERVICE, colourService('blue'), colourService('green')];

/** Stops the app containers, restores the backup into the data directory, recreates them. */
export async function restoreData(docker: Docker, options: RestoreDataOptions): Promise<RestoreDataResult> {
  const log = options.log ?? (() => {});
  const paths = await projectPaths(docker, options);
  const chosen = await chooseRestore(docker, options);
  const lock = await lockProject(paths, `rollback --restore-data ${chosen.name}`, options.lockTimeoutMs, log);
  const locked = underLock(docker, lock);
  try {
    // Prod's live colour (from the state and the containers) is recreated first, below.
    const seen = await observeProd(locked, paths);
    const ps = seen.ps;
    const running = APP_SERVICES.filter((s) => ps.some((p) => p.Service === s && p.State === 'running'));
    for (const service of running) {
      log(`stopping ${service}`);
      await locked.run(stopArgs(paths.target, service, 10));
    }
    // The state file lives in the data directory's parent, so it is not part of the restore.
    const restored = await restoreBackup({
      dataDir: paths.dataDir,
      ...(options.backupsDir ? { backupsDir: options.backupsDir } : {}),
      name: chosen.name,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
    log(`restored ${chosen.name} into ${paths.dataDir}${restored.previous ? `; the replaced data is in ${restored.previous}` : ''}`);
    // Recreated, not restarted: a bind mount keeps following the renamed directory until then.
    // Prod's serving colour first, so the proxy gets an upstream back as soon as possible.
    const first = seen.order.map(colourService).filter((s) => running.includes(s));
    for (const service of [...first, ...running.filter((s) => !first.includes(s))]) {
      log(`recreating ${service}`);
      await locked.run(upServiceArgs(paths.target, service, healthWaitSeconds(paths.model.services?.[service]?.healthcheck), { forceRecreate: true }));
    }
    return { backup: restored.name, backupPath: chosen.path, dataDir: paths.dataDir, previousData: restored.previous, restarted: running };
  } finally {
    await lock.release();
  }
}
