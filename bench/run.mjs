// `npm run bench`: three parts, one after the other, each printing a Markdown table with its targets.
//   version: times the release-flow CLI bundle on a synthetic 100,000-commit repository against the
//     floors it cannot beat (raw `git log`, node's own startup).
//   image: multi-arch image builds on the bed's engine and registry (cold and warm from the registry
//     cache, for the test service and for bench/fixtures/heavy, a build doing real work; the action
//     against a bare `docker buildx build`); see bench/image.mjs.
//   deploy: zero-downtime prod deploys on the bed's engine under a bounded HTTP load (bench/load.mjs):
//     failed requests and latency during release-flow deploys against plain `docker compose up -d`
//     recreates, time to serving, rollback, environment switch and start-to-healthy; see bench/deploy.mjs.
// Targets are reported, never asserted: the exit code is non-zero only when something failed to run or
// produced a wrong answer.
//
// Options: --only version|image|deploy (run one part), --runs N (measured runs per versioning figure, default
// 7, after one warm-up), --image-runs N (action and bare runs, default 5, after one warm-up), --deploys N
// (prod deploys, and plain compose recreates, in the deploy part; default 10), --fresh
// (regenerate the cached repository). The repository is cached in .bench/ (git-ignored), keyed by the
// generator's parameters.
//
// bench/last-run.md holds one section per part; a run rewrites the sections of the parts it ran and
// keeps the others as they were (each section is dated).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtInt, fmtMb, fmtMs, status } from './format.mjs';
import { DEFAULT_PARAMS, ensureRepos } from './generate.mjs';
import { deployBench } from './deploy.mjs';
import { imageBench } from './image.mjs';
import { BenchFailure, MAXRSS_PRELOAD, measureAll, rssSources } from './measure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distCli = join(root, 'dist/cli/index.js');
const distImage = join(root, 'dist/image/index.js');
/** The bundle the CLI rows run: a snapshot of dist/cli/index.js taken at start (see snapshotBundle). */
let cli = distCli;
const outFile = join(root, 'bench/last-run.md');
const benchStarted = performance.now();

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '7' },
    'image-runs': { type: 'string', default: process.env.BENCH_IMAGE_RUNS ?? '5' },
    deploys: { type: 'string', default: process.env.BENCH_DEPLOYS ?? '10' },
    only: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const RUNS = Number(opts.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: expected a positive integer, got ${opts.runs}`);
const IMAGE_RUNS = Number(opts['image-runs']);
if (!Number.isInteger(IMAGE_RUNS) || IMAGE_RUNS < 1) throw new Error(`--image-runs: expected a positive integer, got ${opts['image-runs']}`);
const DEPLOYS = Number(opts.deploys);
if (!Number.isInteger(DEPLOYS) || DEPLOYS < 2) throw new Error(`--deploys: expected an integer of at least 2, got ${opts.deploys}`);
const PARTS = ['version', 'image', 'deploy'];
if (opts.only !== undefined && !PARTS.includes(opts.only)) throw new Error(`--only: expected one of ${PARTS.join(', ')}, got ${opts.only}`);
const parts = opts.only ? [opts.only] : PARTS;

/** Each part should stay under ~3 minutes; `notes --all` gets what the rest of its part leaves. */
const TOTAL_BUDGET_MS = 170_000;
/** The headings that start each part's section of bench/last-run.md. */
const SECTION_HEADINGS = { version: '### Performance (', image: '### Image build (', deploy: '### Deploy (' };
const NOTES_TIMEOUT_MS = 90_000;

const TARGETS = {
  smallMs: 300,
  ratio: 2,
  peakMb: 150,
};

const log = (line) => process.stderr.write(`${line}\n`);

function gitVersion() {
  const r = spawnSync('git', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^git version /, '') : 'unknown';
}

function gitLines(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new BenchFailure(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** `notes --all` is being written while this bench is: measure it only once the bundle has it. */
function notesAllSupport() {
  const r = spawnSync(process.execPath, [cli, 'notes', '--help'], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, why: 'the CLI bundle has no `notes` command yet' };
  if (!/--all\b/.test(r.stdout)) return { ok: false, why: '`notes` has no `--all` option yet' };
  return { ok: true };
}

function checkVersionJson(expected) {
  return (result) => {
    let json;
    try {
      json = JSON.parse(result.stdout);
    } catch {
      throw new Error(`stdout is not one JSON object: ${JSON.stringify(result.stdout.slice(0, 200))}`);
    }
    const want = { released: true, commits: expected.commits, previousTag: expected.previousTag, version: expected.version };
    for (const [key, value] of Object.entries(want)) {
      if (json[key] !== value) {
        throw new Error(`expected ${key} ${JSON.stringify(value)}, got ${JSON.stringify(json[key])} in ${result.stdout.trim()}`);
      }
    }
  };
}

const bundleHash = (file) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);

/**
 * Other people rebuild dist/ while the bench runs; every figure must come from one build. The bundles
 * only import node built-ins, so a copy next to a `"type": "module"` package.json runs the same code.
 */
function snapshotBundle(file, name) {
  if (!existsSync(file)) throw new BenchFailure(`${relative(root, file)} is missing: run npm run build first`);
  const code = readFileSync(file);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const benchDir = join(root, '.bench');
  mkdirSync(benchDir, { recursive: true });
  for (const old of readdirSync(benchDir)) {
    if (old.startsWith(`${name}-`) && old !== `${name}-${hash}`) rmSync(join(benchDir, old), { recursive: true, force: true });
  }
  const dir = join(benchDir, `${name}-${hash}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'index.js'), code);
  return { path: join(dir, 'index.js'), hash };
}

