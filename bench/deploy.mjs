// The deploy part of `npm run bench` (`npm run bench -- --only deploy` runs it alone): zero-downtime prod
// deploys on the bed's engine, under a bounded HTTP load (bench/load.mjs: 4 workers, each one GET
// /version on a new connection every 50 ms), all in one run:
//
//   1. release-flow: compose/docker-compose.yml as a private project (its own name, temporary data,
//      secrets and proxy-config directories, free ports on 127.0.0.1, its own /24), releases of the test
//      service (test/fixtures/service) pushed to the bed's registry. After a first deploy of v1 and an
//      idle baseline (the load with nothing deploying), DEPLOYS `release-flow deploy --env prod` back to
//      back, alternating v2 and v1, with a short watch window (`--watch 2`; the default is 60 s). The
//      time to the new release serving is polled on /version from the moment the deploy is spawned.
//   2. rollbacks, on the same project: a release whose health check never passes (rolled back when
//      `up --wait` gives up) and one that turns unhealthy 4 s after it starts (rolled back by the watch).
//      `deploy --json` carries no timings and the state file only when a deploy finished, so the moments
//      come from bench/trace.mjs (the deploy's docker calls, time-stamped), the container log (when
//      /health started failing) and the /version polls (what a client saw).
//   3. `release-flow switch dev` / `switch prod`, and the test service's start-to-healthy time (`docker
//      run` of the image with its HEALTHCHECK until `docker inspect` says healthy), still under the load.
//   4. the same number of plain `docker compose up -d` recreates of the same service in a one-service
//      compose project publishing a port (its image swapped between v1 and v2 in its .env), paced to the
//      release-flow deploys' mean cycle so both series spread their disruptions over as many requests,
//      after an idle baseline of its own.
//
// Everything it creates (containers, networks, volumes, local image tags, temporary directories) is
// removed at the end, also after a failure or Ctrl-C; what was pushed stays in the registry.
import { freeEngineSubnets } from '../scripts/lib/subnets.mjs';
import { freePort } from '../scripts/lib/net.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtDeltaMs, fmtInt, fmtMs, status } from './format.mjs';
import { combineLoads, LOAD_DEFAULTS, loadStats, pollVersions, SLOW_MS, startLoad } from './load.mjs';
import { BenchFailure, median } from './measure.mjs';

const TRACE_PRELOAD = fileURLToPath(new URL('./trace.mjs', import.meta.url));

export const DEPLOY_TARGETS = {
  /** Failed requests during the release-flow prod deploys. */
  failed: 0,
  /** p99 latency during the deploys over the idle p99 of the same port. */
  addedP99Ms: 250,
  /** `release-flow switch dev|prod`, the slowest run. */
  switchMs: 5000,
};

/** The watch window of the measured deploys and of the release that never gets healthy (default 60 s). */
const WATCH_SECONDS = 2;
/** The release that turns unhealthy does so this long after its container starts... */
const FADE_AFTER_SECONDS = 4;
/** ...inside a watch window long enough to see it (the switch comes 1–3 s after the start). */
const FADING_WATCH_SECONDS = 8;
/** `--wait-timeout` of the release whose health check never passes. */
const BAD_WAIT_TIMEOUT_SECONDS = 6;
/** Each idle baseline: this long just before its series and as long again just after it. */
const IDLE_HALF_MS = 6000;
const SWITCH_ROUNDS = 3;
const HEALTHY_RUNS = 5;
const CLI_TIMEOUT_MS = 120_000;
const POLL_MS = 50;
const PROXY_IMAGE = 'release-flow-bed/caddy:2';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tail = (text, n = 15) => text.trim().split('\n').slice(-n).join('\n');

/** This process's environment without anything that would steer compose or the CLI elsewhere. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SYNAPSE_|COMPOSE_|GITHUB_|RUNNER_|INPUT_|RELEASE_FLOW_IMAGE$|RF_BENCH_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Synchronous docker, outside the timed steps (the load runs in its own thread; no poll runs meanwhile). */
function dockerSync(args, { allowFail = false, env = cleanEnv(), timeoutMs = 120_000 } = {}) {
  const r = spawnSync('docker', args, { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: timeoutMs });
  if (r.error) throw new BenchFailure(`docker ${args.join(' ')}: ${r.error.message} (start the bed: bash test/bed/engine.sh)`);
  if (r.status !== 0 && !allowFail) throw new BenchFailure(`docker ${args.join(' ')} failed (exit ${r.status}):\n${tail(r.stderr, 8)}`);
  return r;
}

/** Children this part started and that still run: killed (by pid) when the part is interrupted. */
const liveChildren = new Set();

/**
 * Runs a command without blocking the event loop. Resolves { code, signal, stdout, stderr, lines
 * (stderr lines with their arrival time), start, end } ; never rejects for a non-zero exit.
 */
