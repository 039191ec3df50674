import * as core from '@actions/core';
import { versionParts } from '../core/version.js';
import type { RefVersion } from '../flows/event.js';

/** The version action's outputs (also the root action's), documented in actions/version/action.yml. */
export function setVersionOutputs({ result, problem, notes }: RefVersion, strict: boolean): void {
  const parts = result.version ? versionParts(result.version) : null;
  const outputs: Record<string, string> = {
    version: result.version ?? '',
    tag: result.tag ?? '',
    'previous-version': result.previousVersion ?? '',
    'previous-tag': result.previousTag ?? '',
    bump: result.bump,
    released: String(result.released && !(problem && strict)),
    major: parts ? String(parts.major) : '',
    minor: parts ? String(parts.minor) : '',
    patch: parts ? String(parts.patch) : '',
    prerelease: parts?.prerelease ?? '',
    notes: notes?.markdown ?? '',
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** On a tag ref: a tag that does not match its commits fails the step, or only warns when not strict. */
export function reportTagProblem({ problem }: RefVersion, strict: boolean): void {
  if (!problem) return;
  if (strict) throw new Error(`${problem.message}. Set strict: false to only warn.`);
  core.warning(problem.message, { title: 'Release tag does not match its commits' });
}
