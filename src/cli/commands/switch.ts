import { DeployRolledBackError } from '../../flows/deploy.js';
import { parseEnvironment } from '../../core/deploy-state.js';
import { switchEnvironment, switchSummary } from '../../flows/switch.js';
import { flag, stringValue, type Command } from '../command.js';
import { jsonOption } from '../shared-options.js';
import { composeOptions, composeTargetFromArgs, deployDeps, timingOptions, timingsFromArgs } from '../deploy-options.js';

export const switchCommand: Command = {
  name: 'switch',
  summary: 'Make dev or prod the active environment (SYNAPSE_ACTIVE_ENV in .env), bring it up at its recorded version, show where it runs.',
  usage: 'release-flow switch dev|prod [--version vX.Y.Z] [--image NAME] [--compose FILE] [--project NAME] [--env-file FILE] [--data-dir DIR] [--json]',
  positionals: [{ name: 'dev|prod', help: 'the environment to make active', required: true }],
  options: {
    version: { type: 'string', placeholder: 'vX.Y.Z', help: 'bring the environment up at this release (prod default: the last good release; dev: latest)' },
    image: { type: 'string', placeholder: 'NAME', help: 'the image without tag (default $RELEASE_FLOW_IMAGE)' },
    ...composeOptions,
    ...timingOptions,
    ...jsonOption,
  },
  async run(args, io) {
    const env = parseEnvironment(args.positionals[0]);
    const json = flag(args, 'json');
    const log = (line: string) => io.stderr(`${line}\n`);
    try {
      const r = await switchEnvironment(
        deployDeps(log),
        {
          env,
          version: stringValue(args, 'version'),
          image: stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE,
          ...composeTargetFromArgs(args, io),
          ...timingsFromArgs(args),
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
