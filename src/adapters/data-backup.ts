// Backs up and restores a service's data directory (synapse: /opt/synapse/data with
// semantic_index/ and the SQLite databases episodic.db, memory.db, metrics.db) on the deploy host.
//
// Live SQLite files are never copied raw: a database is detected by its header, not its name,
// and copied through SQLite's online backup API from a connection of our own, so the copy is a
// committed snapshot even while a container writes to it. Everything is written into a hidden
// `.partial-…` directory and renamed into place at the end, so an interrupted backup never
// looks like a complete one. Restores go the same way in reverse and keep the data they replace.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import {
  backupName,
  backupStamp,
  backupsToPrune,
  chooseBackup,
  sortBackups,
  validateKeep,
} from '../core/backup-retention.js';
import { InputError, PreconditionError } from '../core/errors.js';

export const DEFAULT_KEEP = 5;

export interface BackupOptions {
  dataDir: string;
  /** Default: `backups` beside the data directory (/opt/synapse/backups). */
  backupsDir?: string;
  /** Usually the version about to be deployed. */
  label: string;
  /** Backups to keep after this one is made, this one included. Default 5. */
  keep?: number;
  log?: (line: string) => void;
  /** Called after each file is written into the backup; throwing aborts it and leaves nothing. */
  onCopied?: (relativePath: string) => void | Promise<void>;
  now?: () => Date;
}

export interface BackupResult {
  name: string;
  path: string;
  /** Every file in the backup, relative to it, databases included. */
  files: string[];
  /** The files that were copied as SQLite databases. */
  sqlite: string[];
  bytes: number;
  /** Older backups deleted to keep `keep`. */
  pruned: string[];
}

export interface BackupEntry {
  name: string;
  path: string;
  label: string;
  createdAt: Date;
}