function runAsync(cmd, args, { cwd, env = cleanEnv(), timeoutMs = CLI_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const start = now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => {
      const at = now();
      stderr += d;
      const parts = (partial + d).split('\n');
      partial = parts.pop();
      for (const line of parts) lines.push({ at, line });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(new BenchFailure(`could not run ${cmd}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      const end = now();
      if (partial) lines.push({ at: end, line: partial });
      if (timedOut) reject(new BenchFailure(`${cmd} ${args.join(' ').slice(0, 300)} did not finish within ${timeoutMs / 1000} s:\n${tail(stderr)}`));
      else resolve({ code, signal, stdout, stderr, lines, start, end });
    });
  });
}

const isSpawnOf = (e, ...words) => e.kind === 'spawn' && words.every((w) => e.args.includes(w));
const isCaddyReload = (e) => isSpawnOf(e, 'exec', 'caddy', 'reload');

/** Median, min and max of a list of ms (null entries left out). */
function spread(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length } : { median: null, min: null, max: null, runs: 0 };
}

/** Runs the deploy part; returns its Markdown section. `cli` is the bundle to run (a snapshot of dist/cli/index.js). */
export async function deployBench({ root, cli, deploys, log, machine, bundles }) {
  const registry = process.env.BENCH_REGISTRY ?? '127.0.0.1:5000';
  const serviceDir = join(root, 'test/fixtures/service');
  const composeFile = join(root, 'compose/docker-compose.yml');
  const partStarted = now();
  const runId = randomBytes(4).toString('hex');
  const cleanups = [];
  const loads = new Set();
  const pollers = new Set();
  let cleanedUp = false;

  const runCleanups = () => {
    if (cleanedUp) return;
    cleanedUp = true;
    for (const load of loads) load.kill();
    for (const poller of pollers) poller.stop();
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const { what, run } of cleanups.reverse()) {
      try {
        run();
        log(`  cleaned up: ${what}`);
      } catch (error) {
        log(`  warning: cleaning up ${what} failed: ${error.message}`);
      }
    }
  };
  const onSignal = (signal) => {
    log(`\n${signal}: cleaning up the deploy bench`);
    runCleanups();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // -- The bed
    const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}\t{{.NCPU}}'], { encoding: 'utf8' });
    if (info.error || info.status !== 0) throw new BenchFailure(`no usable Docker engine (\`docker info\` failed: ${(info.stderr || String(info.error)).trim()}): start the bed with bash test/bed/engine.sh`);
    const [engineVersion, engineCpus] = info.stdout.trim().split('\t');
    const composeVersion = dockerSync(['compose', 'version', '--short']).stdout.trim();
    if (dockerSync(['image', 'inspect', PROXY_IMAGE], { allowFail: true }).status !== 0) {
      throw new BenchFailure(`${PROXY_IMAGE} is missing: test/bed/build-caddy.sh builds it (bash test/bed/engine.sh)`);
    }
    try {
      const reply = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(5000) });
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}`);
    } catch (error) {
      throw new BenchFailure(`the registry http://${registry}/v2/ does not answer (${error.message}): start the bed with bash test/bed/engine.sh`);
    }
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    if (!existsSync(join(serviceDir, `busybox-${arch}`))) throw new BenchFailure(`${join(serviceDir, `busybox-${arch}`)} is missing: run bash test/bed/fetch-busybox.sh (engine.sh runs it)`);

    const scratch = realpathSync(mkdtempSync(join(tmpdir(), `rf-bench-deploy-${runId}-`)));
    cleanups.push({ what: `temporary directory ${scratch}`, run: () => rmSync(scratch, { recursive: true, force: true }) });

    // -- The releases: v1 and v2 (good), v3 (health check never passes), v4 (turns unhealthy 4 s after it starts)
    const image = `${registry}/release-flow-bench/deploy-${runId}`;
    cleanups.push({
      what: `local tags of ${image}`,
      run: () => {
        const listed = dockerSync(['image', 'ls', '--digests', '--format', '{{.Repository}}\t{{.Tag}}\t{{.Digest}}']).stdout.split('\n').filter(Boolean);
        const refs = listed
          .map((l) => l.split('\t'))
          .filter(([repo]) => repo === image)
          .map(([repo, tag, digest]) => (tag && tag !== '<none>' ? `${repo}:${tag}` : `${repo}@${digest}`));
        if (refs.length) dockerSync(['rmi', ...new Set(refs)], { allowFail: true });
      },
    });
    const context = (name, edit) => {
      const dir = join(scratch, `context-${name}`);
      cpSync(serviceDir, dir, { recursive: true });
      if (edit) {
        const entry = join(dir, 'entrypoint.sh');
        const text = readFileSync(entry, 'utf8');
        if (!text.includes('echo ok >/www/health')) throw new BenchFailure(`${entry}: no \`echo ok >/www/health\` line to change`);
        writeFileSync(entry, text.replace('echo ok >/www/health', edit));
      }
      return dir;
    };
    const goodContext = context('good');
    const badContext = context('never-healthy', ': no health file, so the health check never passes');
    const fadingContext = context(
      'fading',
      `echo ok >/www/health; (sleep ${FADE_AFTER_SECONDS}; rm -f /www/health; echo "bench: /health fails from now on") &`,
    );
    const publishStarted = now();
    const publish = (version, dir) => {
      const ref = `${image}:v${version}`;
      dockerSync(['build', '-q', '--build-arg', `SERVICE_VERSION=${version}`, '-t', ref, dir]);
      dockerSync(['push', '-q', ref]);
      return ref;
    };
    log(`- publishing ${image}:v1.0.0, v2.0.0 (= latest), v3.0.0 (never healthy), v4.0.0 (unhealthy after ${FADE_AFTER_SECONDS} s)`);
    publish('1.0.0', goodContext);
    const v2 = publish('2.0.0', goodContext);
    publish('3.0.0', badContext);
    publish('4.0.0', fadingContext);
    dockerSync(['tag', v2, `${image}:latest`]);
    dockerSync(['push', '-q', `${image}:latest`]);
    const publishMs = now() - publishStarted;

    // -- The release-flow project
    const project = `rfb-${runId}`;
    const projectDir = join(scratch, 'release-flow');
    const dataDir = join(projectDir, 'data');
    const secretsDir = join(projectDir, 'secrets');
    const proxyConfigDir = join(projectDir, 'caddy');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(secretsDir);
    writeFileSync(join(secretsDir, 'api_token'), `token-${project}\n`, { mode: 0o600 });
    cpSync(join(root, 'compose/caddy'), proxyConfigDir, { recursive: true });
    const prodPort = await freePort();
    let devPort = await freePort();
    while (devPort === prodPort) devPort = await freePort();
    const [subnet, plainSubnet] = freeEngineSubnets(2);
    const envFile = join(projectDir, '.env');
    const cpuLimit = Math.min(3, Number(engineCpus) || cpus().length);
    writeFileSync(
      envFile,
      Object.entries({
        SYNAPSE_DEV_IMAGE: `${image}:latest`,
        SYNAPSE_PROD_BLUE_IMAGE: `${image}:v1.0.0`,
        SYNAPSE_PROD_GREEN_IMAGE: `${image}:v2.0.0`,
        SYNAPSE_PROXY_IMAGE: PROXY_IMAGE,
        SYNAPSE_BIND_ADDRESS: '127.0.0.1',
        SYNAPSE_DEV_PORT: String(devPort),
        SYNAPSE_PROD_PORT: String(prodPort),
        SYNAPSE_DATA_DIR: dataDir,
        SYNAPSE_SECRETS_DIR: secretsDir,
        SYNAPSE_PROXY_CONFIG_DIR: proxyConfigDir,
        SYNAPSE_NET_SUBNET: subnet,
        SYNAPSE_CPU_LIMIT: String(cpuLimit),
      })
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    const composeBase = ['compose', '-f', composeFile, '-p', project, '--env-file', envFile];
    let projectUp = true;
    cleanups.push({
      what: `compose project ${project} (containers, network, volumes)`,
      run: () => {
        if (projectUp) dockerSync([...composeBase, '--profile', 'rollout', 'down', '-v', '--remove-orphans', '--timeout', '3']);
        projectUp = false;
      },
    });
    log(`- release-flow project ${project}: prod on 127.0.0.1:${prodPort}, dev on 127.0.0.1:${devPort}, subnet ${subnet}, data ${dataDir}`);

    const stateFile = join(projectDir, 'release-flow-state.json');
    const readState = () => JSON.parse(readFileSync(stateFile, 'utf8'));
    const target = ['--image', image, '--compose', composeFile, '--project', project, '--env-file', envFile, '--data-dir', dataDir, '--lock-timeout', '60'];
    let traceCounter = 0;
    /** `release-flow ARGS` (the bundle, with bench/trace.mjs preloaded), timed from the spawn; stdout parsed as JSON. */
    const releaseFlow = async (args, { expectCode = 0 } = {}) => {
      const traceFile = join(scratch, `trace-${++traceCounter}.json`);
      const r = await runAsync(process.execPath, ['--import', TRACE_PRELOAD, cli, ...args], { cwd: scratch, env: cleanEnv({ RF_BENCH_TRACE_FILE: traceFile }) });
      if (r.code !== expectCode) {
        throw new BenchFailure(`release-flow ${args.join(' ')}: exit ${r.code ?? r.signal}, expected ${expectCode}\nstdout: ${r.stdout.trim().slice(0, 500)}\nstderr:\n${tail(r.stderr, 25)}`);
      }
      let json;
      try {
        json = JSON.parse(r.stdout);
      } catch {
        throw new BenchFailure(`release-flow ${args[0]}: stdout is not one JSON object: ${JSON.stringify(r.stdout.slice(0, 300))}\nstderr:\n${tail(r.stderr)}`);
      }
      let trace = [];
      try {
        // The docker calls only: the deploy lock is a child too (flock, held for the whole deploy).
        trace = JSON.parse(readFileSync(traceFile, 'utf8'))
          .filter((e) => e.kind === 'spawn' && basename(e.cmd) === 'docker')
          .sort((a, b) => a.start - b.start);
      } catch {
        log(`  warning: no trace from release-flow ${args[0]}`);
      }
      return { ...r, json, trace };
    };
    const deployArgs = (version, watch = WATCH_SECONDS, extra = []) => ['deploy', '--env', 'prod', '--version', `v${version}`, ...target, '--watch', String(watch), ...extra, '--json'];

    /** A deploy with /version polled on the prod port from just before its spawn to its exit. */
    const polledDeploy = async (version, options = {}) => {
      const poller = pollVersions(prodPort, { intervalMs: POLL_MS });
      pollers.add(poller);
      try {
        const r = await releaseFlow(deployArgs(version, options.watch, options.extra), { expectCode: options.expectCode ?? 0 });
        if (options.expectCode === undefined || options.expectCode === 0) await poller.waitFor(version, { after: r.start, timeoutMs: 5000 });
        return { ...r, poller };
      } finally {
        await poller.stop();
        pollers.delete(poller);
      }
    };
    const withLoad = async (port, fn) => {
      const load = await startLoad(port);
      loads.add(load);
      try {
        const from = now();
        const value = await fn();
        const to = now();
        const samples = await load.stop();
        return { value, stats: loadStats(samples, { from, to }), samples, from, to };
      } finally {
        load.kill();
        loads.delete(load);
      }
    };
    // The baseline brackets its series (half before, half after), so that other work on the machine
    // weighs on both alike rather than on whichever ran when it came.
    const idleHalf = (port) => withLoad(port, () => sleep(IDLE_HALF_MS));
    const idleStats = (halves) => loadStats(combineLoads(halves));

    // -- 1. release-flow: first deploy, idle baseline, the measured deploys
    log('- first deploy of v1.0.0 (starts blue and the proxy; not measured)');
    const first = await releaseFlow(deployArgs('1.0.0'));
    if (first.json.outcome !== 'success') throw new BenchFailure(`first deploy: ${JSON.stringify(first.json)}`);
    const firstDeployMs = first.end - first.start;
    log(`- idle baseline on the proxy port, first half (${IDLE_HALF_MS / 1000} s)`);
    const rfIdleBefore = await idleHalf(prodPort);

    log(`- ${deploys} prod deploys under load (v2 ↔ v1, --watch ${WATCH_SECONDS})`);
    const rfRuns = [];
    const rf = await withLoad(prodPort, async () => {
      for (let i = 0; i < deploys; i++) {
        const version = i % 2 === 0 ? '2.0.0' : '1.0.0';
        const r = await polledDeploy(version);
        if (r.json.outcome !== 'success' || r.json.version !== version) throw new BenchFailure(`deploy ${version}: ${JSON.stringify(r.json)}`);
        const servingAt = r.poller.firstServing(version, r.start);
        if (servingAt === null) throw new BenchFailure(`deploy ${version} succeeded but prod did not answer /version with ${version} within 5 s of its exit`);
        const upWait = r.trace.find((e) => isSpawnOf(e, 'up', '--wait', `synapse-prod-${r.json.colour}`));
        const reload = r.trace.find(isCaddyReload);
        const run = {
          version,
          colour: r.json.colour,
          totalMs: r.end - r.start,
          servingMs: servingAt === null ? null : servingAt - r.start,
          upWaitMs: upWait ? upWait.end - upWait.start : null,
          reloadDoneMs: reload ? reload.end - r.start : null,
          reloadMs: reload ? reload.end - reload.start : null,
        };
        rfRuns.push(run);
        log(`  ${i + 1}/${deploys} v${version} → ${run.colour}: serving after ${fmtMs(run.servingMs)}, deploy ${fmtMs(run.totalMs)}`);
      }
    });
    log(`  ${rf.stats.requests} requests, ${rf.stats.failed} failed, p99 ${fmtMs(rf.stats.p99)}, max ${fmtMs(rf.stats.max)}`);
    log(`- idle baseline on the proxy port, second half (${IDLE_HALF_MS / 1000} s)`);
    const rfIdle = idleStats([rfIdleBefore, await idleHalf(prodPort)]);
    log(`  ${rfIdle.requests} requests, ${rfIdle.failed} failed, p99 ${fmtMs(rfIdle.p99)}`);
    const meanCycleMs = rfRuns.reduce((s, r) => s + r.totalMs, 0) / rfRuns.length;

    // -- 2. rollbacks
    const rolledBack = (r, version) => {
      if (r.json.outcome !== 'rolled-back' || r.json['rolled-back'] !== true || r.json.version !== version) {
        throw new BenchFailure(`deploy ${version}: expected a rollback, got ${JSON.stringify(r.json)}`);
      }
      const entry = readState().environments.prod.history[0];
      if (entry?.version !== version || entry.outcome !== 'rolled-back') throw new BenchFailure(`state file: expected ${version} rolled-back first in the history, got ${JSON.stringify(entry)}`);
      return Date.parse(entry.at);
    };
    const servingBefore = () => readState().environments.prod.active.version;

    log(`- rollback: v3.0.0 never passes its health check (--wait-timeout ${BAD_WAIT_TIMEOUT_SECONDS}), twice, under load`);
    const neverRuns = [];
    const never = await withLoad(prodPort, async () => {
      for (let i = 0; i < 2; i++) {
        const old = servingBefore();
        const r = await polledDeploy('3.0.0', { expectCode: 1, extra: ['--wait-timeout', String(BAD_WAIT_TIMEOUT_SECONDS)] });
        const recordedAt = rolledBack(r, '3.0.0');
        const colour = r.json.colour;
        const upWait = r.trace.find((e) => isSpawnOf(e, 'up', '--wait', `synapse-prod-${colour}`));
        if (!upWait) throw new BenchFailure('no `up --wait` in the trace of the unhealthy deploy');
        // Failure detected: `up --wait` gave up (or, had it returned 0, the ps right after that found it not healthy).
        const detectAt = upWait.code !== 0 ? upWait.end : (r.trace.find((e) => e.start >= upWait.end && isSpawnOf(e, 'ps'))?.end ?? upWait.end);
        const stop = r.trace.find((e) => e.start >= detectAt && isSpawnOf(e, 'stop', `synapse-prod-${colour}`));
        const seen = new Set(r.poller.polls.filter((p) => p.version).map((p) => p.version));
        neverRuns.push({
          startToDetectMs: detectAt - r.start,
          detectToStoppedMs: stop ? stop.end - detectAt : null,
          detectToRecordedMs: recordedAt - detectAt,
          detectToExitMs: r.end - detectAt,
          totalMs: r.end - r.start,
          servedOnly: [...seen].join(', '),
          old,
        });
        log(`  rolled back: detected ${fmtMs(detectAt - r.start)} after the start, recorded ${fmtMs(recordedAt - detectAt)} later; versions polled: ${[...seen].join(', ')}`);
      }
    });
    log(`  ${never.stats.requests} requests, ${never.stats.failed} failed`);

    log(`- rollback: v4.0.0 turns unhealthy ${FADE_AFTER_SECONDS} s after it starts (--watch ${FADING_WATCH_SECONDS}), twice, under load`);
    const fadingRuns = [];
    const fading = await withLoad(prodPort, async () => {
      for (let i = 0; i < 2; i++) {
        const old = servingBefore();
        const r = await polledDeploy('4.0.0', { expectCode: 1, watch: FADING_WATCH_SECONDS });
        const recordedAt = rolledBack(r, '4.0.0');
        const colour = r.json.colour;
        const service = `synapse-prod-${colour}`;
        // When /health started failing: the container's own log line, time-stamped by the engine.
        const id = dockerSync([...composeBase, '--profile', 'rollout', 'ps', '-a', '-q', service]).stdout.trim().split('\n')[0];
        const logs = dockerSync(['logs', '-t', id]);
        const logLine = `${logs.stdout}\n${logs.stderr}`.split('\n').filter((l) => l.includes('bench: /health fails')).at(-1);
        const fadeAt = logLine ? Date.parse(logLine.split(' ')[0]) : null;
        // The deploy's docker calls: the first caddy reload moves traffic to the new colour, the second
        // moves it back as soon as the watch sees the failure (the health log is collected after it);
        // the failure was detected when the last docker call before that second reload ended.
        const reloadBack = r.trace.filter(isCaddyReload)[1] ?? null;
        const before = reloadBack ? r.trace.filter((e) => e.start < reloadBack.start && e !== reloadBack) : [];
        const detectAt = before.length ? Math.max(...before.map((e) => e.end)) : null;
        const stop = detectAt === null ? null : r.trace.find((e) => e.start >= detectAt && isSpawnOf(e, 'stop', service));
        const newAt = r.poller.firstServing('4.0.0', r.start);
        const backAt = newAt === null ? null : r.poller.firstServing(old, newAt);
        fadingRuns.push({
          startToServingMs: newAt === null ? null : newAt - r.start,
          fadeToDetectMs: fadeAt !== null && detectAt !== null ? detectAt - fadeAt : null,
          fadeToOldServingMs: fadeAt !== null && backAt !== null ? backAt - fadeAt : null,
          detectToReloadMs: reloadBack ? reloadBack.end - detectAt : null,
          detectToStoppedMs: stop ? stop.end - detectAt : null,
          detectToRecordedMs: detectAt !== null ? recordedAt - detectAt : null,
          detectToExitMs: detectAt !== null ? r.end - detectAt : null,
          totalMs: r.end - r.start,
        });
        const f = fadingRuns.at(-1);
        log(
          `  rolled back: v4 served after ${fmtMs(f.startToServingMs)}; /health failing → old version served ${fmtMs(f.fadeToOldServingMs)}, → detected ${fmtMs(f.fadeToDetectMs)}; ` +
            `detected → reload ${fmtMs(f.detectToReloadMs)}, → recorded ${fmtMs(f.detectToRecordedMs)}`,
        );
      }
    });
    log(`  ${fading.stats.requests} requests, ${fading.stats.failed} failed`);

    // -- 3. switches and start-to-healthy, still under load on prod
    log(`- release-flow switch dev / switch prod, ${SWITCH_ROUNDS} rounds, under load on prod`);
    const switchRuns = { dev: [], prod: [] };
    const switches = await withLoad(prodPort, async () => {
      for (let i = 0; i < SWITCH_ROUNDS; i++) {
        for (const env of ['dev', 'prod']) {
          const r = await releaseFlow(['switch', env, ...target, '--watch', String(WATCH_SECONDS), '--json']);
          if (r.json.active !== env) throw new BenchFailure(`switch ${env}: ${JSON.stringify(r.json).slice(0, 300)}`);
          if (!readFileSync(envFile, 'utf8').includes(`SYNAPSE_ACTIVE_ENV=${env}\n`)) throw new BenchFailure(`switch ${env}: SYNAPSE_ACTIVE_ENV=${env} is not in ${envFile}`);
          const pull = r.trace.find((e) => isSpawnOf(e, 'pull'));
          const up = r.trace.find((e) => isSpawnOf(e, 'up', '--wait'));
          switchRuns[env].push({
            ms: r.end - r.start,
            action: r.json.action,
            version: r.json.version,
            pullMs: pull ? pull.end - pull.start : null,
            upMs: up ? up.end - up.start : null,
            dockerCalls: r.trace.length,
            beforeMs: (pull ?? up) ? (pull ?? up).start - r.start : null,
            afterMs: up ? r.end - up.end : null,
          });
          const sw = switchRuns[env].at(-1);
          log(`  switch ${env}: ${fmtMs(sw.ms)} (${sw.action}, ${sw.version}; ${sw.dockerCalls} docker calls${sw.upMs === null ? '' : `; before the pull ${fmtMs(sw.beforeMs)}, pull ${fmtMs(sw.pullMs)}, up --wait ${fmtMs(sw.upMs)}, after ${fmtMs(sw.afterMs)}`})`);
        }
      }
    });
    const devAnswer = await fetch(`http://127.0.0.1:${devPort}/version`).then((r) => r.json());
    if (devAnswer.version !== '2.0.0') throw new BenchFailure(`dev serves ${JSON.stringify(devAnswer)} after switch dev, expected latest = 2.0.0`);

    log(`- start-to-healthy of the test service (docker run, ${HEALTHY_RUNS} runs), under load on prod`);
    const healthyRuns = [];
    const healthyName = (i) => `rfb-${runId}-healthy-${i}`;
    cleanups.push({
      what: 'start-to-healthy containers',
      run: () => {
        const names = Array.from({ length: HEALTHY_RUNS }, (_, i) => healthyName(i));
        dockerSync(['rm', '-f', '-v', ...names], { allowFail: true });
      },
    });
    const healthcheck = JSON.parse(dockerSync(['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', `${image}:v1.0.0`]).stdout);
    const healthy = await withLoad(prodPort, async () => {
      for (let i = 0; i < HEALTHY_RUNS; i++) {
        const name = healthyName(i);
        const started = now();
        const run = await runAsync('docker', ['run', '-d', '--name', name, `${image}:v1.0.0`]);
        if (run.code !== 0) throw new BenchFailure(`docker run ${image}:v1.0.0 failed:\n${tail(run.stderr)}`);
        let healthyAt = null;
        let polls = 0;
        while (now() - started < 60_000) {
          const inspect = await runAsync('docker', ['inspect', '--format', '{{.State.Health.Status}}', name]);
          polls++;
          if (inspect.stdout.trim() === 'healthy') {
            healthyAt = inspect.end;
            break;
          }
          if (inspect.stdout.trim() === 'unhealthy') throw new BenchFailure(`${name} turned unhealthy`);
        }
        if (healthyAt === null) throw new BenchFailure(`${name} was not healthy within 60 s`);
        const state = JSON.parse((await runAsync('docker', ['inspect', '--format', '{{json .State}}', name])).stdout);
        const firstPass = state.Health.Log.find((l) => l.ExitCode === 0);
        healthyRuns.push({
          ms: healthyAt - started,
          runMs: run.end - started,
          engineMs: firstPass ? Date.parse(firstPass.End) - Date.parse(state.StartedAt) : null,
          polls,
        });
        log(`  ${name}: healthy after ${fmtMs(healthyAt - started)} (docker run returned after ${fmtMs(run.end - started)}; ${polls} inspect calls)`);
        await runAsync('docker', ['rm', '-f', '-v', name]);
      }
    });

    log(`- tearing down ${project}`);
    dockerSync([...composeBase, '--profile', 'rollout', 'down', '-v', '--remove-orphans', '--timeout', '3']);
    projectUp = false;

    // -- 4. plain docker compose
    const plainProject = `rfb-${runId}-plain`;
    const plainDir = join(scratch, 'plain');
    mkdirSync(plainDir);
    const plainFile = join(plainDir, 'compose.yml');
    const plainEnv = join(plainDir, '.env');
    const plainPort = await freePort();
    writeFileSync(
      plainFile,
      [
        '# The plain alternative: one service publishing its port, recreated by `docker compose up -d` with a new image.',
        'services:',
        '  web:',
        '    image: ${BENCH_IMAGE:?}',
        '    ports:',
        '      - "127.0.0.1:${BENCH_PORT:?}:8002"',
        '    networks: [net]',
        'networks:',
        '  net:',
        '    ipam:',
        '      config:',
        '        - subnet: ${BENCH_SUBNET:?}',
        '',
      ].join('\n'),
    );
    const writePlainEnv = (version) => writeFileSync(plainEnv, `BENCH_IMAGE=${image}:v${version}\nBENCH_PORT=${plainPort}\nBENCH_SUBNET=${plainSubnet}\n`);
    const plainBase = ['compose', '-f', plainFile, '-p', plainProject, '--env-file', plainEnv];
    let plainUp = true;
    cleanups.push({
      what: `compose project ${plainProject} (containers, network)`,
      run: () => {
        if (plainUp && existsSync(plainEnv)) dockerSync([...plainBase, 'down', '-v', '--remove-orphans', '--timeout', '3']);
        plainUp = false;
      },
    });
    log(`- plain compose project ${plainProject} on 127.0.0.1:${plainPort}: up with v1.0.0`);
    writePlainEnv('1.0.0');
    dockerSync([...plainBase, 'up', '-d', '--wait']);
    log(`- idle baseline on the plain port, first half (${IDLE_HALF_MS / 1000} s)`);
    const plainIdleBefore = await idleHalf(plainPort);
    log(`- ${deploys} \`docker compose up -d\` recreates under load, one every ${fmtMs(meanCycleMs)} (the release-flow deploys' mean)`);
    const plainRuns = [];
    const plain = await withLoad(plainPort, async () => {
      for (let i = 0; i < deploys; i++) {
        const cycleStart = now();
        const version = i % 2 === 0 ? '2.0.0' : '1.0.0';
        writePlainEnv(version);
        const poller = pollVersions(plainPort, { intervalMs: POLL_MS });
        pollers.add(poller);
        let r;
        let servingAt;
        try {
          r = await runAsync('docker', [...plainBase, 'up', '-d']);
          if (r.code !== 0) throw new BenchFailure(`docker compose up -d (${version}) failed:\n${tail(r.stderr)}`);
          servingAt = await poller.waitFor(version, { after: r.start, timeoutMs: 30_000 });
        } finally {
          await poller.stop();
          pollers.delete(poller);
        }
        if (servingAt === null) throw new BenchFailure(`the plain service did not serve ${version} within 30 s of docker compose up -d`);
        plainRuns.push({ version, upMs: r.end - r.start, servingMs: servingAt - r.start });
        log(`  ${i + 1}/${deploys} v${version}: serving after ${fmtMs(servingAt - r.start)} (up -d took ${fmtMs(r.end - r.start)})`);
        const rest = meanCycleMs - (now() - cycleStart);
        if (rest > 0) await sleep(rest);
      }
    });
    log(`  ${plain.stats.requests} requests, ${plain.stats.failed} failed, p99 ${fmtMs(plain.stats.p99)}, max ${fmtMs(plain.stats.max)}`);
    log(`- idle baseline on the plain port, second half (${IDLE_HALF_MS / 1000} s)`);
    const plainIdle = idleStats([plainIdleBefore, await idleHalf(plainPort)]);
    log(`  ${plainIdle.requests} requests, ${plainIdle.failed} failed, p99 ${fmtMs(plainIdle.p99)}`);
    dockerSync([...plainBase, 'down', '-v', '--remove-orphans', '--timeout', '3']);
    plainUp = false;

    // -- Report
    const partMs = now() - partStarted;
    const addedP99 = (series, idle) => (series.p99 === null || idle.p99 === null ? null : series.p99 - idle.p99);
    const rfAdded = addedP99(rf.stats, rfIdle);
    const plainAdded = addedP99(plain.stats, plainIdle);
    const errorsText = (s) => (s.errors.length ? s.errors.map(([e, n]) => `${n} × ${e}`).join(', ') : '');
    const rate = (s) => (s.rate === null ? '' : `${s.rate.toFixed(0)}/s over ${s.seconds.toFixed(0)} s`);
    const slow = (s) => (s.slow ? `${fmtInt(s.slow)} slow` : '');
    const loadRow = (label, s, added, note) =>
      `| ${label} | ${fmtInt(s.requests)} | ${fmtInt(s.failed)} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} | ${added === undefined ? '' : fmtDeltaMs(added)} | ${[rate(s), slow(s), note, errorsText(s)].filter(Boolean).join('; ')} |`;
    const timeRow = (label, values, note = '') => {
      const s = spread(values);
      return `| ${label} | ${fmtMs(s.median)} | ${s.runs > 1 ? `${fmtMs(s.min)} – ${fmtMs(s.max)}` : '—'} | ${s.runs} | ${note} |`;
    };
    const pick = (runs, key) => runs.map((r) => r[key]);
    const rfServing = spread(pick(rfRuns, 'servingMs'));
    const plainServing = spread(pick(plainRuns, 'servingMs'));
    const allSwitches = [...switchRuns.dev, ...switchRuns.prod].map((r) => r.ms);
    const slowestSwitch = Math.max(...allSwitches);
    const rbFailed = never.stats.failed + fading.stats.failed;
    const load = `${LOAD_DEFAULTS.workers} workers, each one GET /version on a new connection (no keep-alive) every ${LOAD_DEFAULTS.intervalMs} ms at most (≤ ${fmtInt((LOAD_DEFAULTS.workers * 1000) / LOAD_DEFAULTS.intervalMs)} requests/s), from a worker thread; a request fails on a connection error, a ${LOAD_DEFAULTS.timeoutMs / 1000} s timeout, or an answer other than 200 with a version`;

    const lines = [];
    lines.push(`### Deploy (\`npm run bench\`, ${new Date().toISOString().slice(0, 10)})`);
    lines.push('');
    lines.push(
      `Machine: ${machine.description}; load average ${machine.loadAtStart.toFixed(2)} at start. Docker ${engineVersion} (${engineCpus} CPUs), compose ${composeVersion}; ` +
        `registry ${registry} (loopback). Bundle \`dist/cli/index.js\` sha256 ${bundles.cli} (run from a copy taken at start, with \`--import bench/trace.mjs\`). ` +
        `The part took ${fmtInt(partMs / 1000)} s, including publishing the four releases (${fmtMs(publishMs)}) and a first deploy of v1 that starts blue and the proxy (${fmtMs(firstDeployMs)}, not in the figures).`,
    );
    for (const notice of machine.notices) lines.push('', notice);
    lines.push('');
    lines.push(
      `Set-up: \`compose/docker-compose.yml\` as a private project (\`${project}\`: temporary data, secrets and proxy-config directories, prod and dev on free ports of 127.0.0.1, ` +
        `its own /24, \`SYNAPSE_CPU_LIMIT=${cpuLimit}\`), the test service (\`test/fixtures/service\`, busybox httpd; image HEALTHCHECK every 1 s, compose's every 1 s in its start period) as synapse, ` +
        `pushed to the registry as v1.0.0 and v2.0.0, plus v3.0.0 whose health check never passes and v4.0.0 whose /health starts failing ${FADE_AFTER_SECONDS} s after it starts. ` +
        `**Short watch windows, so the part takes a few minutes:** \`--watch ${WATCH_SECONDS}\` for the ${deploys} deploys, the never-healthy release and the switches ` +
        `(\`--wait-timeout ${BAD_WAIT_TIMEOUT_SECONDS}\` for that one), \`--watch ${FADING_WATCH_SECONDS}\` for the release that fails during the watch; the default watch is 60 s. ` +
        `The plain alternative: a one-service compose project publishing the same image's port on 127.0.0.1, recreated by \`docker compose up -d\` after its \`.env\` names the other version, ` +
        `one recreate every ${fmtMs(meanCycleMs)} (the release-flow deploys' mean time, so both series spread their disruptions over about as many requests).`,
    );
    lines.push('');
    lines.push(
      `Load: ${load}. It runs through each series below, against prod's proxy port (the plain rows: the plain service's published port); ` +
        `each idle baseline is the same load on the same port with nothing deploying, ${IDLE_HALF_MS / 1000} s just before its series and ${IDLE_HALF_MS / 1000} s just after it, in the same run. ` +
        `Latencies are those of the successful requests; "added p99" is the series' p99 minus its baseline's (the other release-flow rows: minus the proxy's baseline); "slow" counts answers that took ${fmtInt(SLOW_MS)} ms or more.`,
    );
    lines.push('');
    lines.push('| Series (under load) | Requests | Failed | p50 | p99 | Max | Added p99 | |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|');
    lines.push(loadRow('Idle baseline: prod through the Caddy proxy, nothing deploying (before and after the deploys)', rfIdle, undefined, 'baseline'));
    lines.push(loadRow(`**release-flow**: ${deploys} × \`release-flow deploy --env prod\`, v2 ↔ v1, back to back (\`--watch ${WATCH_SECONDS}\`)`, rf.stats, rfAdded, `the version the load saw changed ${rf.stats.versions.length - 1} times${rf.stats.versions.length - 1 === deploys ? ', once per deploy (no flip-flop)' : ''}`));
    lines.push(loadRow('Idle baseline: the plain service\'s published port, nothing deploying (before and after the recreates)', plainIdle, undefined, 'baseline'));
    lines.push(loadRow(`**plain compose**: ${deploys} × \`docker compose up -d\` recreate, v2 ↔ v1, one every ${fmtMs(meanCycleMs)}`, plain.stats, plainAdded, ''));
    lines.push(loadRow(`release-flow: 2 × deploy of v3.0.0, never healthy, rolled back (\`--wait-timeout ${BAD_WAIT_TIMEOUT_SECONDS}\`)`, never.stats, addedP99(never.stats, rfIdle), `versions served: ${never.stats.versions.join(' → ')}`));
    lines.push(loadRow(`release-flow: 2 × deploy of v4.0.0, unhealthy during the watch, rolled back (\`--watch ${FADING_WATCH_SECONDS}\`)`, fading.stats, addedP99(fading.stats, rfIdle), ''));
    lines.push(loadRow(`prod while ${SWITCH_ROUNDS} × \`switch dev\` + \`switch prod\` run`, switches.stats, addedP99(switches.stats, rfIdle), ''));
    lines.push(loadRow(`prod while ${HEALTHY_RUNS} × \`docker run\` of the test service start (start-to-healthy)`, healthy.stats, addedP99(healthy.stats, rfIdle), ''));
    lines.push('');
    if (plain.stats.slow) {
      lines.push(
        `The plain recreates' ${fmtInt(plain.stats.slow)} slow answers are what a client sees besides the refused and reset connections: their p99 (${fmtMs(plain.stats.p99)}) and maximum (${fmtMs(plain.stats.max)}) sit at about one second, ` +
          "which is what a connection attempt dropped while the published port changes hands and retried after the kernel's 1 s initial SYN timeout would take.",
      );
      lines.push('');
    }
    lines.push(
      'Timings: wall time from spawning the command. "Serving" is the answer time of the first GET /version on the port that names the new version ' +
        `(polled every ${POLL_MS} ms, besides the load). The deploy's internal moments come from \`bench/trace.mjs\` (its docker calls, time-stamped): \`deploy --json\` carries no timings and the ` +
        'state file records only when a deploy finished (`history[].at`, used below as "recorded"). When /health started failing comes from the container\'s log line, time-stamped by the engine.',
    );
    lines.push('');
    lines.push('| Measurement | Median | Min – max | Runs | |');
    lines.push('|---|---:|---:|---:|---|');
    lines.push(timeRow('**release-flow deploy**: start → prod serves the new version', pick(rfRuns, 'servingMs'), `v2 ↔ v1 under load`));
    lines.push(timeRow('  … of which `docker compose up -d --wait` of the idle colour (trace)', pick(rfRuns, 'upWaitMs'), 'context'));
    lines.push(timeRow('  … start → `caddy reload` done (trace; the switch)', pick(rfRuns, 'reloadDoneMs'), `context; the reload itself ${fmtMs(spread(pick(rfRuns, 'reloadMs')).median)}`));
    lines.push(timeRow(`  … whole deploy process, with its ${WATCH_SECONDS} s watch`, pick(rfRuns, 'totalMs'), 'context'));
    lines.push(timeRow('**plain compose**: `docker compose up -d` start → serves the new version', pick(plainRuns, 'servingMs'), 'context'));
    lines.push(timeRow('  … the `docker compose up -d` process', pick(plainRuns, 'upMs'), 'context'));
    lines.push(
      timeRow(
        '**Rollback, health check never passes**: failure detected (`up --wait` gave up) → rollback complete (recorded in the state file)',
        pick(neverRuns, 'detectToRecordedMs'),
        `traffic never left the old release; failed colour stopped ${fmtMs(spread(pick(neverRuns, 'detectToStoppedMs')).median)} after detection; process exit ${fmtMs(spread(pick(neverRuns, 'detectToExitMs')).median)}`,
      ),
    );
    lines.push(timeRow('  … deploy start → failure detected', pick(neverRuns, 'startToDetectMs'), `the ${BAD_WAIT_TIMEOUT_SECONDS} s \`--wait-timeout\` plus what comes before the health wait`));
    lines.push(
      timeRow(
        '**Rollback, unhealthy during the watch**: failure detected (the watch\'s probe) → traffic back on the old colour (`caddy reload` done)',
        pick(fadingRuns, 'detectToReloadMs'),
        'the switch back comes first; the health log is collected after it',
      ),
    );
    lines.push(timeRow('  … failure detected → rollback complete (failed colour stopped, recorded in the state file)', pick(fadingRuns, 'detectToRecordedMs'), `process exit ${fmtMs(spread(pick(fadingRuns, 'detectToExitMs')).median)} after detection`));
    lines.push(timeRow('  … /health starts failing (container log) → the watch detects it', pick(fadingRuns, 'fadeToDetectMs'), 'the watch probes every second, two failures in a row'));
    lines.push(timeRow('  … /health starts failing → clients get the old version again (polled /version)', pick(fadingRuns, 'fadeToOldServingMs'), "Caddy's own 1 s health check fails over to the hot standby before the watch acts"));
    lines.push(timeRow('**`release-flow switch dev`**', switchRuns.dev.map((r) => r.ms), `action: ${[...new Set(switchRuns.dev.map((r) => r.action))].join(', ')} (pull \`latest\`, recreate dev, wait for its health check)`));
    lines.push(timeRow('  … of which `docker compose pull synapse-dev` (trace)', switchRuns.dev.map((r) => r.pullMs), 'context'));
    lines.push(timeRow('  … of which `docker compose up -d --force-recreate --wait synapse-dev` (trace)', switchRuns.dev.map((r) => r.upMs), 'context'));
    lines.push(timeRow('  … before the pull (node start, resolve `latest`, compose config, pre-flight)', switchRuns.dev.map((r) => r.beforeMs), 'context'));
    lines.push(timeRow('  … after the health wait (state, `.env`, status of both environments)', switchRuns.dev.map((r) => r.afterMs), 'context'));
    lines.push(timeRow('**`release-flow switch prod`**', switchRuns.prod.map((r) => r.ms), `action: ${[...new Set(switchRuns.prod.map((r) => r.action))].join(', ')} (prod already serves its recorded release)`));
    lines.push(
      timeRow(
        '**Test service start-to-healthy**: `docker run -d` → `docker inspect` says healthy',
        pick(healthyRuns, 'ms'),
        `image HEALTHCHECK interval ${healthcheck.Interval / 1e9} s, start period ${healthcheck.StartPeriod / 1e9} s; polled with \`docker inspect\` back to back`,
      ),
    );
    lines.push(timeRow('  … engine\'s view: container started → first passing health probe ended', pick(healthyRuns, 'engineMs'), 'context'));
    lines.push('');
    lines.push('| Target | Measured | Status |');
    lines.push('|---|---:|---|');
    lines.push(`| No failed request during ${deploys} release-flow prod deploys under load | ${fmtInt(rf.stats.failed)} of ${fmtInt(rf.stats.requests)} (plain compose: ${fmtInt(plain.stats.failed)} of ${fmtInt(plain.stats.requests)}) | ${status(rf.stats.failed <= DEPLOY_TARGETS.failed)} |`);
    lines.push(`| Added p99 under ${fmtInt(DEPLOY_TARGETS.addedP99Ms)} ms during those deploys | ${fmtMs(rf.stats.p99)} − ${fmtMs(rfIdle.p99)} idle = ${fmtDeltaMs(rfAdded)} (plain compose: ${fmtDeltaMs(plainAdded)}) | ${status(rfAdded === null ? null : rfAdded < DEPLOY_TARGETS.addedP99Ms)} |`);
    lines.push(`| No failed request during a rollback (DESIGN.md) | ${fmtInt(rbFailed)} of ${fmtInt(never.stats.requests + fading.stats.requests)} | ${status(rbFailed === 0)} |`);
    lines.push(`| Environment switch under ${fmtInt(DEPLOY_TARGETS.switchMs / 1000)} s (the slowest of ${allSwitches.length}) | ${fmtMs(slowestSwitch)} | ${status(slowestSwitch < DEPLOY_TARGETS.switchMs)} |`);
    lines.push('');
    if (rfAdded !== null && rfAdded < 0) {
      lines.push(
        `Note: the added p99 is negative: the idle baseline's own p99 (${fmtMs(rfIdle.p99)}) was above the deploys' (${fmtMs(rf.stats.p99)}). The deploys added less to the tail than the ` +
          `machine's other work did while the baseline ran (load average ${machine.loadAtStart.toFixed(2)} at start); compare the p99 and max columns directly.`,
      );
      lines.push('');
    }
    log(`- deploy part took ${fmtInt(partMs / 1000)} s`);
    return { section: lines.join('\n'), summary: { rf: rf.stats, rfIdle, plain: plain.stats, plainIdle, rfServing, plainServing } };
  } finally {
    log('- cleaning up');
    runCleanups();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
