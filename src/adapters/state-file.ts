// Reads and writes the deploy state (src/core/deploy-state.ts) on the host. The file sits beside the
// data directory, not in it, so backups and restores of the data never roll the record back.
//
// Writes are atomic: a temporary file in the same directory (rename is only atomic within one file
// system) is written, fsynced and renamed over the old file, then the directory is fsynced, so a
// kill -9 or a power cut on the Pi leaves either the old state or the new one, never half of each.
// Callers write under the deploy lock, so there is one writer at a time.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { emptyState, parseState, serializeState } from '../core/deploy-state.js';
import type { DeployState } from '../core/deploy-state.js';
import { PreconditionError } from '../core/errors.js';

export const STATE_FILE_NAME = 'release-flow-state.json';

/** `<parent of dataDir>/release-flow-state.json`. */
export function stateFilePath(dataDir: string): string {
  return join(dirname(resolve(dataDir)), STATE_FILE_NAME);
}

/** The recorded state; an empty state when the file does not exist yet. A corrupt file is an error. */
export async function readStateFile(path: string): Promise<DeployState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return emptyState();
    throw new PreconditionError(
      `Cannot read the deploy state ${path}: ${error instanceof Error ? error.message : String(error)}`,
      `make ${path} a file readable by the user that deploys`,
    );
  }
  return parseState(text, path);
}

/** Replaces the state file atomically, readable and writable by its owner only (mode 0600). */
export async function writeStateFile(path: string, state: DeployState): Promise<void> {
  const dir = dirname(path);
  // Unique per writer, so a temp file left by a killed run never gets in the way.
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the umask may only narrow the mode, but be exact
      await handle.writeFile(serializeState(state), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new PreconditionError(
      `Cannot write the deploy state ${path}: ${error instanceof Error ? error.message : String(error)}`,
      `make ${dir} an existing directory writable by the user that deploys`,
    );
  }
  await syncDirectory(dir);
}

/** Makes the rename itself survive a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
