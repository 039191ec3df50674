import { describe, expect, test } from 'vitest';
import {
  backupName,
  backupStamp,
  backupsToPrune,
  chooseBackup,
  parseBackupName,
  sortBackups,
  validateKeep,
} from '../../src/core/backup-retention.js';
import { InputError } from '../../src/core/errors.js';

describe('backupName', () => {
  const cases: [string, Date, string, string][] = [
    ['the example from the issue', new Date('2026-11-23T16:07:00Z'), 'v1.2.0', '20261123T160700Z-v1.2.0'],
    ['milliseconds are dropped', new Date('2026-11-23T16:07:00.999Z'), 'v1.2.0', '20261123T160700Z-v1.2.0'],
    ['UTC whatever the input zone', new Date('2026-01-02T01:02:03+05:00'), '1.0.0', '20260101T200203Z-1.0.0'],
    ['prerelease and build metadata', new Date('2026-03-04T05:06:07Z'), 'v2.0.0-rc.1+b.7', '20260304T050607Z-v2.0.0-rc.1+b.7'],
    ['a word label', new Date('2026-03-04T05:06:07Z'), 'manual', '20260304T050607Z-manual'],
  ];
  test.each(cases)('%s', (_, at, label, expected) => {
    expect(backupName(at, label)).toBe(expected);
    expect(parseBackupName(expected)).toEqual({ name: expected, stamp: expected.slice(0, 16), createdAt: new Date(Math.floor(at.getTime() / 1000) * 1000), label });
  });

  const bad: [string, string][] = [
    ['empty', ''],
    ['a slash', 'v1/2'],
    ['a backslash', 'v1\\2'],
    ['dot-dot', '..'],
    ['leading dot', '.hidden'],
    ['leading dash', '-v1'],
    ['a space', 'v1 2'],
    ['a colon', 'v1:2'],
  ];
  test.each(bad)('rejects a label with %s, saying what is expected', (_, label) => {
    expect(() => backupName(new Date('2026-01-01T00:00:00Z'), label)).toThrow(InputError);
    expect(() => backupName(new Date('2026-01-01T00:00:00Z'), label)).toThrow(/expected letters, digits.*v1\.2\.0/);
  });

  test('rejects an invalid date', () => {
    expect(() => backupStamp(new Date('nope'))).toThrow(/expected a valid date/);
  });

  test('names sort by time as plain strings', () => {
    const times = ['2025-12-31T23:59:59Z', '2026-01-01T00:00:00Z', '2026-10-01T09:00:00Z', '2026-02-01T10:00:00Z'];
    const names = times.map((t) => backupStamp(new Date(t)));
    expect([...names].sort()).toEqual([names[0], names[1], names[3], names[2]]);
  });
});

describe('parseBackupName', () => {
  const foreign: [string, string][] = [
    ['a README', 'README.md'],
    ['a half-made backup', '.partial-20261123T160700Z-v1.2.0-AbC123'],
    ['one being deleted', '.deleting-20261123T160700Z-v1.2.0-0a1b2c3d'],
    ['no label', '20261123T160700Z'],
    ['an empty label', '20261123T160700Z-'],
    ['no Z', '20261123T160700-v1'],
    ['short stamp', '2026112T160700Z-v1'],
    ['month 13', '20261323T160700Z-v1'],
    ['Feb 30', '20260230T160700Z-v1'],
    ['hour 24', '20261123T240000Z-v1'],
    ['a label with a space', '20261123T160700Z-v 1'],
    ['lowercase t and z', '20261123t160700z-v1'],
  ];
  test.each(foreign)('%s is not a backup', (_, name) => {
    expect(parseBackupName(name)).toBeNull();
  });

  test('a label may contain dashes', () => {
    expect(parseBackupName('20261123T160700Z-v1.2.0-rc.1')?.label).toBe('v1.2.0-rc.1');
  });
});

