// Synthetic Conventional Commits history for the bench, written with one `git fast-import` stream.
//
// Layout (defaults): commits 1..100,000 on `main`, linear. 1,000 lightweight release tags vX.Y.Z sit on
// commits 1..50,000 (jittered spacing, the last one exactly on commit 50,000), so `version` at HEAD
// analyses the 50,000 commits after it. A linked worktree on branch `range-1k`, at commit 51,000, puts
// HEAD 1,000 commits after that same last tag: the 1,000-commit range in the same long history and tags.
//
// Every sha is computed here as git computes it (blob, flat tree, commit), which lets reverts carry
// git's own `This reverts commit <sha>.` body inside the single stream; the computed HEAD sha is checked
// against git's afterwards, which proves every intermediate sha (they are chained through `parent`).
// Tag versions are what release-flow's rules give for each window (breaking > feat > fix/perf, reverts
// cancelling their target inside the window, out-of-window reverts patch), so they increase along history.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_PARAMS = Object.freeze({
  generator: 3, // bump when the generator's output changes, to invalidate caches
  seed: 20240601,
  commits: 100_000,
  tags: 1_000,
  lastTagDistance: 50_000, // commits from the last tag to HEAD
  smallRange: 1_000, // commits from the last tag to the worktree's HEAD
  files: 16,
  revertRate: 0.005,
  breakingRate: 1 / 1500,
});

/** Git with no user or system config, so the generated repository is the same on every machine. */
const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

