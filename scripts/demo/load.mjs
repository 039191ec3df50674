// A tiny, bounded load generator on 127.0.0.1: GET /version at a steady rate, each request on a
// new connection with a timeout, counting failures and the versions that answered.

import { httpGet as get } from '../lib/net.mjs';

export { get };

/** The `version` field of GET /version, or throws with what answered. */
export async function servedVersion(port) {
  const answer = await get(port, '/version');
  if (answer.status !== 200) throw new Error(`GET http://127.0.0.1:${port}/version answered HTTP ${answer.status}`);
  return JSON.parse(answer.body).version;
}

/**
 * Starts sending `rate` requests per second to /version; `stop()` ends the loop (it also ends by
 * itself after `maxMs`) and resolves the report once every request has finished.
 */
export function startLoad(port, { rate = 20, timeoutMs = 3000, maxMs = 120_000 } = {}) {
  const t0 = performance.now();
  const pending = [];
  let stopped = false;
  const one = async () => {
    const sent = performance.now() - t0;
    try {
      const answer = await get(port, '/version', timeoutMs);
      if (answer.status !== 200) return { sent, ok: false, error: `HTTP ${answer.status}` };
      return { sent, ok: true, ended: performance.now() - t0, version: JSON.parse(answer.body).version };
    } catch (error) {
      return { sent, ok: false, error: error.message };
    }
  };
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const wait = (i * 1000) / rate - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped || performance.now() - t0 > maxMs) break;
      pending.push(one());
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const samples = await Promise.all(pending);
      const failed = samples.filter((s) => !s.ok);
      const versions = [];
      for (const s of samples) if (s.version && versions[versions.length - 1] !== s.version) versions.push(s.version);
      const ends = samples.filter((s) => s.ok).map((s) => s.ended).sort((a, b) => a - b);
      let gapMs = 0;
      for (let i = 1; i < ends.length; i++) gapMs = Math.max(gapMs, ends[i] - ends[i - 1]);
      return { total: samples.length, failed, versions, gapMs, seconds: (performance.now() - t0) / 1000 };
    },
  };
}
