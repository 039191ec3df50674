// Timing and peak-memory measurement of child processes, for bench/run.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAXRSS_PRELOAD = fileURLToPath(new URL('./maxrss.mjs', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'rf-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let fileCounter = 0;

export class BenchFailure extends Error {}

/** Where the peak RSS figures came from (VmHWM, or ru_maxrss without procfs), for the report. */
export const rssSources = new Set();

/**
 * One process run: `steps` is a list of commands run one after the other (the wall time covers them
 * all). Stdout is always read (as a pipe, like the CLI reads git) and kept only when `keepStdout`.
 * With `maxrss`, the command must be node with MAXRSS_PRELOAD imported; its peak RSS is read back.
 */
export async function runOnce(spec) {
  const steps = spec.steps ?? [{ cmd: spec.cmd, args: spec.args }];
  const started = process.hrtime.bigint();
  let last;
  let peakKb = null;
  for (const step of steps) {
    last = await runStep(spec, step);
    if (last.maxRssKb !== null) peakKb = Math.max(peakKb ?? 0, last.maxRssKb);
    if (last.timedOut || last.code !== 0) break;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...last, ms, maxRssKb: peakKb };
}

function runStep(spec, step) {
  const rssFile = spec.maxrss ? join(scratch, `maxrss-${++fileCounter}`) : null;
  const env = { ...process.env, ...spec.env, ...(rssFile ? { RF_BENCH_MAXRSS_FILE: rssFile } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(step.cmd, step.args, { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    const timer = spec.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, spec.timeoutMs)
      : null;
    child.stdout.on('data', (b) => {
      stdoutBytes += b.length;
      if (spec.keepStdout) out.push(b);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new BenchFailure(`${spec.label}: could not run ${step.cmd}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      let maxRssKb = null;
      if (rssFile) {
        try {
          const [kb, source] = readFileSync(rssFile, 'utf8').split(' ');
          maxRssKb = Number(kb);
          rssSources.add(source);
          rmSync(rssFile, { force: true });
        } catch {
          maxRssKb = null;
        }
      }
      resolve({
        code,
        signal,
        timedOut,
        stdout: spec.keepStdout ? Buffer.concat(out).toString('utf8') : null,
        stdoutBytes,
        stderr,
        maxRssKb,
        command: [step.cmd, ...step.args].join(' '),
      });
    });
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Fails the bench when a run did not exit 0 (or its `check` rejects the result). */
function verify(spec, result) {
  if (result.timedOut) return;
  if (result.code !== 0) {
    throw new BenchFailure(
      `${spec.label}: \`${result.command}\` exited ${result.code ?? result.signal} in ${spec.cwd}\n${result.stderr.trim()}`,
    );
  }
  if (spec.maxrss && result.maxRssKb === null) {
    throw new BenchFailure(`${spec.label}: the maxrss preload wrote no figure (did the process exit normally?)`);
  }
  if (spec.check) {
    try {
      spec.check(result);
    } catch (error) {
      throw new BenchFailure(`${spec.label}: output check failed: ${error.message}`);
    }
  }
}

/**
 * Measures several specs side by side: one warm-up each, then rounds in which every spec still
 * needing samples runs once, so drift on the machine spreads over all of them alike. A spec's sample
 * count is capped so that its samples fit `budgetMs` (judged by its warm-up), at least `minRuns`.
 */
export async function measureAll(specs, { runs, log = () => {} }) {
  const state = new Map();
  for (const spec of specs) {
    log(`  warm-up: ${spec.label}`);
    const warm = await runOnce(spec);
    verify(spec, warm);
    const entry = { spec, samples: [], peakKb: warm.maxRssKb, warmupMs: warm.ms, timedOut: warm.timedOut, last: warm };
    // `deadline` (a performance.now() time): the samples must fit in the time left until then.
    const budget = spec.deadline !== undefined ? spec.deadline - performance.now() : (spec.budgetMs ?? Infinity);
    entry.target = warm.timedOut ? 0 : Math.min(runs, Math.max(spec.minRuns ?? 3, Math.floor(budget / warm.ms)));
    state.set(spec, entry);
  }
  const maxTarget = Math.max(0, ...[...state.values()].map((e) => e.target));
  for (let round = 0; round < maxTarget; round++) {
    log(`  round ${round + 1}/${maxTarget}`);
    for (const entry of state.values()) {
      if (entry.samples.length >= entry.target) continue;
      const result = await runOnce(entry.spec);
      verify(entry.spec, result);
      if (result.timedOut) {
        entry.timedOut = true;
        entry.target = entry.samples.length;
        continue;
      }
      entry.samples.push(result.ms);
      if (result.maxRssKb !== null) entry.peakKb = Math.max(entry.peakKb ?? 0, result.maxRssKb);
      entry.last = result;
    }
  }
  return new Map(
    [...state].map(([spec, e]) => [
      spec.id,
      {
        label: spec.label,
        runs: e.samples.length,
        medianMs: e.samples.length ? median(e.samples) : null,
        minMs: e.samples.length ? Math.min(...e.samples) : null,
        maxMs: e.samples.length ? Math.max(...e.samples) : null,
        warmupMs: e.warmupMs,
        peakKb: e.peakKb,
        timedOut: e.timedOut,
        stdoutBytes: e.last.stdoutBytes,
      },
    ]),
  );
}