function projectCommit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function machineDescription() {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB, ${platform()} ${release()}; Node ${process.versions.node}`;
}

/** The notes a section carries when a bundle ([file, sha256 at start] pairs) changed under it or the machine was busy. */
function runNotices(bundles, loadAtStart) {
  const notices = [];
  for (const [file, hashAtStart] of bundles) {
    const hashAtEnd = existsSync(file) ? bundleHash(file) : 'missing';
    if (hashAtEnd === hashAtStart) continue;
    const warning = `${relative(root, file)} was rebuilt during the bench (sha256 ${hashAtStart} → ${hashAtEnd}): these figures are those of the build at start (${hashAtStart}); run again for the new one.`;
    log(`NOTE: ${warning}`);
    notices.push(`Note: ${warning}`);
  }
  if (loadAtStart > cpus().length * 0.75) {
    notices.push(`Note: the machine was busy when the bench started (load average ${loadAtStart.toFixed(2)} on ${cpus().length} cores); expect noisy figures.`);
  }
  return notices;
}

async function versionBench(snapshot) {
  const partStarted = performance.now();
  cli = snapshot.path;
  const bundleAtStart = snapshot.hash;
  const loadAtStart = loadavg()[0];

  log('release-flow bench: versioning');
  log(`- repository: ${DEFAULT_PARAMS.commits.toLocaleString('en-US')} commits, ${DEFAULT_PARAMS.tags} tags (cache in .bench/)`);
  const repos = await ensureRepos(join(root, '.bench'), DEFAULT_PARAMS, { fresh: opts.fresh, log });
  log(repos.cached ? `  cached: ${relative(root, repos.bigDir)}` : `  generated in ${(repos.generationMs / 1000).toFixed(1)} s`);
  const { bigDir, smallDir, lastTag } = repos;
  const tagNames = gitLines(bigDir, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags']);

  const gitEnv = { LC_ALL: 'C' };
  const node = process.execPath;
  const cliRun = (id, label, cwd, args, extra = {}) => ({
    id,
    label,
    cwd,
    cmd: node,
    args: ['--import', MAXRSS_PRELOAD, cli, ...args],
    maxrss: true,
    keepStdout: true,
    ...extra,
  });
  const gitLog = (id, label, cwd, range) => ({
    id,
    label,
    cwd,
    env: gitEnv,
    cmd: 'git',
    args: ['log', '--format=%H%x00%B', ...range, '--'],
  });
  // The git commands `version --json` runs, in its order, one after the other: its git-only floor.
  // Their argv as src/ builds them: openRepository, ensureFullHistory, then describeRange (src/flows/
  // history.ts) with Git.tagCommits and Git.log(…, { boundary: true }) of src/adapters/git.ts. The
  // highest tag is an ancestor of HEAD here, so the `--merged` fall-back (rows below) is not run.
  const TAG_COMMITS_FORMAT = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(committerdate:unix)%00%(*committerdate:unix)';
  const LOG_FORMAT = '--format=%m%H%x1f%P%x1f%B';
  const versionGitCalls = (cwd) => {
    const [head] = gitLines(cwd, ['rev-parse', 'HEAD']);
    return {
      steps: [
        ['rev-parse', '--is-inside-work-tree'],
        ['rev-parse', '--is-shallow-repository'],
        ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'],
        ['for-each-ref', `--format=${TAG_COMMITS_FORMAT}`, 'refs/tags'],
        ['log', '-z', '--topo-order', '--boundary', '--no-show-signature', '--encoding=UTF-8', LOG_FORMAT, head, `^${lastTag.sha}`, '--'],
      ].map((args) => ({ cmd: 'git', args })),
      cwd,
      env: gitEnv,
    };
  };

  const range = [`${lastTag.name}..HEAD`];
  const specs = [
    cliRun('version50k', '`version --json`, 50,000-commit range', bigDir, ['version', '--json', '--cwd', bigDir], {
      check: checkVersionJson({ commits: repos.big.commits, previousTag: lastTag.name, version: repos.big.expectedVersion }),
    }),
    gitLog('gitlog50k', '`git log --format=%H%x00%B` over the same 50,000 commits', bigDir, range),
    cliRun('version1k', '`version --json`, 1,000-commit range', smallDir, ['version', '--json', '--cwd', smallDir], {
      check: checkVersionJson({ commits: repos.small.commits, previousTag: lastTag.name, version: repos.small.expectedVersion }),
    }),
    gitLog('gitlog1k', '`git log --format=%H%x00%B` over the same 1,000 commits', smallDir, range),
    { id: 'gitcalls50k', label: "`version`'s git commands alone, in sequence (3 rev-parse, for-each-ref of tags, log --boundary), 50,000-commit range", ...versionGitCalls(bigDir) },
    { id: 'gitcalls1k', label: "`version`'s git commands alone, in sequence (3 rev-parse, for-each-ref of tags, log --boundary), 1,000-commit range", ...versionGitCalls(smallDir) },
    {
      id: 'merged50k',
      label: "`git for-each-ref --merged=HEAD refs/tags` alone, `version`'s fall-back, run only when the highest tag is not an ancestor of HEAD (not the case here; 50,000-commit HEAD, 100,000 commits of history)",
      cwd: bigDir,
      env: gitEnv,
      cmd: 'git',
      args: ['for-each-ref', '--format=%(refname:strip=2)', '--merged=HEAD', 'refs/tags'],
    },
    {
      id: 'merged1k',
      label: "`git for-each-ref --merged=HEAD refs/tags` alone, `version`'s fall-back, run only when the highest tag is not an ancestor of HEAD (not the case here; 1,000-commit worktree, 51,000 commits of history)",
      cwd: smallDir,
      env: gitEnv,
      cmd: 'git',
      args: ['for-each-ref', '--format=%(refname:strip=2)', '--merged=HEAD', 'refs/tags'],
    },
    cliRun('help', '`node dist/cli/index.js --help` (node start + bundle load, no git)', root, ['--help'], { keepStdout: false }),
    {
      id: 'nodePreload',
      label: '`node --import bench/maxrss.mjs -e 0` (startup with the memory probe the CLI rows carry)',
      cwd: root,
      cmd: node,
      args: ['--import', MAXRSS_PRELOAD, '-e', '0'],
      maxrss: true,
    },
    { id: 'node', label: '`node -e 0` (node startup floor)', cwd: root, cmd: node, args: ['-e', '0'] },
  ];

  log(`- measuring (${RUNS} runs after 1 warm-up each, interleaved)`);
  const results = await measureAll(specs, { runs: RUNS, log });

  // -- notes --all: the slow one, measured last with whatever time is left
  const notesSupport = notesAllSupport();
  let notes = null;
  let notesFloor = null;
  if (notesSupport.ok) {
    const versions = tagNames.map((t) => t.replace(/^v/, ''));
    const notesSpec = cliRun('notesAll', '`notes --all` (release notes of all 1,000 tags; stdout discarded)', bigDir, ['notes', '--all', '--cwd', bigDir], {
      timeoutMs: NOTES_TIMEOUT_MS,
      check(result) {
        const seen = new Set(result.stdout.match(/\d+\.\d+\.\d+/g) ?? []);
        const missing = versions.filter((v) => !seen.has(v));
        if (missing.length) {
          throw new Error(`stdout (${result.stdoutBytes} bytes) lacks ${missing.length} of the ${versions.length} tag versions, e.g. ${missing.slice(0, 3).join(', ')}`);
        }
      },
    });
    const floorSpec = gitLog('gitlogTagged', '`git log --format=%H%x00%B` over all tagged history (50,000 commits)', bigDir, [lastTag.name]);
    const deadline = partStarted + TOTAL_BUDGET_MS - 5_000; // the floor's runs take a few seconds
    log(`- measuring notes --all (${Math.max(0, Math.round((deadline - performance.now()) / 1000))} s of budget left)`);
    const r = await measureAll([{ ...notesSpec, deadline, minRuns: 0 }, floorSpec], { runs: RUNS, log });
    notes = r.get('notesAll');
    notesFloor = r.get('gitlogTagged');
  } else {
    log(`- notes --all not measured: ${notesSupport.why}`);
  }

  // -- Report
  const v50 = results.get('version50k');
  const g50 = results.get('gitlog50k');
  const v1 = results.get('version1k');
  const g1 = results.get('gitlog1k');
  const ratio50 = v50.medianMs / g50.medianMs;
  const ratio1 = v1.medianMs / g1.medianMs;

  // Without samples (a very slow command the time budget left no room for), the warm-up is the figure.
  const typical = (r) => r.medianMs ?? (r.timedOut ? null : r.warmupMs);
  const row = (r, commits, note = '') => {
    const median = r.timedOut && !r.runs ? `> ${NOTES_TIMEOUT_MS / 1000} s (killed)` : r.runs ? fmtMs(r.medianMs) : `${fmtMs(r.warmupMs)} (warm-up only)`;
    return `| ${r.label} | ${commits} | ${median} | ${r.runs ? `${fmtMs(r.minMs)} – ${fmtMs(r.maxMs)}` : '—'} | ${fmtMb(r.peakKb)} | ${r.runs} | ${note} |`;
  };

  const lines = [];
  lines.push(`### Performance (\`npm run bench\`, ${new Date().toISOString().slice(0, 10)})`);
  lines.push('');
  lines.push(
    `Machine: ${machineDescription()}; git ${gitVersion()}; load average ${loadAtStart.toFixed(2)} at start. ` +
      `release-flow at ${projectCommit()}, bundle \`dist/cli/index.js\` sha256 ${bundleAtStart} (run from a copy taken at start).`,
  );
  const notices = runNotices([[distCli, bundleAtStart]], loadAtStart);
  lines.push(
    '',
    `Repository: synthetic, ${fmtInt(DEFAULT_PARAMS.commits)} Conventional Commits (feat/fix/perf/docs/chore/refactor, scopes, bodies, ` +
      `\`BREAKING CHANGE:\` footers, \`#123\` references, ${fmtInt(repos.reverts)} git reverts), ${fmtInt(repos.tagCount)} lightweight tags ` +
      `${repos.firstTag.name} … ${lastTag.name}, the last one ${fmtInt(repos.big.commits)} commits behind HEAD; the 1,000-commit range is a ` +
      `worktree of the same repository (same history and tags) whose HEAD is ${fmtInt(repos.small.commits)} commits after ${lastTag.name}. ` +
      (repos.cached ? 'Repository from the cache.' : `Generated with git fast-import in ${(repos.generationMs / 1000).toFixed(1)} s.`),
  );
  lines.push(
    '',
    `Median wall time of the whole process over the runs shown, after one warm-up; peak memory is the highest peak RSS of the ` +
      `node process over all runs (${rssSources.has('ru_maxrss') ? '`process.resourceUsage().maxRSS`' : 'VmHWM of /proc/self/status'} at exit, via ` +
      `\`--import bench/maxrss.mjs\`; the git children are not included).`,
  );
  for (const notice of notices) lines.push('', notice);
  lines.push('');
  lines.push('| Measurement | Commits | Median | Min – max | Peak RSS | Runs | |');
  lines.push('|---|---:|---:|---:|---:|---:|---|');
  lines.push(row(v50, '50,000', `${ratio50.toFixed(2)}× git log`));
  lines.push(row(g50, '50,000', 'floor'));
  lines.push(row(v1, '1,000', `${ratio1.toFixed(2)}× git log`));
  lines.push(row(g1, '1,000', 'floor'));
  if (notes) {
    lines.push(row(notes, '50,000', typical(notes) && notesFloor.medianMs ? `${(typical(notes) / notesFloor.medianMs).toFixed(1)}× git log` : ''));
    lines.push(row(notesFloor, '50,000', 'floor'));
  } else {
    lines.push(`| \`notes --all\` (release notes of all 1,000 tags) | 50,000 | not measured: ${notesSupport.why} | | | | |`);
  }
  lines.push(row(results.get('gitcalls50k'), '50,000', 'context'));
  lines.push(row(results.get('gitcalls1k'), '1,000', 'context'));
  lines.push(row(results.get('merged50k'), '—', 'context'));
  lines.push(row(results.get('merged1k'), '—', 'context'));
  lines.push(row(results.get('help'), '—', 'context'));
  lines.push(row(results.get('nodePreload'), '—', 'context'));
  lines.push(row(results.get('node'), '—', 'context'));
  lines.push('');

  const peak = (r) => (r?.peakKb ?? null) === null ? null : r.peakKb / 1024;
  const peakRow = (what, r) => {
    const mb = peak(r);
    return `| Peak memory under ${TARGETS.peakMb} MB at any size: ${what} | ${mb === null ? 'not measured' : `${mb.toFixed(1)} MB`} | ${status(mb === null ? null : mb < TARGETS.peakMb)} |`;
  };
  lines.push('| Target | Measured | Status |');
  lines.push('|---|---:|---|');
  lines.push(`| 1,000-commit range under ${TARGETS.smallMs} ms for the whole process | ${fmtMs(v1.medianMs)} | ${status(v1.medianMs < TARGETS.smallMs)} |`);
  lines.push(
    `| 50,000 commits within ${TARGETS.ratio}× of raw git log time | ${fmtMs(v50.medianMs)} / ${fmtMs(g50.medianMs)} = ${ratio50.toFixed(2)}× | ${status(ratio50 <= TARGETS.ratio)} |`,
  );
  lines.push(peakRow('`version`, 50,000 commits', v50));
  lines.push(peakRow('`version`, 1,000 commits', v1));
  lines.push(peakRow('`notes --all`, 1,000 tags', notes));
  lines.push('');
  log(`- versioning part took ${((performance.now() - partStarted) / 1000).toFixed(0)} s`);
  return lines.join('\n');
}

