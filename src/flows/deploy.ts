// The deploy flow: prod blue/green behind Caddy (compose/docker-compose.yml), dev by recreate.
// Every docker call goes through the Docker adapter with argv from core/compose-commands.ts; the
// host facts come from the HostProbes adapter and the decisions on them from core/preflight.ts.
//
// prod: resolve the version's digest → lock → read + reconcile state → pre-flight (nothing changed
// yet) → back up the data → beginDeploy → start the idle colour pinned by digest and wait for its
// health → switch the proxy (upstreams.caddy + caddy reload) → watch → success, or switch back.
// The old colour keeps running as the hot standby.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { acquireDeployLock } from '../adapters/deploy-lock.js';
import { backupDataDir } from '../adapters/data-backup.js';
import { DockerError, type Docker } from '../adapters/docker.js';
import type { HostProbes } from '../adapters/host-probes.js';
import type { RegistryClient } from '../adapters/registry.js';
import { readStateFile, stateFilePath, writeStateFile } from '../adapters/state-file.js';
import {
  caddyReloadArgs,
  colourImageVariable,
  colourService,
  configJsonArgs,
  DEV_SERVICE,
  digestOf,
  execArgs,
  logsArgs,
  healthWaitSeconds,
  otherColour,
  parseUpstreams,
  PROXY_SERVICE,
  pullArgs,
  readEnvLines,
  redactSecrets,
  setEnvLines,
  stopArgs,
  upServiceArgs,
  upstreamsText,
  type ComposeTarget,
  type HealthcheckModel,
  type PsEntry,
} from '../core/compose-commands.js';
import { beginDeploy, finishDeploy, reconcile, type Colour, type DeployState, type Environment } from '../core/deploy-state.js';
import { InputError, PreconditionError } from '../core/errors.js';
import { parseImageName } from '../core/image-ref.js';
import {
  checkComposeConfig,
  checkImage,
  checkMemoryCgroup,
  checkPort,
  checkSecretFile,
  hostPlatform,
  preflightPassed,
  type CheckResult,
} from '../core/preflight.js';
import { effectiveConfig } from './config.js';
import { isAlive, listServices, writeFileAtomic } from './compose-project.js';

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

interface ComposeModel {
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

const DEFAULT_WATCH_SECONDS = 60;
const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

function normalizeVersion(version: string | undefined, env: Environment): string | undefined {
  if (version === undefined) {
    if (env === 'prod') throw new InputError('--version', version ?? '', 'a release version X.Y.Z (vX.Y.Z) for a prod deploy');
    return undefined;
  }
  const v = version.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v)) throw new InputError('--version', version, 'a version X.Y.Z or vX.Y.Z');
  return v;
}

function sourceOf(model: ComposeModel, service: string, target: string): string | undefined {
  return model.services?.[service]?.volumes?.find((v) => v.target === target)?.source;
}

