// Names, order and retention of data backups. A backup is a directory named
// `<UTC timestamp>-<label>` (20261123T160700Z-v1.2.0): the fixed-width timestamp first makes the
// names sort by age as plain strings, and the label (the version about to be deployed) lets a
// rollback ask for "the backup taken before v1.2.0". Entries that do not parse (a half-made
// `.partial-…` directory, a README someone left) are never listed, chosen or deleted.
import { InputError } from './errors.js';

export interface BackupName {
  name: string;
  /** The `YYYYMMDDTHHMMSSZ` part. */
  stamp: string;
  createdAt: Date;
  label: string;
}

// A label becomes part of a directory name: no separators, no leading dot (hidden, and `..`),
// nothing a shell would need quoting for. SemVer versions with a tag prefix fit.
const LABEL = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-(.+)$/;
const LABEL_EXPECTED = "letters, digits, '.', '_', '+' or '-', not starting with '.' or '-' (for example v1.2.0)";

/** `20261123T160700Z`: UTC to the second, fixed width, so string order is time order. */
export function backupStamp(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new InputError('backup time', String(at), 'a valid date');
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function backupName(at: Date, label: string): string {
  if (!LABEL.test(label)) throw new InputError('backup label', label, LABEL_EXPECTED);
  return `${backupStamp(at)}-${label}`;
}

/** The parts of a backup name; null for anything that is not one (foreign entries). */
export function parseBackupName(name: string): BackupName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, label] = m as unknown as [string, string, string, string, string, string, string, string];
  if (!LABEL.test(label)) return null;
  const createdAt = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  // Date.UTC rolls 20261332 over into the next year; a real stamp formats back to itself.
  const stamp = `${y}${mo}${d}T${h}${mi}${s}Z`;
  if (Number.isNaN(createdAt.getTime()) || backupStamp(createdAt) !== stamp) return null;
  return { name, stamp, createdAt, label };
}

/** The backups among `names`, newest first; foreign entries dropped. */
export function sortBackups(names: Iterable<string>): BackupName[] {
  const parsed: BackupName[] = [];
  for (const name of names) {
    const backup = parseBackupName(name);
    if (backup) parsed.push(backup);
  }
  // Same second: fall back to the whole name so the order is at least stable.
  return parsed.sort((a, b) => (a.stamp === b.stamp ? cmp(b.name, a.name) : cmp(b.stamp, a.stamp)));
}

export function validateKeep(keep: number): number {
  // Zero would delete the backup that was just made: there would be nothing to roll back to.
  if (!Number.isInteger(keep) || keep < 1) throw new InputError('keep', keep, 'a whole number of backups, at least 1');
  return keep;
}

/**
 * The backups to delete so that the newest `keep` remain. `protect` (the backup just made) is
 * never returned, even when a clock set back makes it look older than the rest.
 */
export function backupsToPrune(names: Iterable<string>, keep: number, protect?: string): string[] {
  validateKeep(keep);
  const sorted = sortBackups(names).map((b) => b.name);
  const kept = protect !== undefined && sorted.includes(protect) ? [protect] : [];
  for (const name of sorted) {
    if (kept.length >= keep) break;
    if (!kept.includes(name)) kept.push(name);
  }
  return sorted.filter((name) => !kept.includes(name));
}

/**
 * The backup a rollback means: "latest", an exact backup name, or a version label (the newest
 * backup with that label; `1.2.0` also finds `v1.2.0` and the other way round).
 */
export function chooseBackup(names: Iterable<string>, selector: string): BackupName {
  const sorted = sortBackups(names);
  const wanted = selector.trim();
  const found =
    wanted === 'latest'
      ? sorted[0]
      : (sorted.find((b) => b.name === wanted) ??
        sorted.find((b) => b.label === wanted) ??
        sorted.find((b) => stripV(b.label) === stripV(wanted)));
  if (found) return found;
  const available = sorted.length === 0 ? 'there are no backups' : `available: ${sorted.map((b) => b.name).join(', ')}`;
  throw new InputError('backup', selector, `"latest", a backup name or a version label; ${available}`);
}

function stripV(label: string): string {
  return label.replace(/^v(?=\d)/, '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
