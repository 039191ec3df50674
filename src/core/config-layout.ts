import type { ConfigObject } from './config-merge.js';

/**
 * Where a service's configuration lives and what it is when no file says otherwise.
 * The service is an input (synapse by default); the defaults below are synapse's.
 */

export const configEnvironments = ['dev', 'prod'] as const;
export type ConfigEnvironment = (typeof configEnvironments)[number];

export function isConfigEnvironment(value: unknown): value is ConfigEnvironment {
  return (configEnvironments as readonly unknown[]).includes(value);
}

export interface ConfigFileNames {
  /** `synapse.json`: shared by every environment. */
  base: string;
  /** `synapse_dev.json`: the overrides of one environment. */
  environment: string;
  /** `synapse.schema.json`: the JSON Schema every layer is validated against. */
  schema: string;
  /** `SYNAPSE_CONFIG_PATH`: when set, the path of the environment file instead. */
  pathVariable: string;
}

/** File names inside the configs directory, and the variable that overrides the environment file. */
export function configFileNames(environment: ConfigEnvironment, service = 'synapse'): ConfigFileNames {
  return {
    base: `${service}.json`,
    environment: `${service}_${environment}.json`,
    schema: `${service}.schema.json`,
    pathVariable: `${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_CONFIG_PATH`,
  };
}

/**
 * synapse's code defaults: the lowest layer, below configs/synapse.json. Together they must set
 * every key of the schema, so each file can stay a partial override.
 */
export const synapseDefaults: ConfigObject = {
  server: { host: '0.0.0.0', port: 8002 },
  logging: { level: 'INFO', format: 'text' },
  automatic_learning: { mode: 'moderate', interval_seconds: 300 },
  data: {
    dir: '/app/data',
    semantic_index: 'semantic_index',
    episodic_db: 'episodic.db',
    memory_db: 'memory.db',
    metrics_db: 'metrics.db',
  },
  models: { dir: '/app/models' },
};
