import { resolve } from 'node:path';
import { createDocker } from '../../adapters/docker.js';
import { dockerConfigCredentials } from '../../adapters/docker-credentials.js';
import { createHostProbes } from '../../adapters/host-probes.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { InputError } from '../../core/errors.js';
import { deploy, DeployRolledBackError, type DeployResult } from '../../flows/deploy.js';
import { flag, stringValue, type CliIO, type Command, type ParsedArgs } from '../command.js';
import { jsonOption } from '../shared-options.js';

export const composeOptions: Command['options'] = {
  compose: { type: 'string', placeholder: 'FILE', help: 'the compose file (default compose/docker-compose.yml)' },
  project: { type: 'string', placeholder: 'NAME', help: 'the compose project (default synapse)' },
  'env-file': { type: 'string', placeholder: 'FILE', help: 'the compose variables file (default .env beside the compose file)' },
  'data-dir': { type: 'string', placeholder: 'DIR', help: 'the data directory (default: the one the compose file mounts); the state file sits beside it' },
};

export function composeTargetFromArgs(args: ParsedArgs, io: CliIO): { composeFile: string; project: string; envFile?: string; dataDir?: string } {
  const envFile = stringValue(args, 'env-file');
  const dataDir = stringValue(args, 'data-dir');
  return {
    composeFile: resolve(io.cwd, stringValue(args, 'compose') ?? 'compose/docker-compose.yml'),
    project: stringValue(args, 'project') ?? 'synapse',
    ...(envFile ? { envFile: resolve(io.cwd, envFile) } : {}),
    ...(dataDir ? { dataDir: resolve(io.cwd, dataDir) } : {}),
  };
}

function seconds(args: ParsedArgs, name: string): number | undefined {
  const text = stringValue(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`--${name}`, text, 'a number of seconds >= 0');
  return n;
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Deploy a release: prod blue/green behind Caddy with health checks and automatic rollback, dev by recreate.',
  usage: 'release-flow deploy --env dev|prod --image NAME [--version vX.Y.Z] [--compose FILE] [--project NAME] [--data-dir DIR] [--watch SECONDS] [--json] [--dry-run]',
  options: {
    env: { type: 'string', placeholder: 'ENV', help: 'dev or prod' },
    version: { type: 'string', placeholder: 'vX.Y.Z', help: 'the release (required for prod; dev follows latest)' },
    image: { type: 'string', placeholder: 'NAME', help: 'the image without tag, e.g. ghcr.io/owner/synapse (default $RELEASE_FLOW_IMAGE)' },
    ...composeOptions,
    watch: { type: 'string', placeholder: 'SECONDS', help: 'how long prod watches the new release after the switch (default 60)' },
    'wait-timeout': { type: 'string', placeholder: 'SECONDS', help: 'health wait of the new release (default: from its healthcheck)' },
    'lock-timeout': { type: 'string', placeholder: 'SECONDS', help: 'how long to wait for another deploy (default 600)' },
    'dry-run': { type: 'boolean', help: 'resolve and run the pre-flight, print the plan, change nothing' },
    ...jsonOption,
  },
  async run(args, io) {
    const env = stringValue(args, 'env');
    if (env !== 'dev' && env !== 'prod') throw new InputError('--env', env ?? '', 'dev or prod');
    const image = stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE;
    if (!image) throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
    const json = flag(args, 'json');
    const log = (line: string) => io.stderr(`${line}\n`);
    const docker = createDocker();
    const lockTimeout = seconds(args, 'lock-timeout');
    const waitTimeout = seconds(args, 'wait-timeout');
    let result: DeployResult;
    let code = 0;
    try {
      result = await deploy(
        { docker, registry: createRegistryClient({ credentials: dockerConfigCredentials(), log }), probes: createHostProbes({ docker }) },
        {
          env,
          version: stringValue(args, 'version'),
          image,
          ...composeTargetFromArgs(args, io),
          watchSeconds: seconds(args, 'watch'),
          ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
          ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
          dryRun: flag(args, 'dry-run'),
          log,
        },
      );
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