function git(cwd, args, options = {}) {
  const r = spawnSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`git ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export function cacheKey(params) {
  return createHash('sha1').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}

// -- Deterministic randomness ------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// -- Vocabulary --------------------------------------------------------------------------------------

const AUTHORS = [
  'Ada Lovelace', 'Grace Hopper', 'Linus Torvalds', 'Margaret Hamilton', 'Ken Thompson', 'Barbara Liskov',
  'Dennis Ritchie', 'Frances Allen', 'Guido van Rossum', 'Radia Perlman', 'José Valim', 'Zoë Keating',
  'Anders Hejlsberg', 'Sophie Wilson', 'Brendan Eich', 'Hedy Lamarr', 'Yukihiro Matsumoto', 'Jean Sammet',
  'Rob Pike', 'Adele Goldberg', 'Bjarne Stroustrup', 'Karen Spärck Jones', 'John Carmack', 'Mary Kenneth Keller',
  'Donald Knuth', 'Shafi Goldwasser', 'Leslie Lamport', 'Evelyn Boyd Granville', 'Niklaus Wirth', 'Annie Easley',
];
const EMAILS = AUTHORS.map((n) => `${n.toLowerCase().normalize('NFD').replace(/[^a-z ]/g, '').replace(/ +/g, '.')}@example.com`);

const SCOPES = [
  'api', 'cli', 'core', 'parser', 'notes', 'version', 'git', 'github', 'deploy', 'compose', 'docker', 'config',
  'auth', 'cache', 'deps', 'ci', 'docs', 'tags', 'changelog', 'release', 'ui', 'http', 'logging', 'metrics',
];
const VERBS = {
  feat: ['add', 'support', 'introduce', 'allow', 'expose', 'implement', 'enable', 'provide'],
  fix: ['fix', 'handle', 'correct', 'avoid', 'prevent', 'guard against', 'repair', 'restore'],
  perf: ['speed up', 'cache', 'stream', 'batch', 'avoid copying', 'reduce allocations in', 'parallelise'],
  docs: ['document', 'explain', 'clarify', 'describe', 'fix typos in', 'add examples for'],
  chore: ['bump', 'update', 'clean up', 'remove unused', 'tidy', 'regenerate', 'pin'],
  refactor: ['extract', 'simplify', 'split', 'rename', 'inline', 'restructure', 'move'],
};
const NOUNS = [
  'tag parsing', 'the release notes renderer', 'prerelease channels', 'shallow clones', 'the retry policy',
  'rate limits', 'commit references', 'multi-arch manifests', 'the health check', 'rollback on failure',
  'empty repositories', 'merge commits', 'revert detection', 'scoped release rules', 'the JSON output',
  'exit codes', 'annotated tags', 'the compose project name', 'image digests', 'the tag check',
  'dry runs', 'UTF-8 messages', 'CRLF line endings', 'long histories', 'remote URLs', 'SSH remotes',
  'the summary table', 'the changelog header', 'signed commits', 'blue/green switching', 'stale locks',
];
const WORDS = (
  'the a this that when with without before after every only still now also because so which while ' +
  'release version commit tag notes history range parser output input option value default error ' +
  'message user repository branch remote image container service deploy health check timeout retry ' +
  'cache stream buffer memory list map entry header footer scope type bump major minor patch change ' +
  'keeps makes avoids returns reads writes checks skips handles stops starts waits fails passes runs'
).split(' ');
const PROSE_ENDINGS = ['.', '.', '.', '.', ':'];

// -- Git object hashing --------------------------------------------------------------------------------

function objectSha(type, body) {
  const h = createHash('sha1');
  h.update(`${type} ${body.length}\0`);
  h.update(body);
  return h.digest();
}

// -- The generator -------------------------------------------------------------------------------------

const RANK = { none: 0, patch: 1, minor: 2, major: 3 };
const BUMP_OF_TYPE = { feat: 'minor', fix: 'patch', perf: 'patch' };

/**
 * Builds the history in memory (messages are written to the stream as they are made) and returns what
 * the bench needs to know about it.
 */
async function writeHistory(stdin, params) {
  const rand = mulberry32(params.seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

  const prose = (minWords, maxWords) => {
    const n = int(minWords, maxWords);
    const words = [];
    for (let i = 0; i < n; i++) words.push(pick(WORDS));
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    // Wrap at 72 columns like an editor would.
    const lines = [];
    let line = '';
    for (const w of words) {
      if (line && line.length + 1 + w.length > 72) {
        lines.push(line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    lines.push(line + pick(PROSE_ENDINGS).replace(':', '.'));
    return lines.join('\n');
  };

  const N = params.commits;
  const lastTagIndex = N - params.lastTagDistance; // 1-based commit index of the last tag
  if (lastTagIndex < params.tags) throw new Error('not enough commits before the last tag for the tags');
  // Tag positions: evenly spread with jitter, strictly increasing, the last one exactly on lastTagIndex.
  const spacing = lastTagIndex / params.tags;
  const jitter = Math.floor(spacing * 0.4);
  const tagAt = new Map(); // commit index -> tag ordinal
  for (let k = 1; k <= params.tags; k++) {
    const base = Math.round(k * spacing);
    const pos = k === params.tags ? lastTagIndex : Math.max(1, base + (jitter ? int(-jitter, jitter) : 0));
    tagAt.set(pos, k);
  }
  if (tagAt.size !== params.tags) throw new Error('tag positions collided; lower the jitter');

  const shas = new Array(N + 1); // hex
  const headers = new Array(N + 1);
  const bumps = new Uint8Array(N + 1); // RANK of the commit's own bump
  const revertTarget = new Int32Array(N + 1); // commit index it reverts, 0 if none
  const isReverted = new Uint8Array(N + 1);

  const fileNames = Array.from({ length: params.files }, (_, i) => `file-${String(i).padStart(2, '0')}.txt`).sort();
  const fileBlobs = new Array(params.files);
  const fileEntryPrefixes = fileNames.map((name) => Buffer.from(`100644 ${name}\0`));

  let time = 1420070400; // 2015-01-01T00:00:00Z
  let pr = 1;
  let parent = null;
  let chunk = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const buf = Buffer.concat(chunk);
    chunk = [];
    chunkBytes = 0;
    if (!stdin.write(buf)) await new Promise((resolve) => stdin.once('drain', resolve));
  };
  const emit = (textOrBuf) => {
    const b = typeof textOrBuf === 'string' ? Buffer.from(textOrBuf) : textOrBuf;
    chunk.push(b);
    chunkBytes += b.length;
  };
  const emitData = (buf) => {
    emit(`data ${buf.length}\n`);
    emit(buf);
    emit('\n');
  };

  for (let i = 1; i <= N; i++) {
    // -- The message
    let message;
    let bump = 'none';
    const revertChance = i > 20 && rand() < params.revertRate;
    let target = 0;
    if (revertChance) {
      for (let attempt = 0; attempt < 5 && !target; attempt++) {
        const j = i - int(1, Math.min(400, i - 1));
        if (!revertTarget[j] && !isReverted[j] && j >= 1) target = j;
      }
    }
    if (target) {
      isReverted[target] = 1;
      revertTarget[i] = target;
      message = `Revert "${headers[target]}"\n\nThis reverts commit ${shas[target]}.\n`;
      headers[i] = `Revert "${headers[target]}"`;
      bump = 'none'; // a revert header is not conventional: patch only when its target is outside the range
    } else {
      const r = rand();
      const type = r < 0.25 ? 'feat' : r < 0.55 ? 'fix' : r < 0.6 ? 'perf' : r < 0.72 ? 'docs' : r < 0.87 ? 'chore' : 'refactor';
      const scope = rand() < 0.7 ? pick(SCOPES) : null;
      const breaking = ['feat', 'fix', 'refactor', 'perf'].includes(type) && rand() < params.breakingRate / 0.7;
      const bang = breaking && rand() < 0.35;
      const squashRef = rand() < 0.3 ? ` (#${pr++})` : '';
      const header = `${type}${scope ? `(${scope})` : ''}${bang ? '!' : ''}: ${pick(VERBS[type])} ${pick(NOUNS)}${squashRef}`;
      headers[i] = header;
      const parts = [header];
      if (rand() < 0.6) {
        const paragraphs = int(1, 3);
        for (let p = 0; p < paragraphs; p++) parts.push(prose(6, 40));
      }
      const footers = [];
      if (breaking && (!bang || rand() < 0.5)) footers.push(`BREAKING CHANGE: ${prose(5, 25)}`);
      if (rand() < 0.15) footers.push(`Closes #${Math.max(1, pr - int(0, 50))}`);
      if (rand() < 0.05) footers.push(`Refs: #${Math.max(1, pr - int(0, 200))}`);
      if (rand() < 0.05) {
        const a = int(0, AUTHORS.length - 1);
        footers.push(`Co-authored-by: ${AUTHORS[a]} <${EMAILS[a]}>`);
      }
      if (footers.length) parts.push(footers.join('\n'));
      message = parts.join('\n\n') + '\n';
      bump = breaking ? 'major' : (BUMP_OF_TYPE[type] ?? 'none');
    }
    bumps[i] = RANK[bump];

    // -- The tree: the first commit adds every file, then each commit changes one
    const changed = i === 1 ? fileNames.map((_, f) => f) : [int(0, params.files - 1)];
    const blobs = [];
    for (const f of changed) {
      const content = Buffer.from(`${fileNames[f]} changed by commit ${i}: ${headers[i]}\n`);
      fileBlobs[f] = objectSha('blob', content);
      blobs.push([f, content]);
    }
    const treeBody = Buffer.concat(fileNames.flatMap((_, f) => [fileEntryPrefixes[f], fileBlobs[f]]));
    const tree = objectSha('tree', treeBody).toString('hex');

    // -- The commit
    time += int(60, 5400);
    const a = int(0, AUTHORS.length - 1);
    const ident = `${AUTHORS[a]} <${EMAILS[a]}> ${time} +0000`;
    const msgBuf = Buffer.from(message);
    const commitBody = Buffer.concat([
      Buffer.from(`tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${ident}\ncommitter ${ident}\n\n`),
      msgBuf,
    ]);
    const sha = objectSha('commit', commitBody).toString('hex');
    shas[i] = sha;
    parent = sha;

    emit(`commit refs/heads/main\nmark :${i}\nauthor ${ident}\ncommitter ${ident}\n`);
    emitData(msgBuf);
    for (const [f, content] of blobs) {
      emit(`M 100644 inline ${fileNames[f]}\n`);
      emitData(content);
    }
    emit('\n');
    if (chunkBytes > 1 << 20) await flush();
  }

  // -- Release tags, with the version release-flow's rules give each window
  const windowBump = (from, to) => {
    // Commits (from, to], as the analyzer sees them: reverts cancel targets inside the window.
    let best = 0;
    for (let i = from + 1; i <= to; i++) {
      const t = revertTarget[i];
      if (t) {
        if (t <= from) best = Math.max(best, RANK.patch); // reverts something already released
        continue;
      }
      // Cancelled when a revert of it sits inside the window.
      let cancelled = false;
      if (isReverted[i]) {
        for (let j = i + 1; j <= to && j <= i + 400; j++) if (revertTarget[j] === i) cancelled = true;
      }
      if (!cancelled) best = Math.max(best, bumps[i]);
    }
    return best;
  };
  const bumpVersion = ([ma, mi, pa], rank) =>
    rank === 3 ? [ma + 1, 0, 0] : rank === 2 ? [ma, mi + 1, 0] : rank === 1 ? [ma, mi, pa + 1] : null;

  const tags = [];
  let version = null;
  let prevIndex = 0;
  for (const [index] of [...tagAt].sort((x, y) => x[0] - y[0])) {
    const rank = windowBump(prevIndex, index);
    // No releasable commit in the window (rare): release a patch anyway so versions keep increasing.
    version = version === null ? [1, 0, 0] : bumpVersion(version, Math.max(rank, 1));
    const name = `v${version.join('.')}`;
    tags.push({ name, index, sha: shas[index] });
    emit(`reset refs/tags/${name}\nfrom :${index}\n\n`);
    prevIndex = index;
  }
  emit('done\n');
  await flush();

  const expectedNext = (from, to) => {
    const rank = windowBump(from, to);
    const next = bumpVersion(version, rank);
    return next ? next.join('.') : null;
  };
  const smallHeadIndex = lastTagIndex + params.smallRange;
  return {
    head: shas[N],
    lastTag: tags.at(-1),
    firstTag: tags[0],
    tagCount: tags.length,
    big: { head: shas[N], commits: N - lastTagIndex, expectedVersion: expectedNext(lastTagIndex, N) },
    small: {
      head: shas[smallHeadIndex],
      commits: params.smallRange,
      expectedVersion: expectedNext(lastTagIndex, smallHeadIndex),
    },
    taggedCommits: lastTagIndex,
    reverts: revertTarget.reduce((n, t) => n + (t ? 1 : 0), 0),
  };
}