export async function deploy(deps: DeployDeps, options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  const now = deps.now ?? (() => new Date());
  const env = options.env;
  const version = normalizeVersion(options.version, env);
  const imageName = parseImageName(options.image, '--image');
  const tag = version === undefined ? 'latest' : `v${version}`;
  const composeFile = resolve(options.composeFile);
  const envFile = resolve(options.envFile ?? join(dirname(composeFile), '.env'));
  const target: ComposeTarget = { file: composeFile, project: options.project, envFile };
  const dc = (args: string[]) => deps.docker.run(args);

  // 1. The digest, before anything else: a version that does not exist changes nothing.
  log(`resolving ${imageName.name}:${tag}`);
  const ref = options.digest !== undefined ? { digest: options.digest } : await deps.registry.resolveTag(imageName, tag);
  if (ref === null) {
    throw new InputError(version === undefined ? '--image' : '--version', version === undefined ? `${imageName.name}:latest` : options.version, `a version published as ${imageName.name}:${tag} in ${imageName.registry}`);
  }
  const digest = ref.digest;
  const imageRef = env === 'prod' ? `${imageName.name}@${digest}` : `${imageName.name}:${tag}`;
  const shownVersion = version ?? 'latest';
  log(`${imageName.name}:${tag} is ${digest}`);

  // 2. One deploy per host.
  const lockModel = await composeModel(deps.docker, target, {});
  const dataDir = resolve(options.dataDir ?? sourceOf(lockModel, env === 'prod' ? colourService('blue') : DEV_SERVICE, '/app/data') ?? '/opt/synapse/data');
  const lockPath = join(dirname(dataDir), 'release-flow-deploy.lock');
  const lock = options.dryRun
    ? undefined
    : await acquireDeployLock(lockPath, {
        timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        holder: `deploy ${env} ${shownVersion} (pid ${process.pid})`,
        onWait: (heldBy) => log(`waiting for the deploy lock ${lockPath}, held by ${heldBy}`),
      });
  try {
    return await deployLocked();
  } finally {
    await lock?.release();
  }

  async function deployLocked(): Promise<DeployResult> {
    // 3. State, reconciled with what runs.
    const stateFile = stateFilePath(dataDir);
    let state = await readStateFile(stateFile);
    const model = await composeModel(deps.docker, target, {});
    const proxyConfigDir = resolve(options.proxyConfigDir ?? sourceOf(model, PROXY_SERVICE, '/etc/caddy') ?? join(dirname(composeFile), 'caddy'));
    const upstreamsFile = join(proxyConfigDir, 'upstreams.caddy');
    const envText = await readFile(envFile, 'utf8').catch(() => '');
    const envVars = readEnvLines(envText);
    const ps = await listServices(deps.docker, target);
    const running = (service: string) => ps.find((p) => p.Service === service && p.State === 'running');
    const order = parseUpstreams(await readFile(upstreamsFile, 'utf8').catch(() => '')) ?? ['blue', 'green'];
    const proxyUp = running(PROXY_SERVICE) !== undefined;

    const servingColour: Colour | undefined = env === 'prod' && proxyUp && order[0] && running(colourService(order[0])) ? order[0] : undefined;
    const servingDigest =
      env === 'prod'
        ? servingColour === undefined
          ? null
          : (digestOf(envVars[colourImageVariable(servingColour)]) ?? null)
        : running(DEV_SERVICE)
          ? (state.environments.dev.active?.digest ?? null)
          : null;
    const deployingPid = state.environments[env].deploying?.pid;
    const reconciled = reconcile(
      state,
      env,
      { servingDigest, deployingPidAlive: deployingPid !== undefined && isAlive(deployingPid), ...(servingColour ? { servingColour } : {}) },
      { at: now().toISOString() },
    );
    for (const note of reconciled.notes) log(`state: ${note}`);
    if (reconciled.notes.length > 0 && !options.dryRun) await writeStateFile(stateFile, reconciled.state);
    state = reconciled.state;
    const previous = state.environments[env].active;

    // 4. Which colour, what will happen.
    const firstDeploy = env === 'prod' && !proxyUp;
    const colour: Colour | undefined = env === 'prod' ? (firstDeploy ? 'blue' : otherColour(order[0] ?? 'blue')) : undefined;
    const service = colour ? colourService(colour) : DEV_SERVICE;
    const variable = colour ? colourImageVariable(colour) : 'SYNAPSE_DEV_IMAGE';
    const proxyPort = model.services?.[env === 'prod' ? PROXY_SERVICE : DEV_SERVICE]?.ports?.[0];
    const url = proxyPort ? `http://${hostForUrl(proxyPort.host_ip)}:${proxyPort.published}` : undefined;
    const plan =
      env === 'prod'
        ? [
            `back up ${dataDir}`,
            `${variable}=${imageRef} in ${envFile}`,
            `start ${service} (${shownVersion}) and wait for its health check`,
            ...(firstDeploy ? [`start the proxy ${PROXY_SERVICE}`] : []),
            `switch ${upstreamsFile} to ${colour} first and reload Caddy`,
            `watch ${service} for ${options.watchSeconds ?? DEFAULT_WATCH_SECONDS} s; on failure switch back to ${otherColour(colour!)}`,
          ]
        : [`${variable}=${imageRef} in ${envFile}`, `pull ${service}`, `recreate ${service} and wait for its health check`];

    // 5. Pre-flight, on the configuration as it will run.
    const checks = await preflight(deps, model, target, { env, imageRef: `${imageName.name}@${digest}`, variable, value: imageRef, configDir: options.configDir, configEnv: options.configEnv ?? {}, composeFile, envFile });
    for (const c of checks) log(`pre-flight ${c.ok ? 'ok' : c.severity === 'error' ? 'FAILED' : 'warning'}: ${c.name}: ${c.message}`);
    const base: DeployResult = {
      env,
      version: shownVersion,
      digest,
      imageRef,
      previousVersion: previous?.version ?? null,
      rolledBack: false,
      outcome: 'planned',
      ...(colour ? { colour } : {}),
      ...(url ? { url } : {}),
      checks,
      plan,
      stateFile,
    };
    if (!preflightPassed(checks)) {
      const failed = checks.filter((c) => !c.ok && c.severity === 'error');
      throw new PreconditionError(
        `pre-flight failed for ${env} ${shownVersion}; nothing was changed:\n${failed.map((c) => `  ${c.name}: ${c.message}`).join('\n')}`,
        failed.map((c) => c.fix).filter(Boolean).join('; ') || 'fix the checks above and deploy again',
      );
    }
    if (options.dryRun) return base;

    // 6. Changes start here.
    let backup: string | undefined;
    if (env === 'prod') {
      const b = await backupDataDir({ dataDir, label: `v${shownVersion}`, log });
      backup = b.path;
      log(`backed up ${dataDir} to ${b.path}`);
    }
    const deployId = `${env}-${now().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    state = beginDeploy(state, env, { deployId, version: shownVersion, digest, ...(colour ? { colour } : {}), startedAt: now().toISOString(), pid: process.pid });
    await writeStateFile(stateFile, state);
    const finish = async (outcome: 'success' | 'rolled-back' | 'failed', detail: string) => {
      state = finishDeploy(state, env, outcome, { deployId, at: now().toISOString(), detail });
      await writeStateFile(stateFile, state);
    };

    try {
      await writeFileAtomic(envFile, setEnvLines(await readFile(envFile, 'utf8').catch(() => ''), { [variable]: imageRef }));
      const waitTimeout = options.waitTimeoutSeconds ?? healthWaitSeconds(model.services?.[service]?.healthcheck);
      if (env === 'dev') {
        log(`pulling ${imageRef}`);
        await dc(pullArgs(target, service));
        log(`recreating ${service}`);
        await dc(upServiceArgs(target, service, waitTimeout, { forceRecreate: true }));
        await finish('success', `${service} recreated with ${imageRef}`);
        log(`dev serves ${shownVersion} (${digest})`);
        return { ...base, outcome: 'success', ...(backup ? { backup } : {}) };
      }

      // prod: the idle colour, pinned by digest, healthy before any traffic moves.
      log(`starting ${service} with ${imageRef} (waiting up to ${waitTimeout} s for its health check)`);
      try {
        await dc(upServiceArgs(target, service, waitTimeout));
        // Traffic moves only to a colour the engine itself reports healthy: `up --wait` has been
        // seen to return while a new container was still starting (compose 2.26, under load).
        const started = (await listServices(deps.docker, target, [service]))[0];
        if (started?.Health !== 'healthy') {
          throw new Error(`${service} reports ${started?.Health || started?.State || 'no container'} after compose's wait, not healthy`);
        }
      } catch (error) {
        const tail = await healthTail(deps.docker, target, service, model);
        log(`${service} did not become healthy; traffic stays where it is; stopping ${service}`);
        await dc(stopArgs(target, service, 5)).catch((e: unknown) => log(`stopping ${service} failed: ${String(e)}`));
        const reason = `${service} did not become healthy within ${waitTimeout} s (${error instanceof DockerError ? `compose: ${lastLine(error.stderr) || `exit ${error.exitCode}`}` : String(error)})${tail ? `\nhealth log:\n${tail}` : ''}`;
        await finish('rolled-back', reason.split('\n')[0] ?? reason);
        throw new DeployRolledBackError({ ...base, outcome: 'rolled-back', rolledBack: true, reason, ...(backup ? { backup } : {}) });
      }
      const newOrder: Colour[] = [colour!, otherColour(colour!)];
      await writeFileAtomic(upstreamsFile, upstreamsText(newOrder));
      if (firstDeploy) {
        log(`starting the proxy ${PROXY_SERVICE}`);
        await dc(upServiceArgs(target, PROXY_SERVICE, healthWaitSeconds(model.services?.[PROXY_SERVICE]?.healthcheck)));
      } else {
        log(`switching traffic to ${colour} (caddy reload)`);
        await dc(caddyReloadArgs(target));
      }

      const watchSeconds = options.watchSeconds ?? DEFAULT_WATCH_SECONDS;
      log(`watching ${service} for ${watchSeconds} s`);
      const failure = await watch(deps.docker, target, service, model, watchSeconds);
      if (failure !== undefined) {
        const tail = await healthTail(deps.docker, target, service, model);
        log(`${service} failed during the watch (${failure}); switching back to ${otherColour(colour!)}`);
        await writeFileAtomic(upstreamsFile, upstreamsText([otherColour(colour!), colour!]));
        if (!firstDeploy) await dc(caddyReloadArgs(target));
        await dc(stopArgs(target, service, 5)).catch((e: unknown) => log(`stopping ${service} failed: ${String(e)}`));
        const reason = `${service} failed during the ${watchSeconds} s watch: ${failure}${tail ? `\nhealth log:\n${tail}` : ''}`;
        await finish('rolled-back', reason.split('\n')[0] ?? reason);
        throw new DeployRolledBackError({ ...base, outcome: 'rolled-back', rolledBack: true, reason, ...(backup ? { backup } : {}) });
      }
      await finish('success', `${service} serves ${shownVersion}; ${otherColour(colour!)} is the hot standby`);
      log(`prod serves ${shownVersion} from ${colour}${url ? ` at ${url}` : ''}`);
      return { ...base, outcome: 'success', ...(backup ? { backup } : {}) };
    } catch (error) {
      if (!(error instanceof DeployRolledBackError) && state.environments[env].deploying?.deployId === deployId) {
        await finish('failed', error instanceof Error ? error.message.split('\n')[0] ?? 'failed' : String(error)).catch(() => undefined);
      }
      throw error;
    }
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-1)[0]?.trim() ?? '';
}

