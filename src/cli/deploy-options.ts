import { resolve } from 'node:path';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createHostProbes } from '../adapters/host-probes.js';
import { createRegistryClient } from '../adapters/registry.js';
import { deployTimings, type DeployTimings } from '../core/deploy-timings.js';
import type { DeployDeps } from '../flows/deploy.js';
import { stringValue, type CliIO, type Command, type ParsedArgs } from './command.js';

// The flags `deploy`, `switch` and `rollback` share, and how they map to the flows: one place, as
// src/actions/deploy-inputs.ts is for the actions.

export const composeOptions: Command['options'] = {
  compose: { type: 'string', placeholder: 'FILE', help: 'the compose file (default compose/docker-compose.yml)' },
  project: { type: 'string', placeholder: 'NAME', help: 'the compose project (default synapse)' },
  'env-file': { type: 'string', placeholder: 'FILE', help: 'the compose variables file (default .env beside the compose file)' },
  'data-dir': { type: 'string', placeholder: 'DIR', help: 'the data directory (default: the one the compose file mounts); the state file sits beside it' },
};

export const timingOptions: Command['options'] = {
  watch: { type: 'string', placeholder: 'SECONDS', help: 'how long prod watches a new release after the switch (default 60)' },
  'wait-timeout': { type: 'string', placeholder: 'SECONDS', help: 'health wait of a new release (default: from its healthcheck)' },
  'lock-timeout': { type: 'string', placeholder: 'SECONDS', help: 'how long to wait for another deploy (default 600)' },
};

export function composeTargetFromArgs(args: ParsedArgs, io: CliIO): { composeFile: string; project: string; envFile?: string; dataDir?: string } {
  const envFile = stringValue(args, 'env-file');
  const dataDir = stringValue(args, 'data-dir');
  return {
    composeFile: resolve(io.cwd, stringValue(args, 'compose') ?? 'compose/docker-compose.yml'),
    project: stringValue(args, 'project') ?? 'synapse',
    ...(envFile ? { envFile: resolve(io.cwd, envFile) } : {}),
    ...(dataDir ? { dataDir: resolve(io.cwd, dataDir) } : {}),
  };
}

export function timingsFromArgs(args: ParsedArgs): DeployTimings {
  return deployTimings(
    { watch: stringValue(args, 'watch'), lockTimeout: stringValue(args, 'lock-timeout'), waitTimeout: stringValue(args, 'wait-timeout') },
    { watch: '--watch', lockTimeout: '--lock-timeout', waitTimeout: '--wait-timeout' },
  );
}

/** The engine, the registry (with `docker login`'s credentials) and the host probes a deploy uses. */
export function deployDeps(log: (line: string) => void): DeployDeps {
  const docker = createDocker();
  return { docker, registry: createRegistryClient({ credentials: dockerConfigCredentials(), log }), probes: createHostProbes({ docker }) };
}
