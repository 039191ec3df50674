import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors.js';

export interface CliIO {
  stdout(text: string): void;
  /** Progress and diagnostics: never mixed into --json output. */
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now(): Date;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** Shown in --help after the flag; for strings, the value's placeholder. */
  help: string;
  placeholder?: string;
};

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments the command accepts, for --help and validation. */
  positionals?: { name: string; help: string; required?: boolean }[];
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export const helpOption: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parses argv strictly: an unknown flag or a missing value is a usage error that names it. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const options = { ...command.options, ...helpOption };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([k, { help: _h, placeholder: _p, ...o }]) => [k, o])),
      allowPositionals: true,
      strict: true,
    });
    const max = command.positionals?.length ?? 0;
    if (!values.help && positionals.length > max) {
      throw new InputError('argument', positionals[max], max ? `at most ${max} argument(s): ${command.usage}` : `no arguments: ${command.usage}`);
    }
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    if (error instanceof InputError) throw error;
    // node:util's messages are long and quote a workaround that does not apply; keep the facts.
    const message = error instanceof Error ? error.message : String(error);
    const flags = Object.keys(options).map((o) => `--${o}`).join(', ');
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new InputError('option', unknown[1], `one of ${flags} (see release-flow ${command.name} --help)`);
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new InputError(missing[1]!, '', `a value after ${missing[1]} (see release-flow ${command.name} --help)`);
    throw new InputError(`release-flow ${command.name}`, argv.join(' '), `${message.split('. ')[0]}. Usage: ${command.usage}`);
  }
}

export function commandHelp(command: Command): string {
  const lines = [`${command.summary}`, '', `Usage: ${command.usage}`, ''];
  if (command.positionals?.length) {
    lines.push('Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(26)} ${p.help}`);
    lines.push('');
  }
  lines.push('Options:');
  for (const [name, spec] of Object.entries({ ...command.options, ...helpOption })) {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(26)} ${spec.help}`);
  }
  lines.push('', 'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.');
  return lines.join('\n') + '\n';
}

export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
