import * as core from '@actions/core';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { deployTimings } from '../core/deploy-timings.js';
import { parseImageName } from '../core/image-ref.js';
import { input } from './inputs.js';

/** The flows name their inputs as CLI flags; the actions' inputs are named without dashes. */
const flowInputNames: Record<string, string> = { '--version': 'version', '--image': 'image', '--env': 'environment' };

/** A flow's InputError about a flag, renamed to the action's input; null for any other error. */
export function renamedInputError(error: unknown): InputError | null {
  if (error instanceof InputError && error.input in flowInputNames) return new InputError(flowInputNames[error.input]!, error.value, error.expected);
  return null;
}

/** The inputs the deploy and switch actions share: the image, the compose project and the timings. */
export function deployTargetFromInputs() {
  const image = input('image');
  if (!image) throw new InputError('image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
  parseImageName(image, 'image');
  const workdir = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), input('working-directory') || '.');
  const dataDir = input('data-dir');
  const timings = deployTimings(
    { watch: input('watch-seconds'), lockTimeout: input('lock-timeout'), waitTimeout: input('wait-timeout') },
    { watch: 'watch-seconds', lockTimeout: 'lock-timeout', waitTimeout: 'wait-timeout' },
  );
  return {
    version: input('version') || undefined,
    image,
    composeFile: resolve(workdir, input('compose-file') || 'compose/docker-compose.yml'),
    project: input('project') || 'synapse',
    ...(dataDir ? { dataDir: resolve(workdir, dataDir) } : {}),
    ...timings,
    log: core.info,
  };
}
