import { isConfigObject, leaves, setOwn, valueAt, type ConfigObject, type ConfigSource, type ConfigValue } from './config-merge.js';

/**
 * Names that hold secrets. Secrets never belong in config files (the schema has no such key), but a
 * value that slips in under such a name, as a key or as the variable it came from, is never shown.
 */
export const secretNamePattern = /token|secret|password|key/i;

export const REDACTED = '[redacted]';

export function isSecretName(name: string): boolean {
  return secretNamePattern.test(name);
}

/** True when any segment of the key path, or the variable of an `env:NAME` source, names a secret. */
export function isSecretLeaf(segments: readonly string[], source: ConfigSource | undefined): boolean {
  if (segments.some(isSecretName)) return true;
  return source !== undefined && source.startsWith('env:') && isSecretName(source.slice('env:'.length));
}

/** A copy of `values` in which every secret leaf reads `[redacted]`. */
export function redactConfig(values: ConfigObject, sources: Readonly<Record<string, ConfigSource>>): ConfigObject {
  const out: ConfigObject = {};
  const put = (segments: string[], value: ConfigValue): void => {
    let target = out;
    for (const segment of segments.slice(0, -1)) {
      if (!isConfigObject(target[segment])) setOwn(target, segment, {});
      target = target[segment] as ConfigObject;
    }
    setOwn(target, segments[segments.length - 1]!, value);
  };
  for (const [segments, value] of leaves(values)) {
    const source = Object.hasOwn(sources, segments.join('.')) ? sources[segments.join('.')] : undefined;
    put(segments, isSecretLeaf(segments, source) ? REDACTED : value);
  }
  // Empty objects have no leaves; keep them so the shape stays the same.
  const keepEmpty = (from: ConfigObject, prefix: string[]): void => {
    for (const [k, v] of Object.entries(from)) {
      if (!isConfigObject(v)) continue;
      if (valueAt(out, [...prefix, k]) === undefined) put([...prefix, k], {});
      keepEmpty(v, [...prefix, k]);
    }
  };
  keepEmpty(values, []);
  return out;
}

/** A value for a message: JSON, or `[redacted]` when its key path or variable names a secret. */
export function showValue(value: unknown, secret: boolean): string {
  return secret ? REDACTED : JSON.stringify(value);
}