const a = '20260101T000000Z-v1.0.0';
const b = '20260201T000000Z-v1.1.0';
const c = '20260301T000000Z-v1.2.0';
const d = '20260401T000000Z-v1.2.0';
const e = '20260501T000000Z-v2.0.0';

describe('sortBackups', () => {
  test('newest first, foreign entries dropped', () => {
    expect(sortBackups([c, 'README', a, e, '.partial-x', b, d]).map((x) => x.name)).toEqual([e, d, c, b, a]);
  });
  test('same second: stable by name', () => {
    const x = '20260101T000000Z-a';
    const y = '20260101T000000Z-b';
    expect(sortBackups([x, y]).map((z) => z.name)).toEqual([y, x]);
    expect(sortBackups([y, x]).map((z) => z.name)).toEqual([y, x]);
  });
});

describe('backupsToPrune', () => {
  const cases: [string, string[], number, string | undefined, string[]][] = [
    ['nothing to prune under the limit', [a, b], 5, undefined, []],
    ['exactly at the limit', [a, b, c, d, e], 5, undefined, []],
    ['the oldest go first', [a, b, c, d, e], 3, undefined, [b, a]],
    ['input order does not matter', [e, a, d, b, c], 2, undefined, [c, b, a]],
    ['keep 1', [a, b, c], 1, undefined, [b, a]],
    ['foreign entries are never pruned', ['README', a, '.partial-x', b, c, 'lost+found'], 1, undefined, [b, a]],
    ['empty', [], 5, undefined, []],
    ['the protected backup stays even when it looks oldest', [a, b, c], 1, a, [c, b]],
    ['the protected backup counts towards keep', [a, b, c, d], 2, a, [c, b]],
    ['protecting the newest changes nothing', [a, b, c], 2, c, [a]],
    ['protecting an unknown name changes nothing', [a, b, c], 2, 'README', [a]],
  ];
  test.each(cases)('%s', (_, names, keep, protect, expected) => {
    expect(backupsToPrune(names, keep, protect)).toEqual(expected);
  });

  test.each([0, -1, 1.5, Number.NaN])('keep %s is rejected', (keep) => {
    expect(() => backupsToPrune([a], keep)).toThrow(/keep: .* is not valid; expected a whole number of backups, at least 1/);
  });
  test('validateKeep returns a valid keep', () => {
    expect(validateKeep(5)).toBe(5);
  });
});

describe('chooseBackup', () => {
  const names = ['README', a, b, c, d, e, '20260601T000000Z-manual'];
  const cases: [string, string, string][] = [
    ['latest', 'latest', '20260601T000000Z-manual'],
    ['latest, padded', '  latest ', '20260601T000000Z-manual'],
    ['an exact name', c, c],
    ['a label', 'v1.1.0', b],
    ['a label used twice: the newest', 'v1.2.0', d],
    ['a label without its v', '1.0.0', a],
    ['a word label', 'manual', '20260601T000000Z-manual'],
  ];
  test.each(cases)('%s', (_, selector, expected) => {
    expect(chooseBackup(names, selector).name).toBe(expected);
  });

  test('a label with a v finds one without', () => {
    expect(chooseBackup(['20260101T000000Z-1.0.0'], 'v1.0.0').name).toBe('20260101T000000Z-1.0.0');
  });

  test('an unknown selector lists what is available', () => {
    expect(() => chooseBackup([a, b], 'v9.9.9')).toThrow(InputError);
    expect(() => chooseBackup([a, b], 'v9.9.9')).toThrow(`expected "latest", a backup name or a version label; available: ${b}, ${a}`);
  });
  test('foreign entries cannot be chosen', () => {
    expect(() => chooseBackup(['README', '.partial-20260101T000000Z-v1'], 'README')).toThrow(/there are no backups/);
    expect(() => chooseBackup([], 'latest')).toThrow(/"latest".*there are no backups/);
  });
});
