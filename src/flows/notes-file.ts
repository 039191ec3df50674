import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { upsertNotesSection } from '../core/notes-file.js';

/** Puts a version's section into the notes file (created when missing); returns the new text. */
export async function writeNotesFile(path: string, section: string, version: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  const updated = upsertNotesSection(existing, section, version);
  if (updated !== existing) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, updated);
  }
  return updated;
}
