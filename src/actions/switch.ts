import * as core from '@actions/core';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { colourService, DEV_SERVICE } from '../core/compose-commands.js';
import { DeployRolledBackError } from '../flows/deploy.js';
import { parseEnvironment } from '../core/deploy-state.js';
import { ACTIVE_ENV_VARIABLE, switchEnvironment, type SwitchOptions, type SwitchResult } from '../flows/switch.js';
import { input } from './inputs.js';
import { deployTargetFromInputs, renamedInputError } from './deploy-inputs.js';
import { runAction, writeSummary } from './run-action.js';

// A thin translator, as src/cli/commands/switch.ts is for the CLI: inputs → the switch flow →
// outputs + job summary (what is active, and where each environment runs).

function switchOptionsFromInputs(): SwitchOptions {
  const env = parseEnvironment(input('environment'));
  return { env, ...deployTargetFromInputs() };
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
    ['action', r.action === 'deployed' ? 'deployed' : (r.note ?? 'already up')],
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
    const renamed = renamedInputError(error);
    if (renamed) throw renamed;
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