function hostForUrl(hostIp: string | undefined): string {
  return !hostIp || hostIp === '0.0.0.0' || hostIp === '::' ? 'localhost' : hostIp;
}



async function composeModel(docker: Docker, target: ComposeTarget, env: Record<string, string>): Promise<ComposeModel> {
  const { stdout } = await docker.run(configJsonArgs(target), { env });
  return JSON.parse(stdout) as ComposeModel;
}


/** The secret values of the project, to redact from anything printed. */
async function secretValues(model: ComposeModel): Promise<string[]> {
  const out: string[] = [];
  for (const s of Object.values(model.secrets ?? {})) {
    if (s.file) out.push(await readFile(s.file, 'utf8').catch(() => ''));
  }
  return out;
}

/** The last health probe outputs of a service's container, secrets redacted. */
async function healthTail(docker: Docker, target: ComposeTarget, service: string, model: ComposeModel): Promise<string> {
  try {
    const entry = (await listServices(docker, target, [service]))[0];
    if (!entry?.ID) return '';
    const { stdout } = await docker.run(['inspect', '--format', '{{json .State.Health}}', entry.ID]);
    const health = JSON.parse(stdout) as { Status?: string; Log?: Array<{ ExitCode: number; Output: string; End: string }> } | null;
    const lines = (health?.Log ?? []).slice(-5).map((l) => `  ${l.End} exit ${l.ExitCode}: ${l.Output.trim().split('\n').slice(-3).join(' | ')}`);
    const logs = await docker.run(logsArgs(target, service)).then((r) => r.stdout.trim(), () => '');
    return redactSecrets([`  status: ${health?.Status ?? 'unknown'}`, ...lines, ...(logs ? ['  container log:', ...logs.split('\n').map((l) => `    ${l}`)] : [])].join('\n'), await secretValues(model));
  } catch {
    return '';
  }
}

