// `release-flow switch dev|prod` (scripts/switch_env.sh): makes an environment the active one.
//
// The target is brought up at its recorded version (prod: the state's active release, pinned by
// digest, or `--version` through the deploy flow, which makes a switch a rollback too; dev: latest),
// then SYNAPSE_ACTIVE_ENV=<env> is recorded in the compose variables file, every other line kept.
// Each environment's configuration comes with it: compose gives each service its own
// SYNAPSE_CONFIG_PATH (configs/synapse_<env>.json), so nobody edits a port or a config by hand.

import { readFile } from 'node:fs/promises';
import { ENVIRONMENTS, type Environment } from '../core/deploy-state.js';
import { colourService, DEV_SERVICE, setEnvLines } from '../core/compose-commands.js';
import { InputError, PreconditionError } from '../core/errors.js';
import { deploy, type DeployDeps, type DeployResult } from './deploy.js';
import { environmentUrl, isUp, lockProject, observeProd, projectPaths, repairWorkspace, underLock, writeFileAtomic, type ProjectOptions, type ProjectPaths } from './compose-project.js';
import { deployStatus, type StatusReport } from './status.js';

export const ACTIVE_ENV_VARIABLE = 'SYNAPSE_ACTIVE_ENV';

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
  /** already-up: nothing had to start; deployed: brought up through the deploy flow. */
  action: 'already-up' | 'deployed';
  deploy?: DeployResult;
  status: StatusReport;
}

export function parseEnvironment(value: string | undefined): Environment {
  if (value !== undefined && (ENVIRONMENTS as readonly string[]).includes(value)) return value as Environment;
  throw new InputError('environment', value ?? '', `one of ${ENVIRONMENTS.join(', ')}`);
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
    log('bringing dev up at latest');
    deployed = await run(undefined);
  }

  await writeFileAtomic(paths.envFile, setEnvLines(await readFile(paths.envFile, 'utf8').catch(() => ''), { [ACTIVE_ENV_VARIABLE]: env }));
  log(`${ACTIVE_ENV_VARIABLE}=${env} in ${paths.envFile}`);
  const status = await deployStatus(deps.docker, { composeFile: paths.composeFile, project: options.project, envFile: paths.envFile, dataDir: paths.dataDir });
  const mine = status.environments.find((e) => e.env === env);
  return {
    active: env,
    envFile: paths.envFile,
    version: deployed?.version ?? mine?.version ?? null,
    digest: deployed?.digest ?? mine?.digest ?? null,
    url: environmentUrl(paths.model, env) ?? null,
    config: `configs/synapse_${env}.json`,
    action: deployed ? 'deployed' : 'already-up',
    ...(deployed ? { deploy: deployed } : {}),
    status,
  };
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
  lines.push(`  ${r.active} serves ${r.version ?? 'nothing recorded'}${r.url ? ` at ${r.url}` : ''}, configuration ${r.config}${r.action === 'already-up' ? ' (already up)' : ''}`);
  for (const e of r.status.environments) {
    const where = e.env === 'dev' ? DEV_SERVICE : `synapse-prod${e.colour ? ` -> ${colourService(e.colour)}` : ''}`;
    lines.push(`  ${e.env === r.active ? '*' : ' '} ${e.env.padEnd(4)} ${(e.version ?? '-').padEnd(10)} ${e.health.padEnd(10)} ${where}`);
  }
  return lines.join('\n') + '\n';
}
