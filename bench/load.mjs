// Bounded HTTP load on 127.0.0.1 for the deploy part of `npm run bench` (bench/deploy.mjs).
//
// startLoad(port) runs the load in a worker thread, so that what the bench itself does meanwhile
// (spawning deploys, parsing their output) never delays a request or inflates a latency: a fixed
// number of workers (default 4), each sending GET /version on a new connection (no keep-alive: every
// request sees what a fresh client sees, including a refused connection), then waiting until its
// interval is over (default 50 ms from one send to the next), so the rate is bounded (4 × 20 = at most
// 80 requests/s) whatever the latency. A request fails when it errors (refused, reset, timed out after
// 10 s) or answers anything but 200 with a `{"version":…}` body.
//
// pollVersions(port) is the light probe the bench times deploys with: one GET /version every 50 ms,
// in the main thread, recording when each answer arrived and which version it named.
//
// Times are absolute (ms since the epoch, sub-ms: performance.timeOrigin + performance.now()), so they
// compare across threads and with bench/trace.mjs's child-process timestamps.
import { httpGet } from '../scripts/lib/net.mjs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export const LOAD_DEFAULTS = { workers: 4, intervalMs: 50, timeoutMs: 10_000, path: '/version' };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The version a /version answer names, or throws with what was wrong with it. */
function versionOf(answer) {
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
  let version;
  try {
    version = JSON.parse(answer.body).version;
  } catch {
    throw new Error(`not JSON: ${JSON.stringify(answer.body.slice(0, 60))}`);
  }
  if (typeof version !== 'string') throw new Error('no version in the answer');
  return version;
}

const errorText = (error) => (error?.name === 'TimeoutError' || error?.name === 'AbortError' ? 'timed out' : (error?.code ?? error?.message ?? String(error)));

/**
 * Starts the load against 127.0.0.1:port in a worker thread. Resolves (once the workers run) to
 * { startedAt, stop() }: stop() lets every request in flight finish and resolves to the samples
 * { sent: number[], ms: number[], ok: boolean[], version: (string|null)[], error: (string|null)[], startedAt, stoppedAt, options }.
 */
export async function startLoad(port, options = {}) {
  const settings = { ...LOAD_DEFAULTS, ...options, port };
  const worker = new Worker(new URL(import.meta.url), { workerData: { rfBenchLoad: settings } });
  const messages = [];
  let wake = null;
  let failure = null;
  worker.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  const next = async (type) => {
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return messages.splice(i, 1)[0];
      if (failure) throw failure;
      await new Promise((r) => (wake = r));
    }
  };
  const { at: startedAt } = await next('started');
  let stopped = null;
  return {
    startedAt,
    stop() {
      stopped ??= (async () => {
        worker.postMessage('stop');
        const { result } = await next('result');
        await worker.terminate();
        return result;
      })();
      return stopped;
    },
    /** For cleanup after a failure: no samples, no waiting. */
    kill: () => worker.terminate(),
  };
}