export interface RestoreOptions {
  dataDir: string;
  backupsDir?: string;
  /** A backup name, a version label or "latest" (see chooseBackup); pass the exact name once confirmed. */
  name: string;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RestoreResult {
  name: string;
  /** Where the data that was in place went; null when there was no data directory. */
  previous: string | null;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const COMPANIONS = ['-wal', '-shm', '-journal'];
// One backup step for the whole database: SQLite restarts a stepwise backup whenever another
// connection writes, so under a steady writer a small rate never finishes. A single step reads
// one snapshot under one read transaction (WAL writers carry on meanwhile). Node rejects -1.
const ONE_STEP = 2 ** 31 - 1;
// A database in rollback-journal mode is locked for the instant of each commit; wait that out.
const BUSY_TIMEOUT_MS = 10_000;

export function defaultBackupsDir(dataDir: string): string {
  return join(dirname(resolve(dataDir)), 'backups');
}

export async function backupDataDir(options: BackupOptions): Promise<BackupResult> {
  const log = options.log ?? (() => {});
  const keep = validateKeep(options.keep ?? DEFAULT_KEEP);
  const dataDir = resolve(options.dataDir);
  const backupsDir = resolve(options.backupsDir ?? defaultBackupsDir(dataDir));
  await requireDirectory(dataDir);
  if (backupsDir === dataDir || backupsDir.startsWith(dataDir + sep)) {
    throw new InputError('backupsDir', backupsDir, `a directory outside the data directory ${dataDir}`);
  }
  const name = backupName((options.now ?? (() => new Date()))(), options.label);

  // Backups hold everything the service knows: readable by the deploying user only.
  await mkdir(backupsDir, { recursive: true, mode: 0o700 });
  await chmod(backupsDir, 0o700);
  const path = join(backupsDir, name);
  if (await exists(path)) {
    throw new PreconditionError(`a backup named ${name} already exists in ${backupsDir}`, 'wait a second and retry, or use another label');
  }

  const partial = await mkdtemp(join(backupsDir, `.partial-${name}-`));
  const copied: Copied = { files: [], sqlite: [], bytes: 0 };
  try {
    await copyTree(dataDir, partial, '', { mode: 'live', log, onCopied: options.onCopied, out: copied });
    // The backup's top directory stands for the data directory: a restore gives its mode and
    // owner back to the directory the containers mount (the backups directory stays 0700).
    await copyAttributes(partial, await lstat(dataDir));
    await fsyncPath(partial);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  await fsyncPath(backupsDir);
  log(`backup ${name}: ${copied.files.length} files (${copied.sqlite.length} SQLite databases), ${copied.bytes} bytes in ${path}`);

  const pruned = backupsToPrune(
    (await listBackups(backupsDir)).map((b) => b.name),
    keep,
    name,
  );
  for (const old of pruned) {
    await removeBackup(backupsDir, old);
    log(`backup ${old}: deleted (keeping the newest ${keep})`);
  }
  return { name, path, ...copied, pruned };
}

/** Complete backups, newest first; half-made or foreign entries are not listed. */
export async function listBackups(backupsDir: string): Promise<BackupEntry[]> {
  const dir = resolve(backupsDir);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (code(error) === 'ENOENT') return [];
    throw error;
  }
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  return sortBackups(names).map((b) => ({ name: b.name, path: join(dir, b.name), label: b.label, createdAt: b.createdAt }));
}

/**
 * Puts a backup in the data directory's place. The current data is renamed to
 * `<dataDir>.before-restore-<timestamp>` and kept; the backup itself stays in the backups
 * directory. Stop the containers first: they hold the old files open, and a bind mount keeps
 * following the renamed directory until the container is recreated.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const backupsDir = resolve(options.backupsDir ?? defaultBackupsDir(dataDir));
  const chosen = chooseBackup((await listBackups(backupsDir)).map((b) => b.name), options.name);
  const source = join(backupsDir, chosen.name);
  const hadData = await exists(dataDir);
  if (hadData) await requireDirectory(dataDir);
  const aside = `${dataDir}.before-restore-${backupStamp((options.now ?? (() => new Date()))())}`;
  if (await exists(aside)) {
    throw new PreconditionError(`${aside} already exists`, 'wait a second and retry; it holds data from an earlier restore');
  }

  // Staged beside the data directory, on its filesystem, so that both renames are atomic.
  await mkdir(dirname(dataDir), { recursive: true });
  const staging = await mkdtemp(`${dataDir}.restoring-`);
  try {
    await copyTree(source, staging, '', { mode: 'plain', log, out: { files: [], sqlite: [], bytes: 0 } });
    await copyAttributes(staging, await lstat(source));
    await fsyncPath(staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }

  // Linux has no portable directory swap in Node, so two renames; between them the data
  // directory is briefly absent, and a failed second rename puts the old data back.
  if (hadData) {
    try {
      await rename(dataDir, aside);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw renameError(error, dataDir);
    }
  }
  try {
    await rename(staging, dataDir);
  } catch (error) {
    if (hadData) await rename(aside, dataDir);
    await rm(staging, { recursive: true, force: true });
    throw renameError(error, dataDir);
  }
  await fsyncPath(dirname(dataDir));
  log(`restored backup ${chosen.name} into ${dataDir}${hadData ? `; the data it replaced is in ${aside}` : ''}`);
  return { name: chosen.name, previous: hadData ? aside : null };
}

interface Copied {
  files: string[];
  sqlite: string[];
  bytes: number;
}

interface CopyContext {
  /** live: the source is in use (SQLite through the backup API); plain: a finished backup. */
  mode: 'live' | 'plain';
  log: (line: string) => void;
  onCopied?: ((relativePath: string) => void | Promise<void>) | undefined;
  out: Copied;
}

async function copyTree(src: string, dst: string, rel: string, ctx: CopyContext): Promise<void> {
  const names = (await readdir(src)).sort();
  const entries: { name: string; stats: Stats | null }[] = [];
  for (const name of names) entries.push({ name, stats: await lstatOrNull(join(src, name)) });
  const databases = new Set<string>();
  if (ctx.mode === 'live') {
    for (const { name, stats } of entries) if (stats?.isFile() && (await isSqlite(join(src, name)))) databases.add(name);
  }

  for (const { name, stats } of entries) {
    const from = join(src, name);
    const to = join(dst, name);
    const relPath = rel === '' ? name : `${rel}/${name}`;
    if (stats === null) {
      ctx.log(`backup: ${relPath} disappeared while copying; skipped`);
    } else if (stats.isDirectory()) {
      await mkdir(to);
      await copyTree(from, to, relPath, ctx);
      await copyAttributes(to, stats);
    } else if (stats.isSymbolicLink()) {
      await symlink(await readlink(from), to);
      await preserveOwner(to, stats);
    } else if (stats.isFile()) {
      // The online copy holds every committed transaction; a WAL or journal beside it would be
      // stale next to the copy, and restoring one could even corrupt it.
      if (COMPANIONS.some((c) => name.endsWith(c) && databases.has(name.slice(0, -c.length)))) continue;
      if (databases.has(name)) {
        await copySqlite(from, to, stats);
        ctx.out.sqlite.push(relPath);
      } else if (!(await copyPlain(from, to, stats))) {
        ctx.log(`backup: ${relPath} disappeared while copying; skipped`);
        continue;
      }
      await preserveOwner(to, stats);
      ctx.out.files.push(relPath);
      ctx.out.bytes += (await lstat(to)).size;
      await ctx.onCopied?.(relPath);
    } else {
      ctx.log(`backup: ${relPath} is not a file, directory or symlink (a socket or FIFO); skipped`);
    }
  }
}

async function copySqlite(from: string, to: string, stats: Stats): Promise<void> {
  // Read-write on purpose: a read-only connection cannot remove the -wal/-shm it creates, and
  // would leave them in the live directory. Opening does not write the database; if ours is the
  // last connection, closing checkpoints it, as any SQLite client would.
  const source = new DatabaseSync(from, { timeout: BUSY_TIMEOUT_MS });
  try {
    await backup(source, to, { rate: ONE_STEP });
  } catch (error) {
    throw new Error(`SQLite backup of ${from} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    source.close();
  }
  // The copy must open cleanly, or it is no backup. Read-write again so that closing removes the
  // -wal/-shm a WAL-mode copy gets on open.
  const copy = new DatabaseSync(to);
  try {
    const result = copy.prepare('PRAGMA quick_check').all();
    const first = result[0] as { quick_check?: unknown } | undefined;
    if (result.length !== 1 || first?.quick_check !== 'ok') {
      throw new Error(`SQLite backup of ${from} fails quick_check: expected "ok", got ${JSON.stringify(result)}`);
    }
  } finally {
    copy.close();
  }
  await chmod(to, stats.mode & 0o7777);
  await fsyncPath(to);
}

/** False when the file vanished before it could be copied (a service's temp file). */
async function copyPlain(from: string, to: string, stats: Stats): Promise<boolean> {
  try {
    await copyFile(from, to);
  } catch (error) {
    if (code(error) === 'ENOENT' && !(await exists(from))) return false;
    throw error;
  }
  await utimes(to, stats.atime, stats.mtime);
  await fsyncPath(to);
  return true;
}

async function isSqlite(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    if (code(error) === 'ENOENT') return null;
    throw error;
  });
  if (handle === null) return false;
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    return bytesRead === header.length && header.equals(SQLITE_HEADER);
  } finally {
    await handle.close();
  }
}

/** Renamed out of sight first, so a deletion cut short leaves no half backup in the list. */
async function removeBackup(backupsDir: string, name: string): Promise<void> {
  const doomed = join(backupsDir, `.deleting-${name}-${randomBytes(4).toString('hex')}`);
  await rename(join(backupsDir, name), doomed);
  await rm(doomed, { recursive: true, force: true });
}

async function copyAttributes(dir: string, stats: Stats): Promise<void> {
  await chmod(dir, stats.mode & 0o7777);
  await preserveOwner(dir, stats);
}

// The containers run as their own user; a backup taken or restored as root must not hand
// the files to root. Only root can give files away, and only root needs to.
async function preserveOwner(path: string, stats: Stats): Promise<void> {
  if (process.getuid?.() === 0) await lchown(path, stats.uid, stats.gid);
}

// Durable before it is renamed into place: the deploy host is a Raspberry Pi that may lose power.
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function requireDirectory(path: string): Promise<void> {
  const stats = await lstatOrNull(path);
  if (stats === null) {
    throw new PreconditionError(`data directory ${path} does not exist`, 'pass the directory the containers mount for their data');
  }
  if (!stats.isDirectory()) throw new InputError('dataDir', path, 'a directory (not a file or symlink)');
}

function renameError(error: unknown, dataDir: string): unknown {
  const c = code(error);
  if (c === 'EXDEV' || c === 'EBUSY') {
    return new PreconditionError(
      `cannot swap ${dataDir} by rename (${c}): expected a plain directory on the same filesystem as ${dirname(dataDir)}, not a mount point`,
      `mount the parent (${dirname(dataDir)}) instead, or restore by hand from the backup directory`,
    );
  }
  return error;
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return null;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstatOrNull(path)) !== null;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
