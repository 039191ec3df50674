import { isAbsolute, join, relative, resolve } from 'node:path';
import { localConfigFiles, type ConfigFiles } from '../adapters/config-files.js';
import { envLayers, synapseEnvMapping, type EnvMapping } from '../core/config-env.js';
import { configFileNames, synapseDefaults, type ConfigEnvironment } from '../core/config-layout.js';
import { DEFAULT_SOURCE, isConfigObject, mergeLayers, type ConfigLayer, type ConfigObject, type ConfigSource } from '../core/config-merge.js';
import { redactConfig } from '../core/config-redact.js';
import {
  compileConfigSchema,
  formatConfigIssue,
  parseConfigFile,
  sortConfigIssues,
  validateConfigLayer,
  type ConfigIssue,
  type ConfigSchema,
} from '../core/config-validate.js';

export interface EffectiveConfigOptions {
  /** The configs directory (relative paths resolve against `cwd`). */
  configDir: string;
  environment: ConfigEnvironment;
  /** The environment variables: the top layer, and `SYNAPSE_CONFIG_PATH`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves relative paths (also `SYNAPSE_CONFIG_PATH`) and shortens the paths shown. Default: process.cwd(). */
  cwd?: string;
  files?: ConfigFiles;
  /** Names the files (`<service>.json`, `<service>_<env>.json`, `<service>.schema.json`). Default: synapse. */
  service?: string;
  /** Code defaults, the lowest layer. Default: synapse's. */
  defaults?: ConfigObject;
  /** Variables → keys. Default: synapse's table (core/config-env.ts). */
  envMapping?: readonly EnvMapping[];
}

/** The files that were read, as shown in messages and sources. */
export interface ConfigFilesUsed {
  configDir: string;
  base: string;
  environment: string;
  schema: string;
  /** The variable that named the environment file, when one did (`SYNAPSE_CONFIG_PATH`). */
  environmentFrom?: string;
}

