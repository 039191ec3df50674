import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backupDataDir, listBackups, restoreBackup } from '../../src/adapters/data-backup.js';
import { InputError, PreconditionError } from '../../src/core/errors.js';

// Each transaction inserts row n and sets meta.n = n, so a consistent snapshot has ids 1..n with
// no gap and meta.n equal to the row count. The payload makes the database big enough (~12 MB)
// that the writer commits many times while a backup runs.
const WRITER = `
import { DatabaseSync } from 'node:sqlite';
const db = new DatabaseSync(process.argv[2], { timeout: 10000 });
db.exec("PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, payload BLOB NOT NULL, digest TEXT NOT NULL); CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
const insert = db.prepare('INSERT INTO t(id, payload, digest) VALUES (?, ?, ?)');
const count = db.prepare("INSERT INTO meta(k, n) VALUES ('rows', ?) ON CONFLICT(k) DO UPDATE SET n = excluded.n");
const payload = (i) => new Uint8Array(3000).fill(i % 251);
let n = 0;
const commit = (rows) => { db.exec('BEGIN'); for (let j = 0; j < rows; j++) { n++; insert.run(n, payload(n), String(n % 251)); count.run(n); } db.exec('COMMIT'); };
commit(4000);
process.stdout.write('ready\\n');
for (;;) commit(1 + (n % 7));
`;

let root: string;
let dataDir: string;
let backupsDir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rf-data-backup-'));
  dataDir = join(root, 'data');
  backupsDir = join(root, 'backups');
  await mkdir(dataDir);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
  await rm(root, { recursive: true, force: true });
});

