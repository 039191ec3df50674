import * as core from '@actions/core';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createGitHubDeployments, noDeploymentTracking, trackDeployment, type DeploymentTracker } from '../adapters/github-deployments.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { deploy, DeployRolledBackError, type DeployOptions, type DeployResult } from '../flows/deploy.js';
import { deploySummary, servingText } from './deploy-summary.js';
import { booleanInput, input } from './inputs.js';
import { renamedInputError } from './deploy-inputs.js';
import { writeSummary } from './run-action.js';

// The deploy flow as an action step, shared by the deploy action and the root action: the flow,
// the best-effort GitHub deployment status, the outputs and the job summary.

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

/** The deploy outputs; `prefix` keeps the root action's deploy outputs apart from its version outputs. */
function setOutputs(r: DeployResult, prefix: string): void {
  core.setOutput(`${prefix}version`, r.version);
  core.setOutput(`${prefix}digest`, r.digest);
  core.setOutput(`${prefix}previous-version`, r.previousVersion ?? '');
  core.setOutput(`${prefix}rolled-back`, String(r.rolledBack));
  core.setOutput(`${prefix}url`, r.url ?? '');
}

export async function deployStep(options: DeployOptions, outputPrefix = ''): Promise<DeployResult> {
  const tracker = trackerFromInputs(options);
  let result: DeployResult;
  try {
    // The GitHub deployment is created only for a real attempt: a version that does not resolve,
    // or a failed pre-flight, changes nothing and leaves no failed deployment behind.
    result = await core.group(`Deploy ${options.env} ${options.version ?? 'latest'}`, () =>
      deploy(
        { docker: createDocker(), registry: createRegistryClient({ credentials: dockerConfigCredentials(), log: core.info }), probes: createHostProbes({ docker: createDocker() }) },
        { ...options, onPreflightPassed: () => tracker.start() },
      ),
    );
  } catch (error) {
    const rolledBack = error instanceof DeployRolledBackError ? error.result : undefined;
    if (rolledBack) setOutputs(rolledBack, outputPrefix);
    await tracker.finish('failure', { description: rolledBack ? `rolled back: ${firstLine(rolledBack.reason ?? 'unhealthy')}` : 'failed', environmentUrl: rolledBack?.url });
    const message = error instanceof Error ? error.message : String(error);
    await writeSummary((summary) => deploySummary(summary, options.env, { result: rolledBack, error: message }));
    const renamed = renamedInputError(error);
    if (renamed) throw renamed;
    if (rolledBack) {
      // The health and container log tail (redacted by the flow) go to the log and the summary;
      // the annotation keeps to one line.
      core.info(message);
      throw new Error(`${firstLine(message)} (traffic stays on ${servingText(rolledBack)}; the health log is in the job summary)`);
    }
    throw error;
  }
  setOutputs(result, outputPrefix);
  await tracker.finish('success', { description: `${options.env} serves ${result.version}`, environmentUrl: result.url });
  await writeSummary((summary) => deploySummary(summary, options.env, { result }));
  return result;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
