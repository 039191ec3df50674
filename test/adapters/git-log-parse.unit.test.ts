import { describe, expect, it, test } from 'vitest';
import type { RawCommit } from '../../src/core/commit.js';
import { logArgs, parseLogRecord, parseLogStream, pushArgs, rangeArgs, tagArgs } from '../../src/adapters/git.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

async function* fromChunks(chunks: string[]): AsyncGenerator<string> {
  yield* chunks;
}

async function collect(chunks: string[]): Promise<RawCommit[]> {
  const commits: RawCommit[] = [];
  for await (const commit of parseLogStream(fromChunks(chunks))) commits.push(commit);
  return commits;
}

describe('parseLogRecord', () => {
  it('reads a root commit as having no parents', () => {
    expect(parseLogRecord(`>${A}\x1f\x1ffeat: first\n`)).toEqual({ sha: A, parents: [], message: 'feat: first\n' });
  });

  it('reads every parent of a merge', () => {
    expect(parseLogRecord(`>${A}\x1f${B} ${C}\x1fMerge branch 'x'\n`).parents).toEqual([B, C]);
  });

  it('keeps the message byte for byte, CRLF and separators included', () => {
    const message = 'fix: a\r\n\r\n# not a comment\r\nodd \x1f char\r\n';
    expect(parseLogRecord(`>${A}\x1f${B}\x1f${message}`).message).toBe(message);
  });

  it('says what it expected when a record is malformed', () => {
    expect(() => parseLogRecord('garbage')).toThrow(/expected a git log record/);
    expect(() => parseLogRecord(`>${A}\x1fonly-one-separator`)).toThrow(/expected a git log record/);
  });

  test.each([
    ['>', undefined],
    ['-', true],
  ])('mark %s gives boundary %s', (mark, boundary) => {
    const commit = parseLogRecord(`${mark}${A}\x1f${B}\x1ffix: x`);
    expect(commit.sha).toBe(A);
    expect(commit.boundary).toBe(boundary);
  });
});

describe('parseLogStream', () => {
  const records = [`>${A}\x1f${B}\x1ffeat: a\n`, `>${B}\x1f${C}\x1ffix: b\r\n`, `>${C}\x1f\x1finit`];
  const output = records.map((record) => `${record}\0`).join('');

  it('yields the commits in output order', async () => {
    const commits = await collect([output]);
    expect(commits.map((commit) => commit.sha)).toEqual([A, B, C]);
    expect(commits.map((commit) => commit.message)).toEqual(['feat: a\n', 'fix: b\r\n', 'init']);
  });

  it('gives the same commits whatever the chunk boundaries', async () => {
    const whole = await collect([output]);
    for (const size of [1, 2, 7, 41, 42, 43, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < output.length; i += size) chunks.push(output.slice(i, i + size));
      expect(await collect(chunks)).toEqual(whole);
    }
  });

  it('handles empty chunks and a terminator at the very start of a chunk', async () => {
    const first = `${records[0]}`;
    expect(await collect(['', first, '', '\0', ''])).toEqual([parseLogRecord(first)]);
  });

  it('yields each commit before the rest of the output arrives', async () => {
    let released = false;
    async function* slow(): AsyncGenerator<string> {
      yield `${records[0]}\0${records[1]!.slice(0, 10)}`;
      released = true;
      yield `${records[1]!.slice(10)}\0`;
    }
    const iterator = parseLogStream(slow());
    const first = await iterator.next();
    expect(first.value).toMatchObject({ sha: A });
    expect(released).toBe(false);
    await iterator.return(undefined);
  });

  it('yields nothing for empty output', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect([''])).toEqual([]);
  });

  it('rejects output that stops inside a record', async () => {
    await expect(collect([`${records[0]}\0>${A}\x1f`])).rejects.toThrow(/ended inside a record/);
  });
});

describe('git argv', () => {
  it('excludes `from` with ^ and ends the revisions with --', () => {
    expect(rangeArgs({ to: 'HEAD' })).toEqual(['HEAD']);
    expect(rangeArgs({ from: null, to: 'HEAD' })).toEqual(['HEAD']);
    expect(rangeArgs({ from: 'v1.0.0', to: 'HEAD' })).toEqual(['HEAD', '^v1.0.0']);
    expect(logArgs({ from: 'v1.0.0', to: 'main' }).slice(-3)).toEqual(['main', '^v1.0.0', '--']);
    expect(logArgs({ to: 'main' })).toContain('-z');
  });

  it('refuses revisions that git would read as options', () => {
    expect(() => rangeArgs({ to: '--output=/tmp/x' })).toThrow(/does not start with "-"/);
    expect(() => rangeArgs({ from: '-p', to: 'HEAD' })).toThrow(/does not start with "-"/);
    expect(() => tagArgs({ mergedInto: '--all' })).toThrow(/does not start with "-"/);
    expect(() => pushArgs('--receive-pack=evil', ['main'])).toThrow(/does not start with "-"/);
  });

  it('filters tags with for-each-ref options', () => {
    expect(tagArgs()).toEqual(['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags']);
    expect(tagArgs({ mergedInto: 'HEAD', pointsAt: 'abc1234' })).toEqual([
      'for-each-ref',
      '--format=%(refname:strip=2)',
      '--merged=HEAD',
      '--points-at=abc1234',
      'refs/tags',
    ]);
  });

  it('pushes atomically only when asked, and needs something to push', () => {
    expect(pushArgs('origin', ['main', 'refs/tags/v1.0.0'])).toEqual(['push', 'origin', 'main', 'refs/tags/v1.0.0']);
    expect(pushArgs('origin', ['main'], { atomic: true })).toEqual(['push', '--atomic', 'origin', 'main']);
    expect(() => pushArgs('origin', [])).toThrow(/at least one ref/);
  });
});
