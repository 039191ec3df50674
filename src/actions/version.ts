import * as core from '@actions/core';
import { createGit } from '../adapters/git.js';
import { versionParts } from '../core/version.js';
import { versionForRef } from '../flows/event.js';
import { repositoryContext } from '../flows/repository.js';
import { booleanInput, notesOptionsFromInputs, settingsFromInputs, workingDirectory } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';
import { versionSummary } from './version-summary.js';

await runAction(async () => {
  const settings = settingsFromInputs();
  const strict = booleanInput('strict', true);
  const notesOptions = notesOptionsFromInputs();
  const git = createGit(workingDirectory());
  const { links } = await repositoryContext(git, process.env);
  const ref = process.env.GITHUB_REF ?? '';
  const outcome = await versionForRef(git, ref, { settings, links, notes: notesOptions, shallow: 'deepen', today: new Date(), log: core.info });
  const { result, problem, notes } = outcome;

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
  core.info(result.released ? `Version ${result.version} (${result.bump}) from ${result.commits} commit(s) since ${result.previousTag ?? 'the start'}` : 'No release: nothing releasable.');
  await writeSummary((summary) => versionSummary(summary, outcome));

  if (problem) {
    if (strict) throw new Error(`${problem.message}. Set strict: false to only warn.`);
    core.warning(problem.message, { title: 'Release tag does not match its commits' });
  }
});
