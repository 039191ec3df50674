import { InputError } from '../../core/errors.js';
import { parseEnvironment } from '../../core/deploy-state.js';
import { deploy, DeployRolledBackError, type DeployResult } from '../../flows/deploy.js';
import { flag, stringValue, type Command } from '../command.js';
import { composeOptions, composeTargetFromArgs, deployDeps, timingOptions, timingsFromArgs } from '../deploy-options.js';
import { jsonOption } from '../shared-options.js';

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Deploy a release: prod blue/green behind Caddy with health checks and automatic rollback, dev by recreate.',
  usage: 'release-flow deploy --env dev|prod --image NAME [--version vX.Y.Z] [--compose FILE] [--project NAME] [--data-dir DIR] [--watch SECONDS] [--json] [--dry-run]',
  options: {
    env: { type: 'string', placeholder: 'ENV', help: 'dev or prod' },
    version: { type: 'string', placeholder: 'vX.Y.Z', help: 'the release (required for prod; dev follows latest)' },
    image: { type: 'string', placeholder: 'NAME', help: 'the image without tag, e.g. ghcr.io/owner/synapse (default $RELEASE_FLOW_IMAGE)' },
    ...composeOptions,
    ...timingOptions,
    'dry-run': { type: 'boolean', help: 'resolve and run the pre-flight, print the plan, change nothing' },
    ...jsonOption,
  },
  async run(args, io) {
    const env = parseEnvironment(stringValue(args, 'env'), '--env');
    const image = stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE;
    if (!image) throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
    const json = flag(args, 'json');
    const log = (line: string) => io.stderr(`${line}\n`);
    let result: DeployResult;
    let code = 0;
    try {
      result = await deploy(deployDeps(log), {
          env,
          version: stringValue(args, 'version'),
          image,
          ...composeTargetFromArgs(args, io),
          ...timingsFromArgs(args),
          dryRun: flag(args, 'dry-run'),
          log,
        });
    } catch (error) {
      if (!(error instanceof DeployRolledBackError)) throw error;
      result = error.result;
      code = 1;
      io.stderr(`release-flow deploy: ${error.message}\n`);
    }
    if (json) {
      io.stdout(`${JSON.stringify(outputs(result))}\n`);
    } else if (result.outcome === 'planned') {
      io.stdout([`Plan for ${env} ${result.version} (${result.imageRef}), nothing changed:`, ...result.plan.map((p) => `  - ${p}`)].join('\n') + '\n');
    } else {
      const lines = Object.entries(outputs(result)).map(([k, v]) => `${k}=${v ?? ''}`);
      io.stdout(lines.join('\n') + '\n');
    }
    return code;
  },
};

/** The outputs of a deploy, as the action sets them. */
function outputs(r: DeployResult): Record<string, string | boolean | null | unknown> {
  return {
    env: r.env,
    version: r.version,
    digest: r.digest,
    'previous-version': r.previousVersion,
    'rolled-back': r.rolledBack,
    outcome: r.outcome,
    url: r.url ?? null,
    colour: r.colour ?? null,
    ...(r.outcome === 'planned' ? { plan: r.plan, checks: r.checks } : {}),
  };
}
