import { createDocker } from '../../adapters/docker.js';
import { dockerConfigCredentials } from '../../adapters/docker-credentials.js';
import { createHostProbes } from '../../adapters/host-probes.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { InputError } from '../../core/errors.js';
import { DeployRolledBackError } from '../../flows/deploy.js';
import { parseEnvironment, switchEnvironment, switchSummary } from '../../flows/switch.js';
import { flag, stringValue, type Command, type ParsedArgs } from '../command.js';
import { jsonOption } from '../shared-options.js';
import { composeOptions, composeTargetFromArgs } from './deploy.js';

function seconds(args: ParsedArgs, name: string): number | undefined {
  const text = stringValue(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`--${name}`, text, 'a number of seconds >= 0');
  return n;
}

export const switchCommand: Command = {
  name: 'switch',
  summary: 'Make dev or prod the active environment (SYNAPSE_ACTIVE_ENV in .env), bring it up at its recorded version, show where it runs.',
  usage: 'release-flow switch dev|prod [--version vX.Y.Z] [--image NAME] [--compose FILE] [--project NAME] [--env-file FILE] [--data-dir DIR] [--json]',
  positionals: [{ name: 'dev|prod', help: 'the environment to make active', required: true }],
  options: {
    version: { type: 'string', placeholder: 'vX.Y.Z', help: 'bring the environment up at this release (prod default: the last good release; dev: latest)' },
    image: { type: 'string', placeholder: 'NAME', help: 'the image without tag (default $RELEASE_FLOW_IMAGE)' },
    ...composeOptions,
    watch: { type: 'string', placeholder: 'SECONDS', help: 'how long prod watches a deployed release after the switch (default 60)' },
    'wait-timeout': { type: 'string', placeholder: 'SECONDS', help: 'health wait of a deployed release (default: from its healthcheck)' },
    'lock-timeout': { type: 'string', placeholder: 'SECONDS', help: 'how long to wait for another deploy (default 600)' },
    ...jsonOption,
  },
  async run(args, io) {
    const env = parseEnvironment(args.positionals[0]);
    const json = flag(args, 'json');
    const log = (line: string) => io.stderr(`${line}\n`);
    const docker = createDocker();
    const lockTimeout = seconds(args, 'lock-timeout');
    const waitTimeout = seconds(args, 'wait-timeout');
    try {
      const r = await switchEnvironment(
        { docker, registry: createRegistryClient({ credentials: dockerConfigCredentials(), log }), probes: createHostProbes({ docker }) },
        {
          env,
          version: stringValue(args, 'version'),
          image: stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE,
          ...composeTargetFromArgs(args, io),
          watchSeconds: seconds(args, 'watch'),
          ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
          ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
          log,
        },
      );
      if (json) {
        const { deploy: _d, ...rest } = r;
        io.stdout(`${JSON.stringify(rest)}\n`);
      } else io.stdout(switchSummary(r));
      return 0;
    } catch (error) {
      if (!(error instanceof DeployRolledBackError)) throw error;
      io.stderr(`release-flow switch: ${error.message}; the active environment was not changed\n`);
      return 1;
    }
  },
};
