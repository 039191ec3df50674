// The image part of `npm run bench` (`npm run bench -- --only image` runs it alone): two-platform
// (linux/amd64, linux/arm64) builds pushed to the bed's registry, through the release-flow CLI and action
// bundles, with the flags src/core/buildx.ts gives buildx. Two build contexts:
//   - heavy: bench/fixtures/heavy, the test service plus a RUN step doing 10-20 s of deterministic CPU work
//     (under QEMU for arm64), standing in for a real service's dependency install or compile step. Its
//     cold build is bound by that work, not by buildx's fixed cost: the warm/cold target is judged on it.
//   - tiny: the test service itself (test/fixtures/service), whose cold build is mostly buildx's fixed
//     cost (about a second per build whatever the Dockerfile); its rows are context, and its repository
//     is the one the action and bare rows build.
//
//   1. cold: a fresh repository on the registry (no `<image>:buildcache` yet) and `docker buildx prune
//      -af` just before: `release-flow image --version 1.0.0 --push` in a temporary git repository
//      holding a copy of the build context.
//   2. warm: the local image removed and the build cache pruned again, a new commit that changes
//      nothing in the context, `--version 1.0.1`: really built, with only the registry cache to help.
//      Steps 1 and 2 run as pairs, each pair on a fresh repository: the heavy context's first (fewer
//      pairs, as the time budget allows), then the tiny one's.
//   3. the action's overhead: `node dist/image/index.js` with equivalent inputs, against a bare
//      `docker buildx build` with the very argv the action ran (taken from its first run, moved to a new
//      version each run), both warm, interleaved, a new version each run (so neither short-circuits),
//      on the tiny service (the overhead does not depend on what is built; the tiny build is the less
//      noisy floor).
//
// The CLI and action runs carry `--import bench/trace.mjs`, which timestamps their child processes and
// HTTP requests: the "where the time goes" table. Targets are reported, never asserted. Local images
// this creates are removed at the end; what was pushed stays in the registry.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { fmtDeltaMs, fmtInt, fmtMs, fmtPct, status } from './format.mjs';
import { BenchFailure, median, measureAll, runOnce } from './measure.mjs';

export const TRACE_PRELOAD = fileURLToPath(new URL('./trace.mjs', import.meta.url));

export const IMAGE_TARGETS = {
  /** A rebuild with no change, from the registry cache, at most this fraction of the cold build. */
  warmRatio: 0.15,
  /** The action's time over a bare `docker buildx build` of the same thing. */
  overheadMs: 1000,
};

const PLATFORMS = 'linux/amd64,linux/arm64';
/** Cold/warm pairs of the tiny service, each on a fresh repository (more only while the budget allows). */
const COLD_WARM_PAIRS = 3;
/** Cold/warm pairs of the heavy context (its cold build takes 10–30 s): the first always, the next while the budget allows. */
const HEAVY_PAIRS = 2;
/** What the heavy pairs leave of the part's budget: the tiny pairs, the action and bare rows, the context rows. */
const AFTER_HEAVY_MS = 100_000;
/** A cold build that found cached steps (another build filled the cache after the prune) is redone. */
const COLD_ATTEMPTS = 3;
/** Runs the action and bare rows get at least, even past the deadline. */
const MIN_RUNS = 3;
/** One build takes seconds (the heavy one tens of seconds); a hung one fails the bench instead of stalling it. */
const RUN_TIMEOUT_MS = 180_000;

const gitEnv = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
  GIT_AUTHOR_NAME: 'release-flow bench',
  GIT_AUTHOR_EMAIL: 'bench@release-flow.invalid',
  GIT_COMMITTER_NAME: 'release-flow bench',
  GIT_COMMITTER_EMAIL: 'bench@release-flow.invalid',
};

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...gitEnv }, encoding: 'utf8' });
  if (r.error) throw new BenchFailure(`git ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new BenchFailure(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function docker(args, { allowFail = false } = {}) {
  const r = spawnSync('docker', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new BenchFailure(`docker ${args.join(' ')}: ${r.error.message} (start the bed: bash test/bed/engine.sh)`);
  if (r.status !== 0 && !allowFail) {
    throw new BenchFailure(`docker ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return r;
}

const now = () => performance.timeOrigin + performance.now();