/**
 * Returns the bench repositories for `params`, generating them under `cacheRoot` unless a complete
 * copy is there already. `{ fresh: true }` regenerates.
 */
export async function ensureRepos(cacheRoot, params = DEFAULT_PARAMS, { fresh = false, log = () => {} } = {}) {
  const dir = join(cacheRoot, `repo-${cacheKey(params)}`);
  const metaFile = join(dir, 'meta.json');
  const bigDir = join(dir, 'big');
  const smallDir = join(dir, 'wt-1k');

  if (!fresh && existsSync(metaFile)) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      if (
        JSON.stringify(meta.params) === JSON.stringify(params) &&
        git(bigDir, ['rev-parse', 'HEAD']) === meta.big.head &&
        git(smallDir, ['rev-parse', 'HEAD']) === meta.small.head
      ) {
        return { ...meta, bigDir, smallDir, cached: true, generationMs: null };
      }
    } catch {
      // Incomplete or stale: regenerate below.
    }
    log(`cache at ${dir} is stale or broken; regenerating`);
  }

  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(bigDir, { recursive: true });
  git(bigDir, ['init', '--quiet', '--initial-branch=main']);

  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: bigDir,
    env: gitEnv,
    stdio: ['pipe', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  child.stdin.on('error', () => undefined); // fast-import dying shows up in its exit status
  let info;
  try {
    info = await writeHistory(child.stdin, params);
  } finally {
    child.stdin.end();
  }
  const { code, signal } = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`);

  const head = git(bigDir, ['rev-parse', 'refs/heads/main']);
  if (head !== info.head) {
    throw new Error(`generator bug: computed HEAD ${info.head} but git made ${head}; revert shas would be wrong`);
  }
  // A checked-out work tree, as in a real clone; then the 1,000-commit worktree on its own branch.
  git(bigDir, ['reset', '--quiet', '--hard', 'main']);
  git(bigDir, ['worktree', 'add', '--quiet', '-b', 'range-1k', smallDir, info.small.head]);
  const tagCount = Number(git(bigDir, ['for-each-ref', '--count=100000', '--format=x', 'refs/tags']).split('\n').length);
  if (tagCount !== params.tags) throw new Error(`expected ${params.tags} tags, git has ${tagCount}`);

  const meta = { params, ...info, generatedAt: new Date().toISOString() };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return { ...meta, bigDir, smallDir, cached: false, generationMs: performance.now() - started };
}
