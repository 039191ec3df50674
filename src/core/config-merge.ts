/**
 * Layered configuration: a deep merge that remembers, for every leaf, the layer it came from.
 *
 * Layers go from lowest to highest precedence: code defaults, the base file, the environment file,
 * then one layer per environment variable. Objects merge key by key; anything else (strings,
 * numbers, booleans, null, arrays) is a leaf that a higher layer replaces whole.
 */

export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigObject;
export interface ConfigObject {
  [key: string]: ConfigValue;
}

/** Where a leaf came from: `default`, a file's path as displayed, or `env:NAME`. */
export type ConfigSource = string;

export const DEFAULT_SOURCE = 'default';
export const envSource = (variable: string): ConfigSource => `env:${variable}`;

export interface ConfigLayer {
  source: ConfigSource;
  value: ConfigObject;
}

export interface MergedConfig {
  values: ConfigObject;
  /** Dotted key path of every leaf (`logging.level`) → the source of its value, in the order of `values`. */
  sources: Record<string, ConfigSource>;
}

export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property even for `__proto__`, so a key in a config file can never reach a prototype;
 * validation then reports it as an unknown key.
 */
export function setOwn(target: ConfigObject, key: string, value: ConfigValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `["logging", "level"]` → `logging.level`. */
export const keyPath = (segments: readonly string[]): string => segments.join('.');

/** A deep copy: a layer's objects are never shared with the merged result. */
function copy(value: ConfigValue): ConfigValue {
  if (Array.isArray(value)) return value.map(copy);
  if (!isConfigObject(value)) return value;
  const out: ConfigObject = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, copy(v));
  return out;
}

/** Every leaf as [segments, value], depth first in key order. An empty object has no leaves. */
export function leaves(value: ConfigObject, prefix: readonly string[] = []): Array<[string[], ConfigValue]> {
  const out: Array<[string[], ConfigValue]> = [];
  for (const [k, v] of Object.entries(value)) {
    const path = [...prefix, k];
    if (isConfigObject(v)) out.push(...leaves(v, path));
    else out.push([path, v]);
  }
  return out;
}

/** The value at a key path, or undefined. */
export function valueAt(value: ConfigObject, segments: readonly string[]): ConfigValue | undefined {
  let current: ConfigValue | undefined = value;
  for (const segment of segments) {
    if (!isConfigObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Merges `layers`, lowest precedence first. Pure: the layers are not changed. */
export function mergeLayers(layers: readonly ConfigLayer[]): MergedConfig {
  const values: ConfigObject = {};
  const origin = new Map<string, ConfigSource>();

  const forget = (prefix: string): void => {
    for (const key of [...origin.keys()]) if (key === prefix || key.startsWith(`${prefix}.`)) origin.delete(key);
  };

  const apply = (target: ConfigObject, layer: ConfigObject, prefix: readonly string[], source: ConfigSource): void => {
    for (const [k, v] of Object.entries(layer)) {
      const path = [...prefix, k];
      const existing = Object.hasOwn(target, k) ? target[k] : undefined;
      if (isConfigObject(v)) {
        if (!isConfigObject(existing)) {
          // A leaf (or nothing) replaced by an object: the old leaf and its source go.
          forget(keyPath(path));
          setOwn(target, k, {});
        }
        apply(target[k] as ConfigObject, v, path, source);
      } else {
        // A leaf replaces whatever was there, including a whole object of lower layers.
        forget(keyPath(path));
        setOwn(target, k, copy(v));
        origin.set(keyPath(path), source);
      }
    }
  };

  for (const layer of layers) apply(values, layer.value, [], layer.source);

  const sources: Record<string, ConfigSource> = {};
  for (const [path] of leaves(values)) {
    const key = keyPath(path);
    Object.defineProperty(sources, key, { value: origin.get(key) ?? DEFAULT_SOURCE, enumerable: true, writable: true, configurable: true });
  }
  return { values, sources };
}
