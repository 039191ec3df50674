import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDelay, retryAfterMs, retryDelayMs, retryPolicy, withRetries } from '../../src/adapters/retry.js';
import type { AttemptFailure, RetryPolicy } from '../../src/adapters/retry.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 30_000 };

describe('retryPolicy', () => {
  const defaults = { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 };

  it.each([
    [{}, { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 }],
    [{ retries: 0 }, { attempts: 1, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 }],
    [
      { retries: 5, retryBaseDelayMs: 5, maxRetryDelayMs: 50, requestTimeoutMs: 200 },
      { attempts: 6, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 200 },
    ],
    [{ retryBaseDelayMs: 0 }, { attempts: 4, baseDelayMs: 0, maxDelayMs: 10_000, timeoutMs: 30_000 }],
  ])('%j → %j', (options, expected) => {
    expect(retryPolicy(options, defaults)).toEqual(expected);
  });
});

describe('retryDelayMs', () => {
  it.each([
    // attempt, hint, expected
    [1, undefined, 100],
    [2, undefined, 200],
    [3, undefined, 400],
    [4, undefined, 800],
    [5, undefined, 1000], // 1600, capped
    [9, undefined, 1000],
    [1, 250, 250], // the server's wait wins over the backoff…
    [3, 50, 50], // …shorter or longer
    [1, 0, 0],
    [1, 5000, 1000], // …and is capped too
    [1, -3000, 0], // a date in the past: no wait
    [1, 12.6, 13], // whole milliseconds
  ])('attempt %i, hint %s → %i ms', (attempt, hint, expected) => {
    expect(retryDelayMs(policy, attempt, hint)).toBe(expected);
  });

  it('rounds a fractional backoff', () => {
    expect(retryDelayMs({ ...policy, baseDelayMs: 0.4 }, 1)).toBe(0);
    expect(retryDelayMs({ ...policy, baseDelayMs: 0.4 }, 2)).toBe(1);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    [' 2 ', 2000],
    ['120', 120_000],
    ['Wed, 21 Oct 2015 07:28:30 GMT', 30_000], // HTTP date: the time left until then
    ['Wed, 21 Oct 2015 07:27:50 GMT', -10_000], // already past: retryDelayMs turns it into 0
    ['soon', undefined],
    ['3 seconds', undefined],
    ['', undefined],
    ['   ', undefined],
    [undefined, undefined],
    [null, undefined],
  ])('%j → %s', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });

  it('measures an HTTP date from the current time by default', () => {
    const inFiveSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000).toUTCString();
    const ms = retryAfterMs(inFiveSeconds)!;
    expect(ms).toBeGreaterThan(4000);
    expect(ms).toBeLessThanOrEqual(6000);
  });
});

