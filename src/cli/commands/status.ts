import { createDocker } from '../../adapters/docker.js';
import { deployStatus, type EnvironmentStatus } from '../../flows/status.js';
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
    const line = (s: EnvironmentStatus) =>
      `${s.env.padEnd(5)} ${(s.version ?? '-').padEnd(10)} ${s.health.padEnd(10)} ${s.colour ? `colour ${s.colour} ` : ''}${s.uptime ? `up ${s.uptime} ` : ''}${s.digest ?? ''}`;
    io.stdout([`state: ${status.stateFile}`, ...status.environments.map(line)].join('\n') + '\n');
    return 0;
  },
};
