// `release-flow switch dev|prod` (scripts/switch_env.sh): makes an environment the active one.
//
// The target is brought up at its recorded version (prod: the state's active release, pinned by
// digest, or `--version` through the deploy flow, which makes a switch a rollback too; dev: latest,
// left as it is when its container already runs, healthy, the digest `latest` resolves to now),
// then SYNAPSE_ACTIVE_ENV=<env> is recorded under the deploy lock in the state file and in the
// compose variables file, every other line kept (the workspace repair restores it from the state).
// Each environment's configuration comes with it: compose gives each service its own
// SYNAPSE_CONFIG_PATH (configs/synapse_<env>.json), so nobody edits a port or a config by hand.

import { readFile } from 'node:fs/promises';
import type { Docker } from '../adapters/docker.js';
import { readStateFile, writeStateFile } from '../adapters/state-file.js';
import { parseEnvironment, recordActiveEnv, type Environment } from '../core/deploy-state.js';
import {
  ACTIVE_ENV_VARIABLE,
  colourService,
  CONFIG_HASH_LABEL,
  configHashArgs,
  DEV_SERVICE,
  inspectContainerArgs,
  repoDigestsArgs,
  setEnvLines,
} from '../core/compose-commands.js';
import { devCurrent, type DevSeen } from '../core/dev-current.js';
import { InputError, PreconditionError } from '../core/errors.js';
import { parseImageName } from '../core/image-ref.js';
import { deploy, type DeployDeps, type DeployResult } from './deploy.js';
import { environmentUrl, isUp, lockProject, observeProd, projectPaths, reconciledState, repairWorkspace, underLock, writeFileAtomic, type ProjectOptions, type ProjectPaths } from './compose-project.js';
import { deployStatus, type StatusReport } from './status.js';

export { ACTIVE_ENV_VARIABLE };

export interface SwitchOptions extends ProjectOptions {
  env: string;
  version?: string | undefined;
  /** The image without tag; needed whenever the target has to be deployed. */
  image?: string | undefined;
  watchSeconds?: number | undefined;
  lockTimeoutMs?: number | undefined;
  waitTimeoutSeconds?: number | undefined;
  log?: (line: string) => void;
}

export interface SwitchResult {
  active: Environment;
  /** The env file SYNAPSE_ACTIVE_ENV was written to. */
  envFile: string;
  version: string | null;
  digest: string | null;
  url: string | null;
  /** The configuration file the environment's service reads. */
  config: string;
  /** already-up: nothing had to start (dev: it runs latest's digest, healthy, and was not recreated); deployed: brought up through the deploy flow. */
  action: 'already-up' | 'deployed';
  /** Why nothing had to start, e.g. `dev already runs latest (sha256:…), healthy: not recreated`. */
  note?: string;
  deploy?: DeployResult;
  status: StatusReport;
}

export async function switchEnvironment(deps: DeployDeps, options: SwitchOptions): Promise<SwitchResult> {
  const env = parseEnvironment(options.env);
  const log = options.log ?? (() => {});
  const paths = await projectPaths(deps.docker, options);
  const image = () => {
    if (!options.image) throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse (or set RELEASE_FLOW_IMAGE)');
    return options.image;
  };
  const run = (version: string | undefined, digest?: string) =>
    deploy(deps, {
      env,
      version,
      image: image(),
      composeFile: paths.composeFile,
      project: options.project,
      envFile: paths.envFile,
      dataDir: options.dataDir,
      proxyConfigDir: options.proxyConfigDir,
      watchSeconds: options.watchSeconds,
      lockTimeoutMs: options.lockTimeoutMs,
      waitTimeoutSeconds: options.waitTimeoutSeconds,
      ...(digest ? { digest } : {}),
      log,
    });

  let deployed: DeployResult | undefined;
  let kept: { digest: string; note: string } | undefined;
  if (options.version !== undefined) {
    log(`switching to ${env} at ${options.version}`);
    deployed = await run(options.version);
  } else if (env === 'prod') {
    const recorded = await prodAlreadyServing(deps, options, paths, log);
    if (recorded !== undefined) {
      log(`bringing prod up at its recorded release ${recorded.version} (${recorded.digest})`);
      deployed = await run(recorded.version, recorded.digest);
    }
  } else {
    const dev = await devAlreadyLatest(deps, options, paths, image(), log);
    if (dev.current) {
      kept = { digest: dev.digest, note: `dev already runs latest (${dev.digest}), healthy: not recreated` };
      log(kept.note);
    } else {
      log(`bringing dev up at latest: ${dev.why}`);
      deployed = await run(undefined);
    }
  }

  await recordActive(paths, env, options.lockTimeoutMs, log);
  const status = await deployStatus(deps.docker, { composeFile: paths.composeFile, project: options.project, envFile: paths.envFile, dataDir: paths.dataDir });
  const mine = status.environments.find((e) => e.env === env);
  return {
    active: env,
    envFile: paths.envFile,
    version: deployed?.version ?? mine?.version ?? null,
    digest: deployed?.digest ?? kept?.digest ?? mine?.digest ?? null,
    url: environmentUrl(paths.model, env) ?? null,
    config: `configs/synapse_${env}.json`,
    action: deployed ? 'deployed' : 'already-up',
    ...(kept ? { note: kept.note } : {}),
    ...(deployed ? { deploy: deployed } : {}),
    status,
  };
}

/**
 * Under the deploy lock, so that it never interleaves with a deploy's writes: `env` becomes the
 * state's active environment, and SYNAPSE_ACTIVE_ENV=<env> is set in the env file.
 */
