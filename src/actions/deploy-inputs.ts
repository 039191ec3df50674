import * as core from '@actions/core';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { parseImageName } from '../core/image-ref.js';
import { input } from './inputs.js';

/** The flows name their inputs as CLI flags; the actions' inputs are named without dashes. */
const flowInputNames: Record<string, string> = { '--version': 'version', '--image': 'image', '--env': 'environment' };

/** A flow's InputError about a flag, renamed to the action's input; null for any other error. */
export function renamedInputError(error: unknown): InputError | null {
  if (error instanceof InputError && error.input in flowInputNames) return new InputError(flowInputNames[error.input]!, error.value, error.expected);
  return null;
}

function seconds(name: string): number | undefined {
  const text = input(name);
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(name, text, 'a number of seconds >= 0');
  return n;
}

/** The inputs the deploy and switch actions share: the image, the compose project and the timings. */
export function deployTargetFromInputs() {
  const image = input('image');
  if (!image) throw new InputError('image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
  parseImageName(image, 'image');
  const workdir = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), input('working-directory') || '.');
  const dataDir = input('data-dir');
  const watchSeconds = seconds('watch-seconds');
  const waitTimeout = seconds('wait-timeout');
  const lockTimeout = seconds('lock-timeout');
  return {
    version: input('version') || undefined,
    image,
    composeFile: resolve(workdir, input('compose-file') || 'compose/docker-compose.yml'),
    project: input('project') || 'synapse',
    ...(dataDir ? { dataDir: resolve(workdir, dataDir) } : {}),
    ...(watchSeconds !== undefined ? { watchSeconds } : {}),
    ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
    ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
    log: core.info,
  };
}