/**
 * Polls the new colour for `seconds`: its container must keep running, not turn unhealthy, and
 * pass its own health command (run with exec every second; two failures in a row fail the watch).
 * Returns why it failed, or undefined.
 */
async function watch(docker: Docker, target: ComposeTarget, service: string, model: ComposeModel, seconds: number): Promise<string | undefined> {
  const test = model.services?.[service]?.healthcheck?.test;
  const probe = test?.[0] === 'CMD-SHELL' ? ['sh', '-c', test.slice(1).join(' ')] : test?.[0] === 'CMD' ? test.slice(1) : undefined;
  const until = Date.now() + seconds * 1000;
  let failures = 0;
  while (Date.now() < until) {
    const entry = (await listServices(docker, target, [service]).catch(() => []))[0];
    if (!entry || entry.State !== 'running') return `${service} is ${entry?.State ?? 'gone'}`;
    if (entry.Health === 'unhealthy') return `${service} is unhealthy`;
    if (probe) {
      const ok = await docker.run(execArgs(target, service, probe)).then(() => true, () => false);
      failures = ok ? 0 : failures + 1;
      if (failures >= 2) return `its health check failed ${failures} times in a row`;
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, until - Date.now()))));
  }
  return undefined;
}

interface PreflightInput {
  env: Environment;
  imageRef: string;
  variable: string;
  value: string;
  configDir: string | undefined;
  configEnv: Readonly<Record<string, string | undefined>>;
  composeFile: string;
  envFile: string;
}