async function startWriter(db: string): Promise<void> {
  const script = join(root, 'writer.mjs');
  await writeFile(script, WRITER);
  const child = spawn(process.execPath, [script, db], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited ${code}: ${stderr}`)));
  });
}

function rowCount(path: string): number {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

function makeDb(path: string, wal: boolean, rows: number): void {
  const db = new DatabaseSync(path);
  if (wal) db.exec('PRAGMA journal_mode=WAL');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t(v) VALUES (?)');
  for (let i = 1; i <= rows; i++) insert.run(`row ${i}`);
  db.close();
}

async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

const clock = (iso: string) => () => new Date(iso);

describe('backupDataDir', () => {
  test('copies a database that another process writes all along: clean, consistent, a prefix', async () => {
    const live = join(dataDir, 'episodic.db');
    await startWriter(live);
    const before = rowCount(live);

    const result = await backupDataDir({ dataDir, backupsDir, label: 'v1.2.0', now: clock('2026-11-23T16:07:00Z') });
    const after = rowCount(live);

    expect(result.name).toBe('20261123T160700Z-v1.2.0');
    expect(result.sqlite).toEqual(['episodic.db']);
    // The -wal and -shm the writer keeps open are not needed next to an online copy.
    expect(await readdir(result.path)).toEqual(['episodic.db']);
    const copy = new DatabaseSync(join(result.path, 'episodic.db'), { readOnly: true });
    try {
      expect(copy.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      const { n, lo, hi, meta, bad } = copy
        .prepare(
          "SELECT count(*) AS n, min(id) AS lo, max(id) AS hi, (SELECT n FROM meta WHERE k = 'rows') AS meta, " +
            'sum(digest != CAST(id % 251 AS TEXT) OR length(payload) != 3000) AS bad FROM t',
        )
        .get() as { n: number; lo: number; hi: number; meta: number; bad: number };
      expect({ lo, hi, meta, bad }).toEqual({ lo: 1, hi: n, meta: n, bad: 0 });
      expect(n).toBeGreaterThanOrEqual(before);
      expect(n).toBeLessThanOrEqual(after);
    } finally {
      copy.close();
    }
    // The writer was never blocked: it kept committing while the backup ran.
    expect(after).toBeGreaterThan(before);
  });

  test('finds databases by header, copies other files byte for byte, nested dirs, modes', async () => {
    makeDb(join(dataDir, 'memory.db'), false, 50);
    makeDb(join(dataDir, 'metrics.db'), true, 20);
    await mkdir(join(dataDir, 'semantic_index', 'shards', 'a'), { recursive: true });
    // A database without a .db name, and a .db file that is not a database.
    makeDb(join(dataDir, 'semantic_index', 'catalog'), true, 5);
    const blobs: Record<string, Buffer> = {
      'semantic_index/shards/a/0001.bin': randomBytes(300_000),
      'semantic_index/vectors.idx': randomBytes(4096),
      'semantic_index/empty': Buffer.alloc(0),
      'fake.db': Buffer.from('SQLite format 2\0 not really'),
      // A "-journal" with no database beside it is just a file.
      'notes-journal': Buffer.from('keep me'),
    };
    for (const [rel, bytes] of Object.entries(blobs)) await writeFile(join(dataDir, rel), bytes);
    await chmod(join(dataDir, 'semantic_index', 'vectors.idx'), 0o600);
    const listingBefore = await tree(dataDir);
    const lines: string[] = [];

    const result = await backupDataDir({ dataDir, backupsDir, label: 'v1.0.0', log: (l) => lines.push(l) });

    expect(result.sqlite.sort()).toEqual(['memory.db', 'metrics.db', 'semantic_index/catalog']);
    expect(result.files.sort()).toEqual([...result.sqlite, ...Object.keys(blobs)].sort());
    for (const [rel, bytes] of Object.entries(blobs)) expect(await readFile(join(result.path, rel))).toEqual(bytes);
    for (const [rel, rows] of [['memory.db', 50], ['metrics.db', 20], ['semantic_index/catalog', 5]] as const) {
      expect(rowCount(join(result.path, rel))).toBe(rows);
    }
    expect(await tree(result.path)).toEqual(listingBefore);
    const sizes = await Promise.all(result.files.map(async (f) => (await stat(join(result.path, f))).size));
    expect(result.bytes).toBe(sizes.reduce((x, y) => x + y, 0));
    expect((await stat(join(result.path, 'semantic_index', 'vectors.idx'))).mode & 0o777).toBe(0o600);
    expect((await stat(backupsDir)).mode & 0o777).toBe(0o700);
    // Backing up leaves the live directory as it was: no -wal/-shm left behind.
    expect(await tree(dataDir)).toEqual(listingBefore);
    expect(lines.at(-1)).toMatch(/^backup \S+-v1\.0\.0: 8 files \(3 SQLite databases\)/);
  });

  test('the backups directory defaults to <parent>/backups', async () => {
    await writeFile(join(dataDir, 'x'), 'x');
    const result = await backupDataDir({ dataDir, label: 'v1', now: clock('2026-01-01T00:00:00Z') });
    expect(result.path).toBe(join(root, 'backups', '20260101T000000Z-v1'));
  });

  test('keeps the newest 5 by default, or `keep`; foreign entries stay', async () => {
    await writeFile(join(dataDir, 'x'), 'x');
    await mkdir(backupsDir);
    await writeFile(join(backupsDir, 'README'), 'not a backup');
    const made: string[] = [];
    for (let day = 1; day <= 7; day++) {
      const result = await backupDataDir({ dataDir, backupsDir, label: `v1.${day}.0`, now: clock(`2026-01-0${day}T12:00:00Z`) });
      made.push(result.name);
      expect(result.pruned).toEqual(day <= 5 ? [] : [made[day - 6]]);
    }
    expect((await listBackups(backupsDir)).map((b) => b.name)).toEqual(made.slice(2).reverse());

    const last = await backupDataDir({ dataDir, backupsDir, label: 'v2.0.0', keep: 2, now: clock('2026-01-08T12:00:00Z') });
    expect(last.pruned).toEqual(made.slice(2, 6).reverse());
    expect((await readdir(backupsDir)).sort()).toEqual([made[6], last.name, 'README'].sort());
  });

  test('a backup that fails half way leaves nothing listBackups returns, and nothing at all', async () => {
    makeDb(join(dataDir, 'a.db'), true, 10);
    await mkdir(join(dataDir, 'semantic_index'));
    await writeFile(join(dataDir, 'semantic_index', 'b.bin'), randomBytes(1000));
    await writeFile(join(dataDir, 'semantic_index', 'c.bin'), randomBytes(1000));
    let copied = 0;
    const attempt = backupDataDir({
      dataDir,
      backupsDir,
      label: 'v1.0.0',
      onCopied: () => {
        if (++copied === 2) throw new Error('disk full (simulated)');
      },
    });
    await expect(attempt).rejects.toThrow('disk full (simulated)');
    expect(await listBackups(backupsDir)).toEqual([]);
    expect(await readdir(backupsDir)).toEqual([]);
  });

  test('a half-made backup left by a killed process is not listed, chosen or pruned', async () => {
    await writeFile(join(dataDir, 'x'), 'x');
    await mkdir(join(backupsDir, '.partial-20260101T000000Z-v0.9.0-AbCdEf'), { recursive: true });
    await backupDataDir({ dataDir, backupsDir, label: 'v1', keep: 1, now: clock('2026-02-01T00:00:00Z') });
    await backupDataDir({ dataDir, backupsDir, label: 'v2', keep: 1, now: clock('2026-03-01T00:00:00Z') });
    expect((await listBackups(backupsDir)).map((b) => b.name)).toEqual(['20260301T000000Z-v2']);
    expect(await readdir(backupsDir)).toContain('.partial-20260101T000000Z-v0.9.0-AbCdEf');
    await expect(restoreBackup({ dataDir, backupsDir, name: 'v0.9.0' })).rejects.toThrow(InputError);
  });

  test('says what was expected', async () => {
    await expect(backupDataDir({ dataDir: join(root, 'missing'), label: 'v1' })).rejects.toThrow(PreconditionError);
    await expect(backupDataDir({ dataDir, backupsDir: join(dataDir, 'backups'), label: 'v1' })).rejects.toThrow(
      /expected a directory outside the data directory/,
    );
    await expect(backupDataDir({ dataDir, backupsDir, label: 'v1/../x' })).rejects.toThrow(/backup label: .*expected letters/);
    await expect(backupDataDir({ dataDir, backupsDir, label: 'v1', keep: 0 })).rejects.toThrow(/keep: 0 is not valid; expected/);
    const now = clock('2026-01-01T00:00:00Z');
    await backupDataDir({ dataDir, backupsDir, label: 'v1', now });
    await expect(backupDataDir({ dataDir, backupsDir, label: 'v1', now })).rejects.toThrow(/already exists/);
  });
});

describe('restoreBackup', () => {
  test('swaps the backup in and keeps the data it replaces', async () => {
    makeDb(join(dataDir, 'memory.db'), true, 10);
    await mkdir(join(dataDir, 'semantic_index'));
    await writeFile(join(dataDir, 'semantic_index', 'v.bin'), 'old vectors');
    await chmod(dataDir, 0o750);
    const taken = await backupDataDir({ dataDir, backupsDir, label: 'v1.2.0', now: clock('2026-05-01T10:00:00Z') });
    await backupDataDir({ dataDir, backupsDir, label: 'v1.3.0', now: clock('2026-05-02T10:00:00Z') });

    // What the bad release did after the backup.
    makeDb(join(dataDir, 'new.db'), false, 1);
    await writeFile(join(dataDir, 'semantic_index', 'v.bin'), 'new vectors');
    const db = new DatabaseSync(join(dataDir, 'memory.db'));
    db.exec("INSERT INTO t(v) VALUES ('after')");
    db.close();
    const current = await tree(dataDir);

    const lines: string[] = [];
    const result = await restoreBackup({ dataDir, backupsDir, name: '1.2.0', now: clock('2026-05-03T10:00:00Z'), log: (l) => lines.push(l) });

    expect(result).toEqual({ name: taken.name, previous: `${dataDir}.before-restore-20260503T100000Z` });
    expect(await tree(dataDir)).toEqual(await tree(taken.path));
    expect(rowCount(join(dataDir, 'memory.db'))).toBe(10);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o750);
    expect(await readFile(join(dataDir, 'semantic_index', 'v.bin'), 'utf8')).toBe('old vectors');
    // The replaced data is all there, and the backup is still available.
    expect(await tree(result.previous!)).toEqual(current);
    expect(rowCount(join(result.previous!, 'memory.db'))).toBe(11);
    expect((await listBackups(backupsDir)).map((b) => b.name)).toContain(taken.name);
    expect(lines).toEqual([`restored backup ${taken.name} into ${dataDir}; the data it replaced is in ${result.previous}`]);
    // Nothing else was left beside the data directory.
    expect((await readdir(root)).sort()).toEqual(['backups', 'data', 'data.before-restore-20260503T100000Z']);
  });

  test('restores "latest" where there is no data directory', async () => {
    await writeFile(join(dataDir, 'x'), 'x');
    await backupDataDir({ dataDir, backupsDir, label: 'v1' });
    await rm(dataDir, { recursive: true });
    const result = await restoreBackup({ dataDir, backupsDir, name: 'latest' });
    expect(result.previous).toBeNull();
    expect(await readFile(join(dataDir, 'x'), 'utf8')).toBe('x');
  });

  test('an unknown backup changes nothing and lists what exists', async () => {
    await writeFile(join(dataDir, 'x'), 'x');
    const taken = await backupDataDir({ dataDir, backupsDir, label: 'v1' });
    await expect(restoreBackup({ dataDir, backupsDir, name: 'v9' })).rejects.toThrow(`available: ${taken.name}`);
    expect((await readdir(root)).sort()).toEqual(['backups', 'data']);
  });
});
