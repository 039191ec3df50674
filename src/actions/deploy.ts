import * as core from '@actions/core';
import { resolve } from 'node:path';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createGitHubDeployments, noDeploymentTracking, trackDeployment, type DeploymentTracker } from '../adapters/github-deployments.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { InputError } from '../core/errors.js';
import { parseImageName } from '../core/image-ref.js';
import { deploy, DeployRolledBackError, type DeployOptions, type DeployResult } from '../flows/deploy.js';
import { deploySummary, servingText } from './deploy-summary.js';
import { booleanInput, input } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';

// A thin translator, as src/cli/commands/deploy.ts is for the CLI: inputs → the deploy flow →
// outputs + job summary. The only thing of its own is the best-effort GitHub deployment status.

/** The flow names its inputs as CLI flags; the action's inputs are named without dashes. */
const flowInputNames: Record<string, string> = { '--version': 'version', '--image': 'image', '--env': 'environment' };

function seconds(name: string): number | undefined {
  const text = input(name);
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(name, text, 'a number of seconds >= 0');
  return n;
}

function deployOptionsFromInputs(): DeployOptions {
  const env = input('environment');
  if (env !== 'dev' && env !== 'prod') throw new InputError('environment', env, 'dev or prod');
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

/** Deployment statuses when `github-deployment` is on and there is a repository and a token. */
function trackerFromInputs(options: DeployOptions): DeploymentTracker {
  if (!booleanInput('github-deployment', true)) return noDeploymentTracking;
  const token = input('token');
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  const sha = process.env.GITHUB_SHA;
  if (!token || !owner || !repo || !sha) {
    core.info('GitHub deployment status skipped: no GITHUB_REPOSITORY, GITHUB_SHA or token');
    return noDeploymentTracking;
  }
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = process.env.GITHUB_RUN_ID;
  return trackDeployment(
    createGitHubDeployments({ token, log: core.info }),
    {
      owner,
      repo,
      ref: sha,
      environment: options.env === 'prod' ? 'production' : 'development',
      productionEnvironment: options.env === 'prod',
      description: `release-flow deploy ${options.version ?? 'latest'}`,
      logUrl: runId ? `${server}/${owner}/${repo}/actions/runs/${runId}` : undefined,
    },
    core.warning,
    core.info,
  );
}

function setOutputs(r: DeployResult): void {
  core.setOutput('version', r.version);
  core.setOutput('digest', r.digest);
  core.setOutput('previous-version', r.previousVersion ?? '');
  core.setOutput('rolled-back', String(r.rolledBack));
  core.setOutput('url', r.url ?? '');
}

await runAction(async () => {
  const options = deployOptionsFromInputs();
  const tracker = trackerFromInputs(options);
  await tracker.start();
  let result: DeployResult;
  try {
    result = await core.group(`Deploy ${options.env} ${options.version ?? 'latest'}`, () =>
      deploy({ docker: createDocker(), registry: createRegistryClient({ credentials: dockerConfigCredentials(), log: core.info }), probes: createHostProbes({ docker: createDocker() }) }, options),
    );
  } catch (error) {
    const rolledBack = error instanceof DeployRolledBackError ? error.result : undefined;
    if (rolledBack) setOutputs(rolledBack);
    await tracker.finish('failure', { description: rolledBack ? `rolled back: ${firstLine(rolledBack.reason ?? 'unhealthy')}` : 'failed', environmentUrl: rolledBack?.url });
    const message = error instanceof Error ? error.message : String(error);
    await writeSummary((summary) => deploySummary(summary, options.env, { result: rolledBack, error: message }));
    if (error instanceof InputError && error.input in flowInputNames) throw new InputError(flowInputNames[error.input]!, error.value, error.expected);
    if (rolledBack) {
      // The health and container log tail (redacted by the flow) go to the log and the summary;
      // the annotation keeps to one line.
      core.info(message);
      throw new Error(`${firstLine(message)} (traffic stays on ${servingText(rolledBack)}; the health log is in the job summary)`);
    }
    throw error;
  }
  setOutputs(result);
  await tracker.finish('success', { description: `${options.env} serves ${result.version}`, environmentUrl: result.url });
  await writeSummary((summary) => deploySummary(summary, options.env, { result }));
});

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
