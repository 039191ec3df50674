import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStateFile, stateFilePath, writeStateFile } from '../../src/adapters/state-file.js';
import { beginDeploy, emptyState, finishDeploy } from '../../src/core/deploy-state.js';
import type { DeployState } from '../../src/core/deploy-state.js';
import { PreconditionError } from '../../src/core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'state-file-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh `<dir>/data` layout; returns the state file's path beside `data`. */
function layout(): { dir: string; path: string } {
  counter += 1;
  const dir = join(root, `host-${counter}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  return { dir, path: stateFilePath(join(dir, 'data')) };
}

function deployed(version: string, id: string): DeployState {
  const digest = `sha256:${id.slice(-1).repeat(64)}`;
  const started = beginDeploy(emptyState(), 'prod', {
    deployId: id,
    version,
    digest,
    colour: 'blue',
    startedAt: '2025-01-01T10:00:00.000Z',
    pid: 100,
  });
  return finishDeploy(started, 'prod', 'success', { deployId: id, at: '2025-01-01T10:05:00.000Z', detail: 'healthy' });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('stateFilePath', () => {
  it('puts the state beside the data directory, not in it', () => {
    expect(stateFilePath('/srv/synapse/data')).toBe('/srv/synapse/release-flow-state.json');
    expect(stateFilePath('/srv/synapse/data/')).toBe('/srv/synapse/release-flow-state.json');
  });
});

describe('state file', () => {
  it('reads a missing file as the empty state', async () => {
    expect(await readStateFile(layout().path)).toEqual(emptyState());
  });

  it('round-trips, with mode 0600 and no temp file left behind', async () => {
    const { dir, path } = layout();
    const state = deployed('1.0.0', 'd1');
    await writeStateFile(path, state);
    expect(await readStateFile(path)).toEqual(state);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['data', 'release-flow-state.json']);

    const next = deployed('1.1.0', 'd2');
    await writeStateFile(path, next);
    expect(await readStateFile(path)).toEqual(next);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the old state readable when a writer dies after writing its temp file', async () => {
    const { dir, path } = layout();
    const old = deployed('1.0.0', 'd1');
    await writeStateFile(path, old);
    // What a kill -9 between write and rename leaves: a complete or torn temp file, no rename.
    writeFileSync(join(dir, '.release-flow-state.json.999.deadbeef.tmp'), '{"schemaVersion":1,"environments":{"pr');
    expect(await readStateFile(path)).toEqual(old);

    // The next writer is not disturbed by the leftover.
    const next = deployed('1.1.0', 'd2');
    await writeStateFile(path, next);
    expect(await readStateFile(path)).toEqual(next);
  });

  it('keeps the old state when the write fails, and says why', async () => {
    const { path } = layout();
    const old = deployed('1.0.0', 'd1');
    await writeStateFile(path, old);
    // A state that cannot be serialized fails after the temp file was opened.
    const cyclic = { ...old } as DeployState & { self?: unknown };
    cyclic.self = cyclic;
    const error = await rejection(writeStateFile(path, cyclic));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`Cannot write the deploy state ${path}`);
    expect(await readStateFile(path)).toEqual(old);
    expect(readdirSync(join(path, '..')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('names the file and the fix when it is corrupt, and never resets it', async () => {
    const { path } = layout();
    writeFileSync(path, '{"schemaVersion": 1, "environments": {');
    const error = await rejection(readStateFile(path));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`${path} is not valid JSON`);
    expect(error.message).toContain(`Fix: move it aside to start a new record (mv '${path}' '${path}.broken')`);
    expect(readFileSync(path, 'utf8')).toBe('{"schemaVersion": 1, "environments": {');
  });

  it('explains a directory that does not exist', async () => {
    const path = join(root, 'nowhere', 'release-flow-state.json');
    const error = await rejection(writeStateFile(path, emptyState()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`Cannot write the deploy state ${path}`);
    expect(error.message).toContain('an existing directory writable by the user that deploys');
  });
});
