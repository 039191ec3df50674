import { isUsageError } from '../core/errors.js';
import { commandHelp, parseCommandArgs, type CliIO, type Command } from './command.js';
import { configCommand } from './commands/config.js';
import { deployCommand } from './commands/deploy.js';
import { imageCommand } from './commands/image.js';
import { notesCommand } from './commands/notes.js';
import { planCommand } from './commands/plan.js';
import { releaseCommand } from './commands/release.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { switchCommand } from './commands/switch.js';
import { versionCommand } from './commands/version.js';

export const commands: Command[] = [planCommand, versionCommand, notesCommand, releaseCommand, imageCommand, configCommand, deployCommand, rollbackCommand, switchCommand, statusCommand];

function topHelp(): string {
  const lines = [
    'release-flow: from commit to running container.',
    '',
    'Usage: release-flow <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Run `release-flow <command> --help` for the options of a command.',
    'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.',
  ];
  return lines.join('\n') + '\n';
}

/** Runs one command line and returns the exit code; every error becomes a message, never a stack. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(topHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`release-flow: unknown command ${JSON.stringify(name)}; expected one of ${commands.map((c) => c.name).join(', ')}. Run release-flow --help.\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`release-flow ${command.name}: ${message}\n`);
    return isUsageError(error) ? 2 : 1;
  }
}
