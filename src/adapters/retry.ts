// The one place where HTTP adapters retry (modelled on actions/checkout's retry helper): a bounded
// attempt loop with exponential backoff, a server's own wait (Retry-After, a rate-limit reset)
// taking precedence, every wait capped, one log line per retry. What counts as retryable, what
// a failure is called and the final error stay with each adapter, which knows its API.

/** The retry settings an adapter takes; each adapter documents its own defaults. */
export interface RetryOptions {
  /** Retries after the first attempt, for the failures the adapter deems transient. */
  retries?: number;
  /** First backoff delay, doubled on each retry. */
  retryBaseDelayMs?: number;
  /** Upper bound on any single wait, one the server asks for included. */
  maxRetryDelayMs?: number;
  /** An attempt that has not completed by then is aborted and counts as a network error. */
  requestTimeoutMs?: number;
  /** Receives one line per retry. */
  log?: (line: string) => void;
}

export interface RetryPolicy {
  /** First try included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export interface RetryDefaults {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export function retryPolicy(options: RetryOptions, defaults: RetryDefaults): RetryPolicy {
  return {
    attempts: (options.retries ?? defaults.retries) + 1,
    baseDelayMs: options.retryBaseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: options.maxRetryDelayMs ?? defaults.maxDelayMs,
    timeoutMs: options.requestTimeoutMs ?? defaults.timeoutMs,
  };
}

/**
 * The wait before the attempt after `attemptNumber` (1 for the first): the server's hint when it
 * gave one, else the base delay doubled per retry; never negative, at most `maxDelayMs`, whole ms.
 */
export function retryDelayMs(policy: RetryPolicy, attemptNumber: number, hintMs?: number): number {
  const backoff = policy.baseDelayMs * 2 ** (attemptNumber - 1);
  return Math.round(Math.min(Math.max(hintMs ?? backoff, 0), policy.maxDelayMs));
}

/** Retry-After is either delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : date - now;
}

/** `250ms`, `1s`, `1.5s`. */
export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}

/** What the loop needs to know of a failed attempt; an adapter adds its own fields. */
export interface AttemptFailure {
  /** False: the failure is final, and the call fails at once. */
  retryable: boolean;
  /** The wait the server asked for (Retry-After, a rate-limit reset); the backoff when undefined. */
  delayHintMs?: number | undefined;
  /** Opens the retry line: `GitHub API 502 on POST /repos/o/r/releases`. */
  summary: string;
}

export interface RetryHandlers<F extends AttemptFailure> {
  /** Reads what an attempt threw. */
  classify(error: unknown): F;
  /** The error to throw when `failure` ends the call: not retryable, or the last of `attempts`. */
  giveUp(failure: F, attempts: number): unknown;
  log(line: string): void;
  /** Waits between attempts; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it resolves, each time with a signal that aborts after `policy.timeoutMs`.
 * A failure the handlers deem retryable is logged as
 * `<summary>, retrying in 1s (attempt 2 of 4)` and retried after the delay, while attempts remain.
 */
export async function withRetries<T, F extends AttemptFailure>(
  policy: RetryPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
  handlers: RetryHandlers<F>,
): Promise<T> {
  const sleep = handlers.sleep ?? sleepFor;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(AbortSignal.timeout(policy.timeoutMs));
    } catch (error) {
      const failure = handlers.classify(error);
      if (!failure.retryable || attemptNumber >= policy.attempts) throw handlers.giveUp(failure, attemptNumber);
      const delayMs = retryDelayMs(policy, attemptNumber, failure.delayHintMs);
      handlers.log(`${failure.summary}, retrying in ${formatDelay(delayMs)} (attempt ${attemptNumber + 1} of ${policy.attempts})`);
      await sleep(delayMs);
    }
  }
}