async function runWorker(settings) {
  const samples = { sent: [], ms: [], ok: [], version: [], error: [] };
  let running = true;
  parentPort.on('message', (m) => {
    if (m === 'stop') running = false;
  });
  const loop = async (offset) => {
    // Spread the workers' phases over one interval instead of sending in bursts of `workers`.
    await sleep(offset);
    while (running) {
      const sent = now();
      let version = null;
      let error = null;
      try {
        version = versionOf(await httpGet(settings.port, settings.path, settings.timeoutMs));
      } catch (e) {
        error = errorText(e);
      }
      const ended = now();
      samples.sent.push(sent);
      samples.ms.push(ended - sent);
      samples.ok.push(error === null);
      samples.version.push(version);
      samples.error.push(error);
      const wait = settings.intervalMs - (now() - sent);
      if (wait > 0 && running) await sleep(wait);
    }
  };
  const startedAt = now();
  parentPort.postMessage({ type: 'started', at: startedAt });
  await Promise.all(Array.from({ length: settings.workers }, (_, i) => loop((i * settings.intervalMs) / settings.workers)));
  parentPort.postMessage({ type: 'result', result: { ...samples, startedAt, stoppedAt: now(), options: settings } });
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Answers at least this slow are counted apart (a TCP SYN retransmit, for one, takes a second). */
export const SLOW_MS = 500;

/**
 * Figures of a load run, over the requests sent in [from, to] (default: all): requests, failed,
 * latency percentiles and maximum of the successful requests, how many of them took SLOW_MS or more,
 * the versions served in the order they were sent (consecutive repeats collapsed) and the failures
 * grouped by error.
 */
export function loadStats(result, { from = -Infinity, to = Infinity } = {}) {
  const okMs = [];
  const errors = new Map();
  const versions = [];
  let requests = 0;
  let failed = 0;
  let firstFailure = null;
  let lastFailure = null;
  const order = result.sent.map((_, i) => i).sort((a, b) => result.sent[a] - result.sent[b]);
  for (const i of order) {
    const sent = result.sent[i];
    if (sent < from || sent > to) continue;
    requests++;
    if (result.ok[i]) {
      okMs.push(result.ms[i]);
      if (versions.at(-1) !== result.version[i]) versions.push(result.version[i]);
    } else {
      failed++;
      errors.set(result.error[i], (errors.get(result.error[i]) ?? 0) + 1);
      firstFailure ??= sent;
      lastFailure = sent;
    }
  }
  okMs.sort((a, b) => a - b);
  const seconds = result.seconds ?? (Math.min(to, result.stoppedAt) - Math.max(from, result.startedAt)) / 1000;
  return {
    requests,
    failed,
    p50: percentile(okMs, 50),
    p99: percentile(okMs, 99),
    max: okMs.length ? okMs[okMs.length - 1] : null,
    slow: okMs.filter((ms) => ms >= SLOW_MS).length,
    rate: seconds > 0 ? requests / seconds : null,
    seconds,
    versions,
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]),
    failureSpanMs: firstFailure === null ? 0 : lastFailure - firstFailure,
  };
}

/** Several load runs' samples (each kept to the requests sent in its [from, to]) as one, for loadStats. */
export function combineLoads(parts) {
  const out = { sent: [], ms: [], ok: [], version: [], error: [], seconds: 0, startedAt: -Infinity, stoppedAt: Infinity };
  for (const { samples, from, to } of parts) {
    samples.sent.forEach((sent, i) => {
      if (sent < from || sent > to) return;
      for (const key of ['sent', 'ms', 'ok', 'version', 'error']) out[key].push(samples[key][i]);
    });
    out.seconds += (to - from) / 1000;
  }
  return out;
}

/**
 * Polls GET /version every `intervalMs` until stop(); resolves to the polls
 * [{ sent, at (answer time), version|null, error|null }]. For timing when a version starts (or stops) serving.
 */
export function pollVersions(port, { intervalMs = 50, timeoutMs = 2000 } = {}) {
  const polls = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const sent = now();
      try {
        polls.push({ sent, version: versionOf(await httpGet(port, '/version', timeoutMs)), error: null, at: now() });
      } catch (error) {
        polls.push({ sent, version: null, error: errorText(error), at: now() });
      }
      const wait = intervalMs - (now() - sent);
      if (wait > 0 && running) await sleep(wait);
    }
    return polls;
  })();
  return {
    polls,
    /** The answer time of the first poll sent at or after `after` that named `version` (null if none yet). */
    firstServing(version, after = -Infinity) {
      return polls.find((p) => p.sent >= after && p.version === version)?.at ?? null;
    },
    async waitFor(version, { after = -Infinity, timeoutMs: limit = 60_000 } = {}) {
      const deadline = now() + limit;
      for (;;) {
        const at = this.firstServing(version, after);
        if (at !== null) return at;
        if (now() > deadline) return null;
        await sleep(10);
      }
    },
    stop() {
      running = false;
      return done;
    },
  };
}

if (!isMainThread && workerData?.rfBenchLoad) {
  await runWorker(workerData.rfBenchLoad);
}

export { httpGet };
