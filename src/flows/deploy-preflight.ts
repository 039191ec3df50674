// The deploy's pre-flight: every host fact a deploy depends on, checked before anything changes,
// on the configuration as it will run (the new image reference interpolated). The facts come from
// the HostProbes adapter and the registry; the decisions on them are core/preflight.ts's.

import type { HostProbes } from '../adapters/host-probes.js';
import type { RegistryClient } from '../adapters/registry.js';
import { colourService, DEV_SERVICE, PROXY_SERVICE } from '../core/compose-commands.js';
import type { Environment } from '../core/deploy-state.js';
import { PreconditionError } from '../core/errors.js';
import type { ImageName } from '../core/image-ref.js';
import {
  checkComposeConfig,
  checkDisk,
  checkDiskUnknown,
  checkImage,
  checkMemoryCgroup,
  checkPort,
  checkSecretFile,
  hostPlatform,
  preflightPassed,
  pullNeedBytes,
  type CheckResult,
  type Platform,
} from '../core/preflight.js';
import { effectiveConfig } from './config.js';
import { sourceOf, type ComposeModel, type ProjectPaths } from './compose-project.js';

export interface PreflightInput {
  env: Environment;
  image: ImageName;
  digest: string;
  /** The compose variable the deploy sets, and its value: checked as compose will interpolate it. */
  variable: string;
  value: string;
  configDir: string | undefined;
  configEnv: Readonly<Record<string, string | undefined>>;
  /** Overrides the bytes kept free after the pull (core/preflight.ts DiskNeed.minFreeBytes). */
  minFreeDiskBytes: number | undefined;
}

export interface PreflightDeps {
  probes: HostProbes;
  registry: RegistryClient;
}

export async function preflight(deps: PreflightDeps, paths: ProjectPaths, input: PreflightInput): Promise<CheckResult[]> {
  const { env } = input;
  const pinned = `${input.image.name}@${input.digest}`;
  const outcome = await deps.probes.composeConfig(
    // The target's env file: /dev/null while the workspace has none (a dry run after a checkout cleaned it).
    { files: [paths.composeFile], projectName: paths.target.project, envFiles: paths.target.envFile ? [paths.target.envFile] : [], profiles: ['rollout'] },
    { env: { [input.variable]: input.value } },
  );
  const engine = await deps.probes.engineInfo();
  const host = hostPlatform(engine.architecture);
  return [
    checkComposeConfig([paths.composeFile], outcome, env),
    checkImage(pinned, await deps.probes.imagePlatforms(pinned, 'registry'), host, env),
    checkMemoryCgroup(await deps.probes.memoryCgroup(), env, engine.memoryLimit),
    await diskCheck(deps, input, host, engine.dockerRootDir),
    ...(await portChecks(deps.probes, paths, env)),
    ...(await secretChecks(deps.probes, paths.model, env)),
    ...(await configChecks(paths.model, input)),
  ];
}

/** Stops the deploy on a failed error check: every failure with its fix, in one message. */
export function requirePreflightPassed(checks: readonly CheckResult[], env: Environment, version: string): void {
  if (preflightPassed(checks)) return;
  const failed = checks.filter((c) => !c.ok && c.severity === 'error');
  throw new PreconditionError(
    `pre-flight failed for ${env} ${version}; nothing was changed:\n${failed.map((c) => `  ${c.name}: ${c.message}`).join('\n')}`,
    failed.map((c) => c.fix).filter(Boolean).join('; ') || 'fix the checks above and deploy again',
  );
}

export function checkLine(c: CheckResult): string {
  return `pre-flight ${c.ok ? 'ok' : c.severity === 'error' ? 'FAILED' : 'warning'}: ${c.name}: ${c.message}`;
}

/** The pull lands in the engine's data root: it must have room for the image before the pull starts. */
async function diskCheck(deps: PreflightDeps, input: PreflightInput, host: Platform, dockerRootDir: string): Promise<CheckResult> {
  let neededBytes: number;
  let availableBytes: number;
  try {
    neededBytes = pullNeedBytes(await deps.registry.platformsOf(input.image, input.digest), host);
    availableBytes = (await deps.probes.freeDisk(dockerRootDir)).availableBytes;
  } catch (error) {
    return checkDiskUnknown(dockerRootDir || "the engine's data root", firstLine(error), input.env);
  }
  return checkDisk(dockerRootDir, availableBytes, { neededBytes, ...(input.minFreeDiskBytes !== undefined && { minFreeBytes: input.minFreeDiskBytes }) }, input.env);
}

/** The ports the environment publishes: prod through its proxy, dev directly. */
async function portChecks(probes: HostProbes, paths: ProjectPaths, env: Environment): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  for (const p of paths.model.services?.[env === 'prod' ? PROXY_SERVICE : DEV_SERVICE]?.ports ?? []) {
    const port = Number(p.published);
    if (!Number.isInteger(port)) continue;
    const wanted = { port, hostIp: p.host_ip };
    checks.push(checkPort(wanted, await probes.portState(wanted, paths.target.project), env));
  }
  return checks;
}

function appServices(env: Environment): string[] {
  return env === 'prod' ? [colourService('blue'), colourService('green')] : [DEV_SERVICE];
}

async function secretChecks(probes: HostProbes, model: ComposeModel, env: Environment): Promise<CheckResult[]> {
  const names = new Set<string>();
  for (const s of appServices(env)) for (const sec of model.services?.[s]?.secrets ?? []) names.add(typeof sec === 'string' ? sec : sec.source);
  const checks: CheckResult[] = [];
  for (const name of names) {
    const file = model.secrets?.[name]?.file;
    if (file) checks.push(checkSecretFile(name, file, await probes.secretFile(file), env));
  }
  return checks;
}

async function configChecks(model: ComposeModel, input: PreflightInput): Promise<CheckResult[]> {
  const { env } = input;
  const configDir = input.configDir ?? sourceOf(model, appServices(env)[0]!, '/app/configs');
  if (!configDir) return [];
  const config = await effectiveConfig({ configDir, environment: env, env: input.configEnv });
  const ok = config.errors.length === 0;
  return [
    {
      name: 'configs',
      ok,
      severity: 'error',
      message: ok ? `${config.files.base} + ${config.files.environment}: valid` : `${config.errors.length} problem(s) in the ${env} configuration`,
      ...(ok ? {} : { fix: `run \`release-flow config --env ${env}\` to see them` }),
    },
  ];
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
