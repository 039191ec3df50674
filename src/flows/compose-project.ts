import { rename, writeFile } from 'node:fs/promises';
import type { Docker } from '../adapters/docker.js';
import { parsePs, psArgs, type ComposeTarget, type PsEntry } from '../core/compose-commands.js';

// Small steps that the deploy, rollback and switch flows all take on a compose project.

/** The project's containers (or only `services`), as `docker compose ps` reports them. */
export async function listServices(docker: Docker, target: ComposeTarget, services: string[] = []): Promise<PsEntry[]> {
  return parsePs((await docker.run(psArgs(target, services))).stdout);
}

/** Replaces a file the proxy or compose reads so that they never see it half written. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.new`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/** Whether the process that recorded a deploy still runs (EPERM: it runs as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
