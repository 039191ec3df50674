import * as core from '@actions/core';
import { resolve } from 'node:path';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { colourService, DEV_SERVICE } from '../core/compose-commands.js';
import { InputError } from '../core/errors.js';
import { parseImageName } from '../core/image-ref.js';
import { DeployRolledBackError } from '../flows/deploy.js';
import { ACTIVE_ENV_VARIABLE, parseEnvironment, switchEnvironment, type SwitchOptions, type SwitchResult } from '../flows/switch.js';
import { input } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';

// A thin translator, as src/cli/commands/switch.ts is for the CLI: inputs → the switch flow →
// outputs + job summary (what is active, and where each environment runs).

/** The flow names its inputs as CLI flags; the action's inputs are named without dashes. */
const flowInputNames: Record<string, string> = { '--version': 'version', '--image': 'image', '--env': 'environment' };

function seconds(name: string): number | undefined {
  const text = input(name);
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(name, text, 'a number of seconds >= 0');
  return n;
}

function switchOptionsFromInputs(): SwitchOptions {
  const env = parseEnvironment(input('environment'));
  const image = input('image');
  if (!image) throw new InputError('image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
  parseImageName(image, 'image');
  const workdir = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), input('working-directory') || '.');
  const dataDir = input('data-dir');
  const watchSeconds = seconds('watch-seconds');
  const waitTimeout = seconds('wait-timeout');
  const lockTimeout = seconds('lock-timeout');
  return {
    env,
    version: input('version') || undefined,
    image,
    composeFile: resolve(workdir, input('compose-file') || 'compose/docker-compose.yml'),
    project: input('project') || 'synapse',
    ...(dataDir ? { dataDir: resolve(workdir, dataDir) } : {}),
    ...(watchSeconds !== undefined ? { watchSeconds } : {}),
    ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
    ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
    log: core.info,
  };
}

/** What is active (version, digest, url, configuration) and where every environment runs. */
function switchSummary(summary: typeof core.summary, env: string, ending: { result: SwitchResult } | { error: string }): void {
  if ('error' in ending) {
    summary.addHeading(`Switch to ${env}: failed`, 2);
    summary.addRaw('Why:', true);
    summary.addCodeBlock(ending.error, 'text');
    return;
  }
  const r = ending.result;
  summary.addHeading(`Switch: ${r.active} is active`, 2);
  summary.addTable([
    [{ data: 'field', header: true }, { data: 'value', header: true }],
    ['active environment', `${r.active} (${ACTIVE_ENV_VARIABLE}=${r.active} in ${r.envFile})`],
    ['version', r.version ?? '—'],
    ['digest', r.digest ?? '—'],
    ['url', r.url ?? '—'],
    ['configuration', r.config],
    ['action', r.action === 'deployed' ? 'deployed' : 'already up'],
  ]);
  summary.addTable([
    [{ data: 'environment', header: true }, { data: 'version', header: true }, { data: 'health', header: true }, { data: 'where', header: true }],
    ...r.status.environments.map((e) => [
      e.env === r.active ? `${e.env} (active)` : e.env,
      e.version ?? '—',
      e.health,
      e.env === 'dev' ? DEV_SERVICE : `synapse-prod${e.colour ? ` → ${colourService(e.colour)}` : ''}`,
    ]),
  ]);
}

await runAction(async () => {
  const options = switchOptionsFromInputs();
  let result: SwitchResult;
  try {
    result = await core.group(`Switch to ${options.env}${options.version ? ` at ${options.version}` : ''}`, () =>
      switchEnvironment({ docker: createDocker(), registry: createRegistryClient({ credentials: dockerConfigCredentials(), log: core.info }), probes: createHostProbes({ docker: createDocker() }) }, options),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await writeSummary((summary) => switchSummary(summary, options.env, { error: message }));
    if (error instanceof InputError && error.input in flowInputNames) throw new InputError(flowInputNames[error.input]!, error.value, error.expected);
    if (error instanceof DeployRolledBackError) {
      core.info(message);
      throw new Error(`${message.split('\n')[0] ?? message}; the active environment was not changed (the health log is in the job summary)`);
    }
    throw error;
  }
  core.setOutput('environment', result.active);
  core.setOutput('version', result.version ?? '');
  core.setOutput('digest', result.digest ?? '');
  core.setOutput('url', result.url ?? '');
  await writeSummary((summary) => switchSummary(summary, options.env, { result }));
});
