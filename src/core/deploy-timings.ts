import { InputError } from './errors.js';

/** The deploy's timings as the user gives them, in seconds (absent or empty: the flow's default). */
export interface RawTimings {
  watch?: string | undefined;
  lockTimeout?: string | undefined;
  waitTimeout?: string | undefined;
}

export interface DeployTimings {
  watchSeconds?: number;
  lockTimeoutMs?: number;
  waitTimeoutSeconds?: number;
}

/**
 * Seconds ≥ 0, checked and converted for the deploy flow; `names` are what the caller calls them
 * (`--watch` or `watch-seconds`), for the error. compose's `--wait-timeout` takes whole seconds ≥ 1.
 */
export function deployTimings(raw: RawTimings, names: { watch: string; lockTimeout: string; waitTimeout: string }): DeployTimings {
  const seconds = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new InputError(name, text, 'a number of seconds >= 0');
    return n;
  };
  const watch = seconds(raw.watch, names.watch);
  const lockTimeout = seconds(raw.lockTimeout, names.lockTimeout);
  const waitTimeout = seconds(raw.waitTimeout, names.waitTimeout);
  return {
    ...(watch !== undefined ? { watchSeconds: watch } : {}),
    ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
    ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
  };
}
