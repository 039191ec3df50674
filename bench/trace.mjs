// Preload (`node --import ./bench/trace.mjs …`): on exit, writes to the file named by RF_BENCH_TRACE_FILE
// a JSON list of what this process waited on, with absolute times (ms since the epoch, sub-ms precision,
// comparable with the parent's `performance.timeOrigin + performance.now()`):
//   { kind: 'start', at }                          the process's time origin (node's own start)
//   { kind: 'preload', at }                        this file running (node bootstrapped, bundle not loaded)
//   { kind: 'spawn', cmd, args, start, end, code } every child_process.spawn, until the child's 'close'
//   { kind: 'fetch', method, url, start, end, status } every global fetch, until its response (headers)
//   { kind: 'exit', at }
// The bundles call `spawn` through the CommonJS module object (ncc's createRequire), and the ES-module
// named export is synced too, so either way of importing it is seen. Nothing goes to stdout or stderr,
// and the variable is removed so the measured program and its children never see it.
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

const file = process.env.RF_BENCH_TRACE_FILE;
delete process.env.RF_BENCH_TRACE_FILE;

if (file) {
  const now = () => performance.timeOrigin + performance.now();
  const events = [
    { kind: 'start', at: performance.timeOrigin },
    { kind: 'preload', at: now() },
  ];

  const childProcess = createRequire(import.meta.url)('node:child_process');
  const spawn = childProcess.spawn;
  childProcess.spawn = function tracedSpawn(cmd, args, ...rest) {
    const event = { kind: 'spawn', cmd: String(cmd), args: Array.isArray(args) ? args.map(String) : [], start: now(), end: null, code: null };
    events.push(event);
    const child = spawn.call(this, cmd, args, ...rest);
    child.once('close', (code) => {
      event.end = now();
      event.code = code;
    });
    return child;
  };
  syncBuiltinESMExports();

  const originalFetch = globalThis.fetch;
  if (typeof originalFetch === 'function') {
    globalThis.fetch = async function tracedFetch(input, init) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : String(input?.url ?? input);
      const event = { kind: 'fetch', method: init?.method ?? input?.method ?? 'GET', url, start: now(), end: null, status: null };
      events.push(event);
      try {
        const response = await originalFetch.call(this, input, init);
        event.status = response.status;
        return response;
      } finally {
        event.end = now();
      }
    };
  }

  process.on('exit', () => {
    events.push({ kind: 'exit', at: now() });
    try {
      writeFileSync(file, JSON.stringify(events));
    } catch {
      // The bench reports a missing trace; the measured process must not fail because of us.
    }
  });
}
