import { envSource, setOwn, type ConfigLayer, type ConfigObject, type ConfigValue } from './config-merge.js';
import { isSecretName, showValue } from './config-redact.js';
import { subschemaAt, type ConfigIssue } from './config-validate.js';

/**
 * Environment variables, the highest layer of the configuration.
 *
 * | variable                         | key                                 | type    |
 * |----------------------------------|-------------------------------------|---------|
 * | `SYNAPSE_HOST`                   | `server.host`                       | string  |
 * | `SYNAPSE_PORT`                   | `server.port`                       | integer |
 * | `LOG_LEVEL`                      | `logging.level`                     | DEBUG, INFO, WARNING, ERROR |
 * | `LOG_FORMAT`                     | `logging.format`                    | text, json |
 * | `SYNAPSE_AUTO_LEARNING`          | `automatic_learning.mode`           | off, moderate, aggressive |
 * | `SYNAPSE_AUTO_LEARNING_INTERVAL` | `automatic_learning.interval_seconds` | integer |
 * | `SYNAPSE_DATA_DIR`               | `data.dir`                          | absolute path |
 * | `SYNAPSE_MODELS_DIR`             | `models.dir`                        | absolute path |
 *
 * - The type of a value is the schema's type for its key: `SYNAPSE_PORT=80a` is an error naming
 *   the variable. Integers are decimal digits with an optional sign; booleans are true/false/1/0/yes/no.
 * - An empty variable counts as unset (compose writes `LOG_LEVEL=` for `${LOG_LEVEL:-}`).
 * - `SYNAPSE_CONFIG_PATH` is not a key: it names the environment file (see config-layout.ts).
 * - Secrets are not keys either: `SYNAPSE_API_TOKEN` or `SYNAPSE_API_TOKEN_FILE` (a path the
 *   service reads itself) are never read, merged or printed here.
 *
 * configs/README.md documents the same table; test/core/config-env.unit.test.ts checks they agree.
 */
export interface EnvMapping {
  variable: string;
  /** Dotted key path in the configuration. */
  key: string;
}

export const synapseEnvMapping: readonly EnvMapping[] = [
  { variable: 'SYNAPSE_HOST', key: 'server.host' },
  { variable: 'SYNAPSE_PORT', key: 'server.port' },
  { variable: 'LOG_LEVEL', key: 'logging.level' },
  { variable: 'LOG_FORMAT', key: 'logging.format' },
  { variable: 'SYNAPSE_AUTO_LEARNING', key: 'automatic_learning.mode' },
  { variable: 'SYNAPSE_AUTO_LEARNING_INTERVAL', key: 'automatic_learning.interval_seconds' },
  { variable: 'SYNAPSE_DATA_DIR', key: 'data.dir' },
  { variable: 'SYNAPSE_MODELS_DIR', key: 'models.dir' },
];

export type ConversionResult = { ok: true; value: ConfigValue } | { ok: false; expected: string };

/**
 * Converts a variable's text to the schema's `type` for the key (a string when the schema says
 * nothing, e.g. for an unknown key, which validation then reports).
 */
export function convertEnvValue(text: string, schemaType: unknown): ConversionResult {
  const types = Array.isArray(schemaType) ? schemaType.map(String) : typeof schemaType === 'string' ? [schemaType] : ['string'];
  const trimmed = text.trim();
  for (const type of types) {
    switch (type) {
      case 'string':
        return { ok: true, value: text };
      case 'integer':
        if (/^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))) return { ok: true, value: Number(trimmed) };
        break;
      case 'number':
        if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return { ok: true, value: Number(trimmed) };
        break;
      case 'boolean':
        if (/^(true|1|yes)$/i.test(trimmed)) return { ok: true, value: true };
        if (/^(false|0|no)$/i.test(trimmed)) return { ok: true, value: false };
        break;
      case 'null':
        if (trimmed === 'null') return { ok: true, value: null };
        break;
    }
  }
  const names: Record<string, string> = {
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
    object: 'an object (not settable from a variable)',
    array: 'an array (not settable from a variable)',
  };
  return { ok: false, expected: types.map((t) => names[t] ?? t).join(' or ') };
}

export interface EnvLayers {
  /** One layer per variable set, in the order of the mapping. */
  layers: ConfigLayer[];
  /** Values that could not be converted, each naming its variable. */
  issues: ConfigIssue[];
}

/** The variables of `mapping` that are set (and not empty) in `env`, as layers with source `env:NAME`. */
export function envLayers(
  env: Readonly<Record<string, string | undefined>>,
  schema: Record<string, unknown>,
  mapping: readonly EnvMapping[] = synapseEnvMapping,
): EnvLayers {
  const layers: ConfigLayer[] = [];
  const issues: ConfigIssue[] = [];
  for (const { variable, key } of mapping) {
    const text = Object.hasOwn(env, variable) ? env[variable] : undefined;
    if (text === undefined || text === '') continue;
    const segments = key.split('.');
    const converted = convertEnvValue(text, subschemaAt(schema, segments)?.type);
    if (!converted.ok) {
      const secret = isSecretName(variable) || segments.some(isSecretName);
      issues.push({
        place: { kind: 'env', variable },
        key,
        message: `${showValue(text, secret)} is not ${converted.expected}`,
      });
      continue;
    }
    const value: ConfigObject = {};
    let target = value;
    for (const segment of segments.slice(0, -1)) {
      const next: ConfigObject = {};
      setOwn(target, segment, next);
      target = next;
    }
    setOwn(target, segments[segments.length - 1]!, converted.value);
    layers.push({ source: envSource(variable), value });
  }
  return { layers, issues };
}