/** The engine, buildx, the registry and the service's busybox binaries: what the bed provides. */
async function preflight(registry, serviceDir, heavyDir) {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}\t{{.Driver}}\t{{range .DriverStatus}}{{index . 1}} {{end}}'], { encoding: 'utf8' });
  if (info.error || info.status !== 0) {
    throw new BenchFailure(`no usable Docker engine (\`docker info\` failed: ${(info.stderr || String(info.error)).trim()}): start the bed with bash test/bed/engine.sh`);
  }
  const [server, storage, storageDetail] = info.stdout.trim().split('\t');
  const buildx = docker(['buildx', 'version']).stdout.trim().split('\n')[0].replace(/^github\.com\/docker\/buildx /, '');
  const driver = /^Driver:\s*(\S+)/m.exec(docker(['buildx', 'inspect']).stdout)?.[1] ?? 'unknown';
  try {
    const reply = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(5000) });
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}`);
  } catch (error) {
    throw new BenchFailure(`the registry http://${registry}/v2/ does not answer (${error.message}): start the bed with bash test/bed/engine.sh`);
  }
  for (const arch of ['amd64', 'arm64']) {
    if (!existsSync(join(serviceDir, `busybox-${arch}`))) {
      throw new BenchFailure(`${join(serviceDir, `busybox-${arch}`)} is missing: run bash test/bed/fetch-busybox.sh (engine.sh runs it)`);
    }
  }
  if (!existsSync(join(heavyDir, 'Dockerfile'))) throw new BenchFailure(`${join(heavyDir, 'Dockerfile')} is missing`);
  return { server, storage: `${storage}${storageDetail?.trim() ? ` (${storageDetail.trim()})` : ''}`, buildx, driver };
}

/** Tags of `images` in the local image store (a pushed build is also unpacked there). */
function removeLocalImages(images, log) {
  const listed = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
  const ours = listed.filter((ref) => images.some((image) => ref.startsWith(`${image}:`)));
  if (!ours.length) return 0;
  const r = docker(['rmi', ...ours], { allowFail: true });
  if (r.status !== 0) log(`  warning: docker rmi ${ours.join(' ')} failed: ${r.stderr.trim()}`);
  return ours.length;
}

function pruneBuildCache(log) {
  const started = now();
  docker(['buildx', 'prune', '-af']);
  log(`  docker buildx prune -af (${fmtMs(now() - started)})`);
}

/** A git repository holding a copy of a build context (`assemble` fills `dir`), one commit: what the CLI builds from. */
function contextRepository(assemble, dir) {
  assemble(dir);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'feat: the service']);
  return dir;
}

/** GITHUB_OUTPUT: `name<<delimiter` blocks and `name=value` lines. */
function parseOutputFile(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      outputs[heredoc[1]] = value.join('\n');
    } else if (lines[i].includes('=')) {
      outputs[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
    }
  }
  return outputs;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Merged [start, end] intervals, clipped to [from, to]; their total length. */
function unionMs(intervals, from, to) {
  const clipped = intervals
    .map(([s, e]) => [Math.max(s, from), Math.min(e ?? to, to)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur = null;
  for (const [s, e] of clipped) {
    if (cur && s <= cur[1]) cur[1] = Math.max(cur[1], e);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    }
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/**
 * The Dockerfile steps of a `--progress=plain` build log (one per platform, `[internal]` ones left
 * out) and which of them came from a cache. A step printed again later (its layers being pulled) counts
 * once. A step counts as cached when BuildKit says CACHED, or when all it shows is the download of its
 * layer (`#11 sha256:… 523B / 523B done`): BuildKit sometimes prints a cache hit whose layer it pulls
 * from the registry cache that way, without the CACHED line (the CLI's `cacheHits` then counts one less).
 * `durations` are the `DONE <s>s` times of the steps that ran (not from a cache). BuildKit names a
 * step with its platform only sometimes (`[linux/arm64 1/4] COPY …` but `[2/4] RUN …`): a step of a
 * two-platform build may appear twice under the same name, once per platform.
 */
function buildSteps(log) {
  const names = new Map();
  const cached = new Set();
  const pulled = new Set();
  const other = new Set();
  const doneSeconds = new Map();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, id, rest] = m;
    const step = /^\[([^\]]+)\] (.*)$/.exec(rest);
    if (step) {
      if (!step[1].startsWith('internal') && !names.has(id)) names.set(id, `[${step[1]}] ${step[2]}`);
    } else if (/^CACHED\b/.test(rest)) cached.add(id);
    else if (/^sha256:[0-9a-f]{64} \S+ \/ \S+/.test(rest)) pulled.add(id);
    else if (/^DONE\b/.test(rest)) {
      const seconds = /^DONE (\d+(?:\.\d+)?)s$/.exec(rest);
      if (seconds && !doneSeconds.has(id)) doneSeconds.set(id, Number(seconds[1]));
    } else other.add(id);
  }
  const fromCache = (id) => cached.has(id) || (pulled.has(id) && !other.has(id));
  const ids = [...names.keys()];
  return {
    total: ids.length,
    cached: ids.filter(fromCache).length,
    ran: ids.filter((id) => !fromCache(id)).map((id) => names.get(id)),
    durations: ids.filter((id) => !fromCache(id) && doneSeconds.has(id)).map((id) => ({ name: names.get(id), seconds: doneSeconds.get(id) })),
  };
}

