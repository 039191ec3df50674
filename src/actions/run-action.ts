import * as core from '@actions/core';
import { isUsageError } from '../core/errors.js';

/**
 * Runs an action's body; any error fails the step with one annotation that says what to fix,
 * never a stack trace.
 */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.error(message, { title: isUsageError(error) ? 'Invalid input' : 'release-flow failed' });
    process.exitCode = 1;
  }
}

/** Writes the job summary when the runner provides one (GITHUB_STEP_SUMMARY); a no-op elsewhere. */
export async function writeSummary(build: (summary: typeof core.summary) => void): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  build(core.summary);
  await core.summary.write();
}
