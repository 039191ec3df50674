// Preload (`node --import ./bench/maxrss.mjs …`): on exit, writes this process's peak resident set size
// in kilobytes to the file named by RF_BENCH_MAXRSS_FILE. Nothing goes to stdout or stderr, and the
// variable is removed so the measured program and its children never see it.
//
// On Linux the figure is VmHWM from /proc/self/status, the high-water mark of this process's own address
// space. Not getrusage's ru_maxrss (process.resourceUsage().maxRSS): Linux carries ru_maxrss across
// execve, so a child inherits the RSS its parent had when spawning it (a parent holding 400 MB makes
// `node -e 0` report 400 MB). ru_maxrss is the fallback where /proc is missing.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.RF_BENCH_MAXRSS_FILE;
delete process.env.RF_BENCH_MAXRSS_FILE;

function peakKb() {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return `${m[1]} VmHWM`;
  } catch {
    // No procfs: fall through.
  }
  return `${process.resourceUsage().maxRSS} ru_maxrss`;
}

if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, peakKb());
    } catch {
      // The bench reports a missing figure; the measured process must not fail because of us.
    }
  });
}