const isBuildxBuild = (e) => e.kind === 'spawn' && basename(e.cmd) === 'docker' && e.args[0] === 'buildx' && e.args[1] === 'build';

/** Where one traced run's wall time went, from bench/trace.mjs's events. */
function breakdown(run) {
  const { trace, launchAt, closeAt } = run;
  if (!trace) return null;
  const spans = (pred) => trace.filter(pred).map((e) => [e.start, e.end]);
  const gitEvents = trace.filter((e) => e.kind === 'spawn' && basename(e.cmd) === 'git');
  const fetches = trace.filter((e) => e.kind === 'fetch');
  const others = trace.filter((e) => e.kind === 'spawn' && basename(e.cmd) !== 'git' && !isBuildxBuild(e));
  const everything = spans((e) => e.kind === 'spawn' || e.kind === 'fetch');
  const preloadAt = trace.find((e) => e.kind === 'preload')?.at ?? launchAt;
  const startup = Math.max(0, preloadAt - launchAt);
  const total = closeAt - launchAt;
  const buildx = unionMs(spans(isBuildxBuild), launchAt, closeAt);
  return {
    total,
    buildx,
    outsideBuildx: total - buildx,
    git: unionMs(gitEvents.map((e) => [e.start, e.end]), launchAt, closeAt),
    gitCalls: gitEvents.length,
    http: unionMs(fetches.map((e) => [e.start, e.end]), launchAt, closeAt),
    httpRequests: fetches.length,
    other: unionMs(others.map((e) => [e.start, e.end]), launchAt, closeAt),
    otherCalls: others.length,
    startup,
    node: total - unionMs(everything, launchAt, closeAt) - startup,
  };
}

function summarize(samples) {
  return samples.length
    ? { runs: samples.length, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) }
    : { runs: 0, medianMs: null, minMs: null, maxMs: null };
}

/**
 * Runs the three measurements and returns the Markdown section. `cli` and `action` are the bundles to
 * run (snapshots of dist/cli/index.js and dist/image/index.js), `deadline` a performance.now() time.
 */
