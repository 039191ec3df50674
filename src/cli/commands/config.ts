import { resolve } from 'node:path';
import { localConfigFiles } from '../../adapters/config-files.js';
import { configEnvironments, isConfigEnvironment } from '../../core/config-layout.js';
import { leaves } from '../../core/config-merge.js';
import { redactConfig } from '../../core/config-redact.js';
import { formatConfigIssue } from '../../core/config-validate.js';
import { InputError } from '../../core/errors.js';
import { configJson, effectiveConfig, type EffectiveConfig } from '../../flows/config.js';
import { flag, stringValue, type Command } from '../command.js';
import { jsonOption } from '../shared-options.js';

/** `base`, `dev file`, `env LOG_LEVEL` or `default`: where a value came from, in a word or two. */
function sourceLabel(source: string, config: EffectiveConfig): string {
  if (source.startsWith('env:')) return `env ${source.slice('env:'.length)}`;
  if (source === config.files.environment) return `${config.environment} file`;
  if (source === config.files.base) return 'base';
  return source;
}

function formatConfig(config: EffectiveConfig): string {
  const envFile = config.files.environmentFrom ? `${config.files.environment} (from ${config.files.environmentFrom})` : config.files.environment;
  const lines = [
    `Effective ${config.environment} configuration`,
    `  base:      ${config.files.base}`,
    `  ${`${config.environment} file:`.padEnd(10)} ${envFile}`,
    `  schema:    ${config.files.schema}`,
    '',
  ];
  const rows = leaves(redactConfig(config.values, config.sources)).map(([segments, value]) => {
    const key = segments.join('.');
    return [key, JSON.stringify(value), sourceLabel(config.sources[key] ?? 'default', config)] as const;
  });
  const keyWidth = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length));
  for (const [key, value, source] of rows) lines.push(`${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`);
  return lines.join('\n') + '\n';
}

export const configCommand: Command = {
  name: 'config',
  summary: 'Print the effective configuration of an environment, each value with its source; validate every layer.',
  usage: 'release-flow config --env dev|prod [--json] [--configs DIR] [--cwd DIR]',
  options: {
    env: { type: 'string', placeholder: 'dev|prod', help: 'the environment whose configuration to show' },
    configs: { type: 'string', placeholder: 'DIR', help: 'the configs directory (default: configs)' },
    cwd: { type: 'string', placeholder: 'DIR', help: 'the directory --configs and SYNAPSE_CONFIG_PATH are relative to (default: the current directory)' },
    ...jsonOption,
  },
  async run(args, io) {
    const environment = stringValue(args, 'env');
    if (!isConfigEnvironment(environment)) {
      throw new InputError('--env', environment ?? '', `one of ${configEnvironments.join(', ')} (release-flow config --env dev)`);
    }
    const cwd = resolve(io.cwd, stringValue(args, 'cwd') ?? '.');
    const files = localConfigFiles();
    if (!(await files.isDirectory(cwd))) throw new InputError('--cwd', stringValue(args, 'cwd'), 'an existing directory');
    const given = stringValue(args, 'configs') ?? 'configs';
    if (!(await files.isDirectory(resolve(cwd, given)))) {
      throw new InputError('--configs', given, `a directory holding synapse.json, synapse_${environment}.json and synapse.schema.json (relative to ${cwd})`);
    }

    const config = await effectiveConfig({ configDir: given, environment, env: io.env, cwd, files });
    if (flag(args, 'json')) io.stdout(JSON.stringify(configJson(config)) + '\n');
    if (config.errors.length) {
      const count = config.errors.length === 1 ? '1 error' : `${config.errors.length} errors`;
      io.stderr(`release-flow config: the ${environment} configuration has ${count}:\n`);
      for (const issue of config.errors) io.stderr(`${formatConfigIssue(issue)}\n`);
      return 2;
    }
    if (!flag(args, 'json')) io.stdout(formatConfig(config));
    return 0;
  },
};
