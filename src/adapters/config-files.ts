import { readFile, stat } from 'node:fs/promises';

export type ConfigFileRead =
  | { ok: true; text: string }
  | { ok: false; missing: boolean; reason: string };

/** Reads configuration files. Only the files it is asked for: never a `*_FILE` secret. */
export interface ConfigFiles {
  /** The file's UTF-8 text; `missing` when there is no such file, otherwise why it cannot be read. */
  read(path: string): Promise<ConfigFileRead>;
  isDirectory(path: string): Promise<boolean>;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** The local file system. */
export function localConfigFiles(): ConfigFiles {
  return {
    async read(path) {
      try {
        return { ok: true, text: await readFile(path, 'utf8') };
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, missing: true, reason: 'no such file' };
        if (code === 'EISDIR') return { ok: false, missing: false, reason: 'is a directory, not a file' };
        if (code === 'EACCES' || code === 'EPERM') return { ok: false, missing: false, reason: 'permission denied' };
        return { ok: false, missing: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
    async isDirectory(path) {
      try {
        return (await stat(path)).isDirectory();
      } catch {
        return false;
      }
    },
  };
}