async function recordActive(paths: ProjectPaths, env: Environment, lockTimeoutMs: number | undefined, log: (line: string) => void): Promise<void> {
  const lock = await lockProject(paths, `switch ${env}`, lockTimeoutMs, log);
  try {
    const state = await readStateFile(paths.stateFile);
    const next = recordActiveEnv(state, env);
    if (next !== state) await writeStateFile(paths.stateFile, next);
    await writeFileAtomic(paths.envFile, setEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''), { [ACTIVE_ENV_VARIABLE]: env }));
    log(`${ACTIVE_ENV_VARIABLE}=${env} in ${paths.envFile} and ${paths.stateFile}`);
  } finally {
    await lock.release();
  }
}

/**
 * Under the deploy lock: repairs the workspace as a deploy would, then tells whether the dev
 * container already runs, healthy, exactly the digest `latest` resolves to now, from the reference
 * and with the configuration a deploy would give it (core/dev-current.ts). When it does, the
 * state is made to record that digest as dev's; otherwise the caller deploys dev as always.
 */
async function devAlreadyLatest(
  deps: DeployDeps,
  options: SwitchOptions,
  located: ProjectPaths,
  imageName: string,
  log: (line: string) => void,
): Promise<{ current: true; digest: string } | { current: false; why: string }> {
  const image = parseImageName(imageName, '--image');
  const latest = await deps.registry.resolveTag(image, 'latest');
  // The deploy says what is wrong with the image or the tag.
  if (latest === null) return { current: false, why: `${image.name}:latest was not found` };
  const lock = await lockProject(located, 'switch dev', options.lockTimeoutMs, log);
  try {
    const docker = underLock(deps.docker, lock);
    let paths = located;
    const seen = await observeProd(docker, paths);
    if ((await repairWorkspace(docker, paths, seen, { log, write: true, imageName })).envFileWritten) paths = await projectPaths(docker, options);
    const entry = seen.ps.find((p) => p.Service === DEV_SERVICE);
    const [dev, hash] = await Promise.all([
      entry?.ID ? devSeen(docker, entry.ID, entry.State, entry.Health) : undefined,
      docker.run(configHashArgs(paths.target, DEV_SERVICE)).then((r) => r.stdout.trim().split(/\s+/)[1] ?? ''),
    ]);
    const verdict = devCurrent(dev, { ref: `${image.name}:latest`, digest: latest.digest, configHash: hash });
    if (!verdict.current) return verdict;
    await reconciledState(paths, 'dev', seen, { at: (deps.now ?? (() => new Date()))().toISOString(), log, write: true, devDigest: latest.digest });
    return { current: true, digest: latest.digest };
  } finally {
    await lock.release();
  }
}

/** The dev container's reference, configuration hash and what its image is known by in registries. */
async function devSeen(docker: Docker, id: string, state: string, health: string): Promise<DevSeen | undefined> {
  const inspected = await docker.run(inspectContainerArgs(id)).then((r) => JSON.parse(r.stdout) as { Image?: string; Config?: { Image?: string; Labels?: Record<string, string> | null } }, () => undefined);
  // Gone since ps: the deploy creates it again.
  if (inspected === undefined) return undefined;
  const repoDigests = inspected.Image ? await docker.run(repoDigestsArgs(inspected.Image)).then((r) => (JSON.parse(r.stdout) as string[] | null) ?? [], () => []) : [];
  return { state, health, ref: inspected.Config?.Image ?? '', repoDigests, configHash: inspected.Config?.Labels?.[CONFIG_HASH_LABEL] ?? '' };
}

/**
 * Under the deploy lock: repairs the workspace (a checkout on the runner may have reset it) and
 * tells whether prod serves its recorded release already. Returns the release to deploy when not.
 */
async function prodAlreadyServing(deps: DeployDeps, options: SwitchOptions, paths: ProjectPaths, log: (line: string) => void): Promise<{ version: string; digest: string } | undefined> {
  const lock = await lockProject(paths, 'switch prod', options.lockTimeoutMs, log);
  try {
    const seen = await observeProd(deps.docker, paths);
    await repairWorkspace(underLock(deps.docker, lock), paths, seen, { log, write: true, imageName: options.image });
    const prod = seen.state.environments.prod;
    const recorded = prod.active ?? prod.previous;
    if (recorded === null) {
      throw new PreconditionError('prod has no recorded release to bring up', 'name one: release-flow switch prod --version vX.Y.Z');
    }
    const serving = seen.servingColour !== undefined && isUp(seen.ps.find((p) => p.Service === colourService(seen.servingColour!)));
    if (!serving || seen.servingDigest !== recorded.digest) return recorded;
    log(`prod already serves ${recorded.version} from ${seen.servingColour}`);
    return undefined;
  } finally {
    await lock.release();
  }
}

/** The status lines a switch prints: what is active, and where each environment runs. */
export function switchSummary(r: SwitchResult): string {
  const lines = [`active environment: ${r.active} (${ACTIVE_ENV_VARIABLE}=${r.active} in ${r.envFile})`];
  const up = r.action !== 'already-up' ? '' : r.note ? ` (${r.note})` : ' (already up)';
  lines.push(`  ${r.active} serves ${r.version ?? 'nothing recorded'}${r.url ? ` at ${r.url}` : ''}, configuration ${r.config}${up}`);
  for (const e of r.status.environments) {
    const where = e.env === 'dev' ? DEV_SERVICE : `synapse-prod${e.colour ? ` -> ${colourService(e.colour)}` : ''}`;
    lines.push(`  ${e.env === r.active ? '*' : ' '} ${e.env.padEnd(4)} ${(e.version ?? '-').padEnd(10)} ${e.health.padEnd(10)} ${where}`);
  }
  return lines.join('\n') + '\n';
}