describe('formatDelay', () => {
  it.each([
    [0, '0ms'],
    [5, '5ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1540, '1.5s'],
    [60_000, '60s'],
  ])('%i → %s', (ms, expected) => {
    expect(formatDelay(ms)).toBe(expected);
  });
});

describe('withRetries', () => {
  interface TestFailure extends AttemptFailure {
    error: unknown;
  }

  class Transient extends Error {
    constructor(readonly hintMs?: number) {
      super('transient');
    }
  }

  /** Fails with each of `failures` in turn, then resolves with the number of calls. */
  function run(failures: unknown[], overrides: Partial<RetryPolicy> = {}) {
    const logs: string[] = [];
    const sleeps: number[] = [];
    const giveUps: { failure: TestFailure; attempts: number }[] = [];
    let calls = 0;
    const result = withRetries(
      { ...policy, ...overrides },
      async () => {
        calls++;
        if (calls <= failures.length) throw failures[calls - 1];
        return calls;
      },
      {
        classify: (error): TestFailure => ({
          error,
          summary: `call ${calls} failed`,
          retryable: error instanceof Transient,
          delayHintMs: error instanceof Transient ? error.hintMs : undefined,
        }),
        giveUp: (failure, attempts) => {
          giveUps.push({ failure, attempts });
          return new Error(`gave up after ${attempts} attempts`);
        },
        log: (line) => logs.push(line),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    );
    return { result, logs, sleeps, giveUps, calls: () => calls };
  }

  it.each([
    [0, [], []],
    [1, [100], ['call 1 failed, retrying in 100ms (attempt 2 of 4)']],
    [2, [100, 200], ['call 1 failed, retrying in 100ms (attempt 2 of 4)', 'call 2 failed, retrying in 200ms (attempt 3 of 4)']],
    [
      3,
      [100, 200, 400],
      [
        'call 1 failed, retrying in 100ms (attempt 2 of 4)',
        'call 2 failed, retrying in 200ms (attempt 3 of 4)',
        'call 3 failed, retrying in 400ms (attempt 4 of 4)',
      ],
    ],
  ])('succeeds after %i failures, backing off and logging each retry', async (failureCount, sleeps, logs) => {
    const attempt = run(Array.from({ length: failureCount }, () => new Transient()));

    await expect(attempt.result).resolves.toBe(failureCount + 1);
    expect(attempt.sleeps).toEqual(sleeps);
    expect(attempt.logs).toEqual(logs);
    expect(attempt.giveUps).toEqual([]);
  });

  it.each([
    [4, 4],
    [3, 3],
    [1, 1], // retries: 0
  ])('gives up after %i attempts, throwing what giveUp returns', async (attempts, expectedCalls) => {
    const last = new Transient();
    const attempt = run([...Array.from({ length: attempts - 1 }, () => new Transient()), last, new Transient()], { attempts });

    await expect(attempt.result).rejects.toThrow(`gave up after ${attempts} attempts`);
    expect(attempt.calls()).toBe(expectedCalls);
    expect(attempt.logs).toHaveLength(attempts - 1);
    if (attempts > 1) expect(attempt.logs.at(-1)).toContain(`(attempt ${attempts} of ${attempts})`);
    expect(attempt.giveUps).toHaveLength(1);
    expect(attempt.giveUps[0]!.attempts).toBe(attempts);
    expect(attempt.giveUps[0]!.failure).toMatchObject({ error: last, retryable: true });
  });

  it.each([
    ['on the first attempt', [new Error('fatal')], 1],
    ['after a retry', [new Transient(), new Error('fatal')], 2],
  ])('fails at once on a failure that is not retryable, %s', async (_when, failures, attempts) => {
    const attempt = run(failures);

    await expect(attempt.result).rejects.toThrow(`gave up after ${attempts} attempts`);
    expect(attempt.calls()).toBe(attempts);
    expect(attempt.sleeps).toHaveLength(attempts - 1);
    expect(attempt.giveUps).toHaveLength(1);
    expect(attempt.giveUps[0]!.failure).toMatchObject({ error: failures.at(-1), retryable: false });
  });

  it.each([
    [250, 250, 'retrying in 250ms'],
    [0, 0, 'retrying in 0ms'],
    [1500, 1500, 'retrying in 1.5s'],
    [60_000, 2000, 'retrying in 2s'], // capped
  ])('waits for a hint of %i ms (%i ms) instead of the backoff', async (hintMs, waitMs, logged) => {
    const attempt = run([new Transient(hintMs)], { maxDelayMs: 2000 });

    await attempt.result;
    expect(attempt.sleeps).toEqual([waitMs]);
    expect(attempt.logs[0]).toContain(`${logged} (attempt 2 of 4)`);
  });

  it('gives each attempt a signal that aborts after timeoutMs', async () => {
    const signals: AbortSignal[] = [];
    const timedOut = await withRetries(
      { ...policy, attempts: 2, timeoutMs: 20 },
      (signal) => {
        signals.push(signal);
        return new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      {
        classify: (error) => ({ retryable: true, summary: String((error as Error).name) }),
        giveUp: (failure) => new Error(failure.summary),
        log: () => {},
        sleep: async () => {},
      },
    ).catch((error: unknown) => error);

    expect((timedOut as Error).message).toBe('TimeoutError');
    expect(signals).toHaveLength(2);
    expect(signals[0]).not.toBe(signals[1]);
  });

  describe('without an injected sleep', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits on a timer', async () => {
      vi.useFakeTimers();
      let calls = 0;
      const result = withRetries(
        policy,
        async () => {
          if (++calls === 1) throw new Error('transient');
          return 'done';
        },
        { classify: () => ({ retryable: true, summary: 'x' }), giveUp: () => new Error('gave up'), log: () => {} },
      );

      await vi.advanceTimersByTimeAsync(99);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toBe('done');
      expect(calls).toBe(2);
    });
  });
});