async function imagePart(cliSnapshot) {
  const partStarted = performance.now();
  const imageSnapshot = snapshotBundle(distImage, 'image');
  const loadAtStart = loadavg()[0];
  log('release-flow bench: image build');
  const section = await imageBench({
    root,
    cli: cliSnapshot.path,
    action: imageSnapshot.path,
    runs: IMAGE_RUNS,
    deadline: partStarted + TOTAL_BUDGET_MS,
    log,
    machine: {
      description: `${machineDescription()}; release-flow at ${projectCommit()}`,
      loadAtStart,
      get notices() {
        return runNotices([[distCli, cliSnapshot.hash], [distImage, imageSnapshot.hash]], loadAtStart);
      },
    },
    bundles: { cli: cliSnapshot.hash, image: imageSnapshot.hash },
  });
  log(`- image part took ${((performance.now() - partStarted) / 1000).toFixed(0)} s`);
  return section;
}

async function deployPart(cliSnapshot) {
  const loadAtStart = loadavg()[0];
  log('release-flow bench: deploy');
  const { section } = await deployBench({
    root,
    cli: cliSnapshot.path,
    deploys: DEPLOYS,
    log,
    machine: {
      description: `${machineDescription()}; release-flow at ${projectCommit()}`,
      loadAtStart,
      get notices() {
        return runNotices([[distCli, cliSnapshot.hash]], loadAtStart);
      },
    },
    bundles: { cli: cliSnapshot.hash },
  });
  return section;
}

