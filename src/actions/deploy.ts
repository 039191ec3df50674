import * as core from '@actions/core';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createGitHubDeployments, noDeploymentTracking, trackDeployment, type DeploymentTracker } from '../adapters/github-deployments.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { InputError } from '../core/errors.js';
import { deploy, DeployRolledBackError, type DeployOptions, type DeployResult } from '../flows/deploy.js';
import { deploySummary, servingText } from './deploy-summary.js';
import { booleanInput, input } from './inputs.js';
import { deployTargetFromInputs, renamedInputError } from './deploy-inputs.js';
import { runAction, writeSummary } from './run-action.js';

// A thin translator, as src/cli/commands/deploy.ts is for the CLI: inputs → the deploy flow →
// outputs + job summary. The only thing of its own is the best-effort GitHub deployment status.

function deployOptionsFromInputs(): DeployOptions {
  const env = input('environment');
  if (env !== 'dev' && env !== 'prod') throw new InputError('environment', env, 'dev or prod');
  return { env, ...deployTargetFromInputs() };
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
    if (rolledBack) setOutputs(rolledBack);
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
  setOutputs(result);
  await tracker.finish('success', { description: `${options.env} serves ${result.version}`, environmentUrl: result.url });
  await writeSummary((summary) => deploySummary(summary, options.env, { result }));
});

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