export interface EffectiveConfig {
  environment: ConfigEnvironment;
  /** The merged configuration (unredacted: use configJson or redactConfig to show it). */
  values: ConfigObject;
  /** Dotted key → `default`, a file path as in `files`, or `env:NAME`. */
  sources: Record<string, ConfigSource>;
  /** Every problem found, in layer order; empty when the configuration is valid. */
  errors: ConfigIssue[];
  files: ConfigFilesUsed;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * The configuration an environment runs with: code defaults < base file < environment file <
 * environment variables, each layer validated against the schema in the configs directory. Never
 * throws for a bad configuration: every problem is in `errors`. It reads no `*_FILE` secret.
 */
export async function effectiveConfig(options: EffectiveConfigOptions): Promise<EffectiveConfig> {
  const cwd = options.cwd ?? process.cwd();
  const files = options.files ?? localConfigFiles();
  const names = configFileNames(options.environment, options.service);
  const configDir = resolve(cwd, options.configDir);
  const show = (path: string) => displayPath(path, cwd);

  const fromVariable = options.env[names.pathVariable];
  const envFilePath = fromVariable ? resolve(cwd, fromVariable) : join(configDir, names.environment);
  const used: ConfigFilesUsed = {
    configDir: show(configDir),
    base: show(join(configDir, names.base)),
    environment: show(envFilePath),
    schema: show(join(configDir, names.schema)),
    ...(fromVariable ? { environmentFrom: names.pathVariable } : {}),
  };

  const defaults: ConfigLayer = { source: DEFAULT_SOURCE, value: options.defaults ?? synapseDefaults };
  const errors: ConfigIssue[] = [];
  const result = (layers: ConfigLayer[]): EffectiveConfig => ({
    environment: options.environment,
    ...mergeLayers(layers),
    errors,
    files: used,
  });

  if (!(await files.isDirectory(configDir))) {
    errors.push({
      place: { kind: 'file', file: used.configDir },
      key: '',
      message: `is not a directory; expected the configs directory holding ${names.base}, ${names.environment} and ${names.schema}`,
    });
    return result([defaults]);
  }

  // The schema first: every other layer is validated against it and variables take its types.
  let schema: ConfigSchema | undefined;
  const schemaRead = await files.read(join(configDir, names.schema));
  if (!schemaRead.ok) {
    errors.push({ place: { kind: 'file', file: used.schema }, key: '', message: `${schemaRead.reason}; the JSON Schema of ${names.base} belongs next to it` });
  } else {
    const parsed = parseConfigFile(used.schema, schemaRead.text);
    errors.push(...parsed.issues);
    if (parsed.value !== undefined) {
      try {
        schema = compileConfigSchema(parsed.value);
      } catch (error) {
        errors.push({ place: { kind: 'file', file: used.schema }, key: '', message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  const layers: ConfigLayer[] = [defaults];
  if (schema) errors.push(...validateConfigLayer(schema, { kind: 'default', value: defaults.value }));

  const readLayer = async (path: string, shown: string, missing: () => ConfigIssue): Promise<void> => {
    const read = await files.read(path);
    if (!read.ok) {
      errors.push(read.missing ? missing() : { place: { kind: 'file', file: shown }, key: '', message: `cannot be read: ${read.reason}` });
      return;
    }
    const parsed = parseConfigFile(shown, read.text);
    const invalid = schema ? validateConfigLayer(schema, { kind: 'file', parsed }) : [];
    errors.push(...sortConfigIssues([...parsed.issues, ...invalid]));
    if (parsed.value === undefined) return;
    if (!isConfigObject(parsed.value)) {
      if (!schema) errors.push({ place: { kind: 'file', file: shown, line: 1, column: 1 }, key: '', message: 'expected an object at the top level' });
      return;
    }
    // `$schema` only points editors at the schema; it is not configuration.
    const { $schema: _schema, ...value } = parsed.value;
    layers.push({ source: shown, value });
  };

  await readLayer(join(configDir, names.base), used.base, () => ({
    place: { kind: 'file', file: used.base },
    key: '',
    message: `no such file; the base configuration is required in ${used.configDir}`,
  }));
  await readLayer(envFilePath, used.environment, () =>
    fromVariable
      ? { place: { kind: 'env', variable: names.pathVariable }, key: '', message: `${JSON.stringify(fromVariable)}: no such file; point it at the ${options.environment} configuration file, or unset it to use ${show(join(configDir, names.environment))}` }
      : { place: { kind: 'file', file: used.environment }, key: '', message: `no such file; create the ${options.environment} overrides there, or set ${names.pathVariable} to the file to use` },
  );

  const mapping = options.envMapping ?? synapseEnvMapping;
  const fromEnv = envLayers(options.env, schema?.schema ?? {}, mapping);
  const envIssues = [...fromEnv.issues];
  for (const layer of fromEnv.layers) {
    if (schema) envIssues.push(...validateConfigLayer(schema, { kind: 'env', variable: layer.source.slice('env:'.length), value: layer.value }));
  }
  // In the order of the table, whether a value failed to convert or to validate.
  const rank = (issue: ConfigIssue) => mapping.findIndex((m) => issue.place.kind === 'env' && m.variable === issue.place.variable);
  errors.push(...envIssues.sort((a, b) => rank(a) - rank(b)));
  layers.push(...fromEnv.layers);

  return result(layers);
}

export interface EffectiveConfigJson {
  environment: ConfigEnvironment;
  values: ConfigObject;
  sources: Record<string, ConfigSource>;
  errors: string[];
}

/** The `config --json` object: values with secrets redacted, errors as one line each. */
export function configJson(config: EffectiveConfig): EffectiveConfigJson {
  return {
    environment: config.environment,
    values: redactConfig(config.values, config.sources),
    sources: config.sources,
    errors: config.errors.map(formatConfigIssue),
  };
}