export async function imageBench({ root, cli, action, runs, deadline, log, machine, bundles }) {
  const registry = process.env.BENCH_REGISTRY ?? '127.0.0.1:5000';
  const serviceDir = join(root, 'test/fixtures/service');
  const heavyDir = join(root, 'bench/fixtures/heavy');
  const node = process.execPath;
  const env = await preflight(registry, serviceDir, heavyDir);
  const loadAtStart = machine.loadAtStart;
  const runId = randomBytes(4).toString('hex');
  const scratch = mkdtempSync(join(tmpdir(), 'rf-bench-image-'));
  const images = [];
  let traceCounter = 0;

  const traced = async (spec) => {
    const traceFile = join(scratch, `trace-${++traceCounter}.json`);
    const launchAt = now();
    const result = await runOnce({ ...spec, env: { ...spec.env, RF_BENCH_TRACE_FILE: traceFile } });
    let trace = null;
    try {
      trace = JSON.parse(readFileSync(traceFile, 'utf8'));
    } catch {
      trace = null;
    }
    return { ...result, launchAt, closeAt: launchAt + result.ms, trace };
  };
  const mustSucceed = (spec, result) => {
    if (result.timedOut) throw new BenchFailure(`${spec.label}: killed after ${RUN_TIMEOUT_MS / 1000} s in ${spec.cwd}`);
    if (result.code !== 0) {
      const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
      throw new BenchFailure(`${spec.label}: \`${result.command.slice(0, 300)}\` exited ${result.code ?? result.signal} in ${spec.cwd}\n${tail}`);
    }
  };

  const cliSpec = (label, dir, image, version) => ({
    label,
    cwd: dir,
    cmd: node,
    args: ['--import', TRACE_PRELOAD, cli, 'image', '--image', image, '--version', version, '--platforms', PLATFORMS, '--cache', 'registry', '--push', '--json'],
    keepStdout: true,
    timeoutMs: RUN_TIMEOUT_MS,
  });
  const cliOutcome = (spec, result) => {
    mustSucceed(spec, result);
    let json;
    try {
      json = JSON.parse(result.stdout);
    } catch {
      throw new BenchFailure(`${spec.label}: stdout is not one JSON object: ${JSON.stringify(result.stdout.slice(0, 200))}`);
    }
    if (!json.pushed || json.existing || !/^sha256:[0-9a-f]{64}$/.test(json.digest ?? '')) {
      throw new BenchFailure(`${spec.label}: expected a pushed build with a digest, got ${result.stdout.trim()}`);
    }
    return json;
  };

  /**
   * Steps 1 and 2: cold, then warm from the registry cache, in pairs, each on a fresh repository
   * `<registry>/release-flow-bench/<prefix>-<run id>-<pair>`. `mayStart(p, previousPairMs)` says
   * whether pair p (from 1; pair 0 always runs) still fits the budget.
   */
  const coldWarmPairs = async ({ name: contextName, prefix, assemble, maxPairs, mayStart }) => {
    const pairs = [];
    let lastPair = null;
    for (let p = 0; p < maxPairs; p++) {
      const previousMs = pairs.length ? pairs.at(-1).ms : 0;
      if (p > 0 && !mayStart(p, previousMs)) {
        log(`- ${contextName} cold/warm: stopping after ${p} pair(s), to stay within the time budget`);
        break;
      }
      const pairStarted = performance.now();
      let cold = null;
      let dir;
      let image;
      for (let attempt = 1; attempt <= COLD_ATTEMPTS && !cold; attempt++) {
        const name = `release-flow-bench/${prefix}-${runId}-${p + 1}${attempt > 1 ? `-${attempt}` : ''}`;
        image = `${registry}/${name}`;
        images.push(image);
        dir = contextRepository(assemble, join(scratch, basename(name)));
        log(`- ${contextName} pair ${p + 1}: cold build of ${image}`);
        pruneBuildCache(log);
        const spec = cliSpec(`cold \`release-flow image --version 1.0.0 --push\` (${image})`, dir, image, '1.0.0');
        const result = await traced(spec);
        const json = cliOutcome(spec, result);
        const steps = buildSteps(result.stderr);
        log(`  ${fmtMs(result.ms)}, ${steps.cached} of ${steps.total} steps cached`);
        if (json.cacheHits > 0 || steps.cached > 0) {
          log(`  not cold: ${Math.max(json.cacheHits, steps.cached)} steps came from a cache (another build on this engine refilled it after the prune); again`);
          removeLocalImages([image], log);
          continue;
        }
        cold = { result, json, steps };
      }
      if (!cold) throw new BenchFailure(`${contextName} cold build: every one of ${COLD_ATTEMPTS} attempts found cached steps (other builds keep filling the build cache of this engine)`);

      removeLocalImages([image], log);
      pruneBuildCache(log);
      git(dir, ['commit', '-q', '--allow-empty', '-m', 'chore: a commit that leaves the image alone']);
      log(`- ${contextName} pair ${p + 1}: warm rebuild, new commit, --version 1.0.1`);
      const spec = cliSpec(`warm \`release-flow image --version 1.0.1 --push\` (${image})`, dir, image, '1.0.1');
      const result = await traced(spec);
      const json = cliOutcome(spec, result);
      if (/failed to configure registry cache importer/.test(result.stderr)) {
        throw new BenchFailure(`${spec.label}: the registry cache ${image}:buildcache could not be imported:\n${result.stderr.match(/.*registry cache importer.*/)?.[0]}`);
      }
      const steps = buildSteps(result.stderr);
      if (json.cacheHits === 0 || steps.cached === 0) throw new BenchFailure(`${spec.label}: no step came from the registry cache ${image}:buildcache`);
      log(`  ${fmtMs(result.ms)}, ${steps.cached} of ${steps.total} steps cached${steps.ran.length ? `; ran: ${steps.ran.join('; ')}` : ''}`);
      removeLocalImages([image], log);
      pairs.push({ cold: cold.result, coldSteps: cold.steps, warm: result, warmSteps: steps, ms: performance.now() - pairStarted });
      lastPair = { dir, image };
    }
    return { pairs, lastPair };
  };

  try {
    // -- 1 and 2, heavy: the test service's files and busybox binaries, with bench/fixtures/heavy's Dockerfile
    const heavy = await coldWarmPairs({
      name: 'heavy',
      prefix: 'heavy',
      assemble: (dir) => {
        mkdirSync(dir, { recursive: true });
        for (const file of ['entrypoint.sh', 'busybox-amd64', 'busybox-arm64']) cpSync(join(serviceDir, file), join(dir, file));
        cpSync(heavyDir, dir, { recursive: true });
      },
      maxPairs: HEAVY_PAIRS,
      // The next pair should take about as long as the one before.
      mayStart: (p, previousMs) => performance.now() + previousMs < deadline - AFTER_HEAVY_MS,
    });

    // -- 1 and 2, tiny: the test service as it is
    const tiny = await coldWarmPairs({
      name: 'tiny',
      prefix: 'svc',
      assemble: (dir) => cpSync(serviceDir, dir, { recursive: true }),
      maxPairs: COLD_WARM_PAIRS,
      mayStart: () => performance.now() <= deadline - 90_000,
    });
    const lastPair = tiny.lastPair;

    // -- 3: the action against a bare buildx build with its argv, both warm, interleaved
    const { dir, image } = lastPair;
    const sha = git(dir, ['rev-parse', 'HEAD']);
    const manifest = parseYaml(readFileSync(join(root, 'actions/image/action.yml'), 'utf8'), { schema: 'failsafe' });
    const runnerDir = join(scratch, 'runner');
    mkdirSync(runnerDir);
    const actionInputs = { image, platforms: PLATFORMS, context: '.', push: 'true', cache: 'registry' };
    const actionSpec = (version) => {
      const inputs = { ...actionInputs, version };
      const inputEnv = {};
      for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
        const value = name in inputs ? inputs[name] : (spec?.default ?? '');
        if (value.includes('${{')) throw new BenchFailure(`actions/image/action.yml: the default of ${name} is an expression the bench does not evaluate: ${value}`);
        inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
      }
      const files = {
        GITHUB_OUTPUT: join(runnerDir, 'output'),
        GITHUB_STEP_SUMMARY: join(runnerDir, 'step_summary'),
        GITHUB_ENV: join(runnerDir, 'env'),
        GITHUB_PATH: join(runnerDir, 'path'),
        GITHUB_STATE: join(runnerDir, 'state'),
      };
      return {
        label: `action \`node dist/image/index.js\`, version ${version}`,
        cwd: dir,
        cmd: node,
        args: ['--import', TRACE_PRELOAD, action],
        files,
        env: {
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_WORKSPACE: dir,
          GITHUB_SHA: sha,
          GITHUB_REF: 'refs/heads/main',
          GITHUB_REF_NAME: 'main',
          GITHUB_EVENT_NAME: 'push',
          GITHUB_REPOSITORY: 'release-flow-bench/service',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_API_URL: 'http://127.0.0.1:9/api/unreachable',
          RUNNER_TEMP: runnerDir,
          ...files,
          ...inputEnv,
        },
        keepStdout: true,
        timeoutMs: RUN_TIMEOUT_MS,
      };
    };
    const runAction = async (version) => {
      const spec = actionSpec(version);
      for (const file of Object.values(spec.files)) writeFileSync(file, '');
      const result = await traced(spec);
      if (result.timedOut) mustSucceed(spec, result);
      if (result.code !== 0) {
        const errors = (result.stdout ?? '').split('\n').filter((l) => l.startsWith('::error')).join('\n');
        throw new BenchFailure(`${spec.label} exited ${result.code ?? result.signal}: ${errors || result.stderr.trim()}`);
      }
      const outputs = parseOutputFile(readFileSync(spec.files.GITHUB_OUTPUT, 'utf8'));
      if (outputs.pushed !== 'true' || outputs.existing !== 'false' || !/^sha256:[0-9a-f]{64}$/.test(outputs.digest ?? '')) {
        throw new BenchFailure(`${spec.label}: expected a pushed build, got outputs ${JSON.stringify(outputs)}`);
      }
      return result;
    };

    let captured = null;
    const bareSpec = (version) => {
      const metadataFile = join(scratch, `metadata-${version}.json`);
      const re = new RegExp(`(?<![0-9.])${escapeRegExp(captured.version)}(?![0-9.])`, 'g');
      const args = captured.args.map((arg, i) => (captured.args[i - 1] === '--metadata-file' ? metadataFile : arg.replace(re, version)));
      if (!args.includes(`${image}:v${version}`)) {
        throw new BenchFailure(`the action's buildx argv has no tag ${image}:v${captured.version} to move to ${version}: ${captured.args.join(' ')}`);
      }
      return { label: `bare \`docker buildx build\`, version ${version}`, cwd: dir, cmd: 'docker', args, metadataFile, timeoutMs: RUN_TIMEOUT_MS };
    };
    const runBare = async (version) => {
      const spec = bareSpec(version);
      rmSync(spec.metadataFile, { force: true });
      const result = await runOnce(spec);
      mustSucceed(spec, result);
      let digest = null;
      try {
        digest = JSON.parse(readFileSync(spec.metadataFile, 'utf8'))['containerimage.digest'];
      } catch {
        digest = null;
      }
      if (!/^sha256:[0-9a-f]{64}$/.test(digest ?? '')) throw new BenchFailure(`${spec.label}: no containerimage.digest in ${spec.metadataFile}`);
      return result;
    };

    log(`- action vs bare docker buildx build on ${image} (${runs} runs each after 1 warm-up, interleaved)`);
    log('  warm-up: action (its docker buildx build argv is taken for the bare runs)');
    const actionWarmup = await runAction('2.0.0');
    const buildCall = actionWarmup.trace?.find(isBuildxBuild);
    if (!buildCall) throw new BenchFailure('the action ran no `docker buildx build` (or bench/trace.mjs did not see it)');
    captured = { version: '2.0.0', args: buildCall.args };
    const actionBuilds = actionWarmup.trace.filter(isBuildxBuild).length;
    log('  warm-up: bare');
    const bareWarmup = await runBare('2.1.0');
    const actionRuns = [];
    const bareRuns = [];
    for (let round = 1; round <= runs; round++) {
      if (round > MIN_RUNS && performance.now() > deadline) {
        log(`  stopping after ${round - 1} rounds: the image part's time budget is spent`);
        break;
      }
      // Which one goes first alternates, so neither always runs right after the other's push.
      log(`  round ${round}/${runs} (${round % 2 ? 'action, bare' : 'bare, action'})`);
      if (round % 2) {
        actionRuns.push(await runAction(`2.0.${round}`));
        bareRuns.push(await runBare(`2.1.${round}`));
      } else {
        bareRuns.push(await runBare(`2.1.${round}`));
        actionRuns.push(await runAction(`2.0.${round}`));
      }
    }

    log('- context rows');
    const context = await measureAll(
      [
        { id: 'buildxVersion', label: '`docker buildx version` (docker CLI and buildx plugin start, no daemon call)', cwd: dir, cmd: 'docker', args: ['buildx', 'version'] },
        {
          id: 'nodeTrace',
          label: '`node --import bench/trace.mjs -e 0` (node start with the preload the CLI and action rows carry)',
          cwd: dir,
          cmd: node,
          args: ['--import', TRACE_PRELOAD, '-e', '0'],
          env: { RF_BENCH_TRACE_FILE: join(scratch, 'trace-node.json') },
        },
      ],
      { runs, log },
    );

    // -- Report
    /** Cold and warm figures of one context's pairs. */
    const coldWarmFigures = ({ pairs }) => {
      const cold = summarize(pairs.map((p) => p.cold.ms));
      const warm = summarize(pairs.map((p) => p.warm.ms));
      // The step that took longest in any cold build, and its runs (one per platform) in each, longest first.
      const all = pairs.flatMap((p) => p.coldSteps.durations);
      const slowestName = all.length ? all.reduce((x, y) => (y.seconds > x.seconds ? y : x)).name : null;
      const runsOf = pairs.map((p) => p.coldSteps.durations.filter((d) => d.name === slowestName).map((d) => d.seconds).sort((x, y) => y - x));
      const slowestRuns = Array.from({ length: Math.min(...runsOf.map((r) => r.length)) }, (_, i) => median(runsOf.map((r) => r[i])));
      return {
        cold,
        warm,
        ratio: warm.medianMs / cold.medianMs,
        coldSteps: pairs.map((p) => `${p.coldSteps.cached} of ${p.coldSteps.total}`).join(', '),
        warmSteps: pairs.map((p) => `${p.warmSteps.cached} of ${p.warmSteps.total}`).join(', '),
        ranAgain: [...new Set(pairs.flatMap((p) => p.warmSteps.ran))],
        slowest: slowestName && {
          name: slowestName.length > 80 ? `${slowestName.slice(0, slowestName.lastIndexOf(' ', 79)).trimEnd()} …` : slowestName,
          runs: slowestRuns.map((x) => `${x.toFixed(1)} s`).join(' and '),
        },
      };
    };
    const h = coldWarmFigures(heavy);
    const t = coldWarmFigures(tiny);
    const act = summarize(actionRuns.map((r) => r.ms));
    const bare = summarize(bareRuns.map((r) => r.ms));
    const breakdowns = (list) => list.map(breakdown).filter(Boolean);
    const overhead = act.medianMs - bare.medianMs;
    // Two runs' noise can hide (or invent) a difference of medians; the traced time outside the action's
    // own build is the other estimate. The status is judged on the larger of the two.
    const actionOutside = summarize(breakdowns(actionRuns).map((b) => b.outsideBuildx));
    const judgedOverhead = Math.max(overhead, actionOutside.medianMs ?? -Infinity);
    const bareRatio = bare.medianMs / t.cold.medianMs;
    const medianOf = (list, key) => (list.length ? median(list.map((b) => b[key])) : null);

    const range = (s) => (s.runs ? `${fmtMs(s.minMs)} – ${fmtMs(s.maxMs)}` : '—');
    const row = (label, s, note) => `| ${label} | ${fmtMs(s.medianMs)} | ${range(s)} | ${s.runs} | ${note} |`;
    const ctxRow = (r) => `| ${r.label} | ${fmtMs(r.medianMs)} | ${r.runs ? `${fmtMs(r.minMs)} – ${fmtMs(r.maxMs)}` : '—'} | ${r.runs} | context |`;
    const splitRow = (label, list) => {
      const b = breakdowns(list);
      if (!b.length) return `| ${label} | no trace | | | | | | | |`;
      const calls = (key) => [...new Set(b.map((x) => x[key]))].join('/');
      return (
        `| ${label} | ${fmtMs(medianOf(b, 'total'))} | ${fmtMs(medianOf(b, 'buildx'))} | ${fmtMs(medianOf(b, 'outsideBuildx'))} | ` +
        `${fmtMs(medianOf(b, 'git'))} (${calls('gitCalls')}) | ${fmtMs(medianOf(b, 'http'))} (${calls('httpRequests')}) | ` +
        `${fmtMs(medianOf(b, 'startup'))} | ${fmtMs(medianOf(b, 'node'))} | ${b.length} |`
      );
    };
    const ranAgain = (f) => (f.ranAgain.length ? ` (ran again: ${f.ranAgain.join('; ')})` : '');

    const lines = [];
    lines.push(`### Image build (\`npm run bench\`, ${new Date().toISOString().slice(0, 10)})`);
    lines.push('');
    lines.push(
      `Machine: ${machine.description}; load average ${loadAtStart.toFixed(2)} at start. Docker ${env.server}, storage ${env.storage}, ` +
        `buildx ${env.buildx} (driver ${env.driver}), linux/arm64 through QEMU; registry ${registry} (loopback, no TLS). ` +
        `Bundles \`dist/cli/index.js\` sha256 ${bundles.cli} and \`dist/image/index.js\` sha256 ${bundles.image} (run from copies taken at start).`,
    );
    for (const notice of machine.notices ?? []) lines.push('', notice);
    lines.push(
      '',
      `Built, for ${PLATFORMS}: **heavy**, \`bench/fixtures/heavy\` (the test service's busybox and entrypoint plus a \`RUN\` standing in for a dependency ` +
        'install or compile step: `seq 1 5000000 | gzip -9`, ~39 MB of text compressed to ~10.6 MB per platform, deterministic; ' +
        (h.slowest
          ? `its slowest step in the cold builds, \`${h.slowest.name}\`, ran ${h.slowest.runs} (median per build; one run per platform, side by side, the long one arm64 under QEMU); `
          : '') +
        `pushed to \`${registry}/release-flow-bench/heavy-${runId}-…\`), the context the warm/cold target is judged on; and **tiny**, ` +
        `\`test/fixtures/service\` as it is (FROM scratch, a static busybox per platform, one \`RUN\` — emulated for arm64 —, ~1 MB per platform; ` +
        `pushed to \`${registry}/release-flow-bench/svc-${runId}-…\`), whose cold build is mostly buildx's fixed cost, and on which the action and bare rows run. ` +
        'Each with the argv of src/core/buildx.ts: ' +
        '`--output=type=registry,oci-mediatypes=true`, `--cache-from`/`--cache-to type=registry,ref=<image>:buildcache,mode=max`, labels and annotations, no provenance. ' +
        'Cold: a fresh repository, `docker buildx prune -af` just before, no `buildcache` in the registry yet. Warm: the local image removed, the build cache pruned again, ' +
        'a new empty commit built as `--version 1.0.1`: nothing local to reuse, only the registry cache. ' +
        `Action and bare (tiny): the build cache and \`buildcache\` warm from the rows before; a new version each run; the bare rows run the exact argv the action's ` +
        `first run gave \`docker\` (${actionBuilds} \`buildx build\`; tag, version label and metadata file moved to the run's version). ` +
        'Wall time of the whole process; the CLI and action rows run with `--import bench/trace.mjs` (see the context row).',
    );
    lines.push('');
    lines.push('| Measurement | Median | Min – max | Runs | |');
    lines.push('|---|---:|---:|---:|---|');
    lines.push(row('Heavy, cold: `release-flow image --version 1.0.0 --push`, fresh repository, no build cache, no registry cache', h.cold, `each on a fresh repository; steps cached: ${h.coldSteps}`));
    lines.push(row('Heavy, warm: the same content as `--version 1.0.1` (new commit), build cache pruned, registry cache only', h.warm, `**${fmtPct(h.ratio)} of cold** (the target's figure); steps cached: ${h.warmSteps}${ranAgain(h)}`));
    lines.push(row('Tiny, cold: `release-flow image --version 1.0.0 --push`, fresh repository, no build cache, no registry cache', t.cold, `context; each on a fresh repository; steps cached: ${t.coldSteps}`));
    lines.push(row('Tiny, warm: the same content as `--version 1.0.1` (new commit), build cache pruned, registry cache only', t.warm, `context; ${fmtPct(t.ratio)} of cold; steps cached: ${t.warmSteps}${ranAgain(t)}`));
    lines.push(row('Action (tiny): `node dist/image/index.js` (inputs image, version, platforms, push, cache: registry), warm', act, `${fmtDeltaMs(overhead)} over bare`));
    lines.push(row("Bare (tiny): `docker buildx build` with the action's argv, warm", bare, `floor; ${fmtPct(bareRatio)} of the tiny cold build, ${fmtPct(bare.medianMs / h.cold.medianMs)} of the heavy one`));
    lines.push(ctxRow(context.get('buildxVersion')));
    lines.push(ctxRow(context.get('nodeTrace')));
    lines.push(
      `| Warm-ups of the two rows above (not in their figures): action ${fmtMs(actionWarmup.ms)}, bare ${fmtMs(bareWarmup.ms)} | | | | |`,
    );
    lines.push('');
    lines.push(
      'Where the time goes (medians per column over the runs, so they need not add up; from `bench/trace.mjs`: child processes and HTTP requests of the ' +
        'node process, time-stamped; "node start" is launch to the preload running, "node, the rest" is bundle load, own work and exit; ' +
        'git and registry HTTP columns give the number of calls in brackets):',
    );
    lines.push('');
    lines.push('| Run | Whole process | `docker buildx build` | Outside the build | git | Registry HTTP | Node start | Node, the rest | Runs |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(splitRow('Heavy, cold (CLI)', heavy.pairs.map((p) => p.cold)));
    lines.push(splitRow('Heavy, warm (CLI)', heavy.pairs.map((p) => p.warm)));
    lines.push(splitRow('Tiny, cold (CLI)', tiny.pairs.map((p) => p.cold)));
    lines.push(splitRow('Tiny, warm (CLI)', tiny.pairs.map((p) => p.warm)));
    lines.push(splitRow('Action (tiny)', actionRuns));
    lines.push('');
    lines.push('| Target | Measured | Status |');
    lines.push('|---|---:|---|');
    lines.push(
      `| Warm rebuild with no change at most ${fmtPct(IMAGE_TARGETS.warmRatio)} of the cold build, judged on the **heavy** build (\`bench/fixtures/heavy\`; ` +
        `the tiny service's ${fmtPct(t.ratio)} is context) | ${fmtMs(h.warm.medianMs)} / ${fmtMs(h.cold.medianMs)} = ${fmtPct(h.ratio)} | ${status(h.ratio <= IMAGE_TARGETS.warmRatio)} |`,
    );
    lines.push(
      `| Action overhead over a bare \`docker buildx build\` under ${fmtInt(IMAGE_TARGETS.overheadMs / 1000)} s | ${fmtMs(act.medianMs)} − ${fmtMs(bare.medianMs)} = ${fmtDeltaMs(overhead)} ` +
        `(per run, outside its own build: ${fmtMs(actionOutside.medianMs)}, ${range(actionOutside)}; judged on the larger) | ${status(judgedOverhead < IMAGE_TARGETS.overheadMs)} |`,
    );
    lines.push('');
    lines.push(
      `Why the target is judged on the heavy build: a warm build can only be as fast as buildx's fixed cost. The bare warm \`docker buildx build\` of the tiny ` +
        `service above, with the local build cache kept, takes ${fmtMs(bare.medianMs)}, ${fmtPct(bareRatio)} of the tiny cold build: that build does little work beyond the ` +
        `fixed cost, so ${fmtPct(IMAGE_TARGETS.warmRatio)} of it (${fmtMs(t.cold.medianMs * IMAGE_TARGETS.warmRatio)}) is out of reach of any warm build, and its ratio says ` +
        `little about the registry cache. The heavy build's cold time is mostly its \`RUN\` step's work, as a real service's is; ${fmtPct(IMAGE_TARGETS.warmRatio)} of it is ` +
        `${fmtMs(h.cold.medianMs * IMAGE_TARGETS.warmRatio)}.`,
    );
    lines.push('');
    if (h.ratio > IMAGE_TARGETS.warmRatio) {
      lines.push(
        `Note: the heavy warm build (${fmtMs(h.warm.medianMs)}) is over ${fmtPct(IMAGE_TARGETS.warmRatio)} of its cold build; ` +
          `${h.ranAgain.length ? `steps ran again instead of coming from the registry cache: ${h.ranAgain.join('; ')}.` : 'every step came from the registry cache, so the time went to buildx and the cache import and export (see "where the time goes").'}`,
      );
      lines.push('');
    }
    return lines.join('\n');
  } finally {
    const removed = removeLocalImages(images, log);
    log(`- cleaned up: ${removed} local image tag(s) removed, ${relative(tmpdir(), scratch)} deleted (the registry keeps what was pushed)`);
    rmSync(scratch, { recursive: true, force: true });
  }
}