/** bench/last-run.md's sections by part, as the previous runs left them. */
function previousSections() {
  if (!existsSync(outFile)) return {};
  const text = readFileSync(outFile, 'utf8');
  const starts = PARTS.map((part) => ({ part, at: text.indexOf(SECTION_HEADINGS[part]) }))
    .filter((s) => s.at >= 0)
    .sort((a, b) => a.at - b.at);
  return Object.fromEntries(starts.map((s, i) => [s.part, text.slice(s.at, starts[i + 1]?.at ?? text.length).trimEnd() + '\n']));
}

async function main() {
  const cliSnapshot = snapshotBundle(distCli, 'cli');
  const sections = previousSections();
  const failures = [];
  for (const part of parts) {
    try {
      sections[part] = part === 'version' ? await versionBench(cliSnapshot) : part === 'image' ? await imagePart(cliSnapshot) : await deployPart(cliSnapshot);
      process.stdout.write(`\n${sections[part]}\n`);
    } catch (error) {
      failures.push(part);
      if (error instanceof BenchFailure) log(`\nBENCH FAILED (${part}): ${error.message}`);
      else log(`\nBENCH FAILED (${part}): ${error?.stack ?? error}`);
    }
  }
  const ran = parts.filter((part) => !failures.includes(part));
  if (ran.length) {
    writeFileSync(outFile, PARTS.filter((part) => sections[part]).map((part) => sections[part]).join('\n'));
    const kept = PARTS.filter((part) => sections[part] && !ran.includes(part));
    log(`- written to ${relative(root, outFile)} (${ran.join(', ')}${kept.length ? `; ${kept.join(', ')} kept from an earlier run` : ''}); bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
  }
  if (failures.length) process.exitCode = 1;
}

main().catch((error) => {
  if (error instanceof BenchFailure) log(`\nBENCH FAILED: ${error.message}`);
  else log(`\nBENCH FAILED: ${error?.stack ?? error}`);
  process.exitCode = 1;
});
