import { createDocker } from '../../adapters/docker.js';
import { deployStatus, statusText } from '../../flows/status.js';
import { flag, type Command } from '../command.js';
import { jsonOption } from '../shared-options.js';
import { composeOptions, composeTargetFromArgs } from '../deploy-options.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'What runs where: per environment the version, digest, health, uptime and (prod) the colour serving.',
  usage: 'release-flow status [--compose FILE] [--project NAME] [--data-dir DIR] [--json]',
  options: { ...composeOptions, ...jsonOption },
  async run(args, io) {
    const status = await deployStatus(createDocker(), composeTargetFromArgs(args, io));
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify(status)}\n`);
      return 0;
    }
    io.stdout(statusText(status));
    return 0;
  },
};