async function preflight(deps: DeployDeps, model: ComposeModel, target: ComposeTarget, input: PreflightInput): Promise<CheckResult[]> {
  const { env } = input;
  const checks: CheckResult[] = [];
  const outcome = await deps.probes.composeConfig({ files: [input.composeFile], projectName: target.project, envFiles: [input.envFile], profiles: ['rollout'] }, { env: { [input.variable]: input.value } });
  checks.push(checkComposeConfig([input.composeFile], outcome, env));

  const engine = await deps.probes.engineInfo();
  const host = hostPlatform(engine.architecture);
  checks.push(checkImage(input.imageRef, await deps.probes.imagePlatforms(input.imageRef, 'registry'), host, env));
  checks.push(checkMemoryCgroup(await deps.probes.memoryCgroup(), env, engine.memoryLimit));

  const portService = env === 'prod' ? PROXY_SERVICE : DEV_SERVICE;
  for (const p of model.services?.[portService]?.ports ?? []) {
    const port = Number(p.published);
    if (!Number.isInteger(port)) continue;
    const wanted = { port, hostIp: p.host_ip };
    checks.push(checkPort(wanted, await deps.probes.portState(wanted, target.project), env));
  }

  const services = env === 'prod' ? [colourService('blue'), colourService('green')] : [DEV_SERVICE];
  const secretNames = new Set<string>();
  for (const s of services) for (const sec of model.services?.[s]?.secrets ?? []) secretNames.add(typeof sec === 'string' ? sec : sec.source);
  for (const name of secretNames) {
    const file = model.secrets?.[name]?.file;
    if (!file) continue;
    checks.push(checkSecretFile(name, file, await deps.probes.secretFile(file), env));
  }

  const configDir = input.configDir ?? sourceOf(model, services[0]!, '/app/configs');
  if (configDir) {
    const config = await effectiveConfig({ configDir, environment: env, env: input.configEnv });
    checks.push({
      name: 'configs',
      ok: config.errors.length === 0,
      severity: 'error',
      message: config.errors.length === 0 ? `${config.files.base} + ${config.files.environment}: valid` : `${config.errors.length} problem(s) in the ${env} configuration`,
      ...(config.errors.length === 0 ? {} : { fix: `run \`release-flow config --env ${env}\` to see them` }),
    });
  }
  return checks;
}
