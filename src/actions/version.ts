import * as core from '@actions/core';
import { versionForRef } from '../flows/event.js';
import { repositoryContext } from '../flows/repository.js';
import { booleanInput, refFromInputs, notesOptionsFromInputs, settingsFromInputs, repositoryFromInputs } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';
import { reportTagProblem, setVersionOutputs } from './version-outputs.js';
import { versionSummary } from './version-summary.js';

await runAction(async () => {
  const settings = settingsFromInputs();
  const strict = booleanInput('strict', true);
  const notes = notesOptionsFromInputs();
  const git = await repositoryFromInputs();
  const { links } = await repositoryContext(git, process.env);
  const outcome = await versionForRef(git, refFromInputs(), { settings, links, notes, shallow: 'deepen', today: new Date(), log: core.info });
  const { result } = outcome;
  setVersionOutputs(outcome, strict);
  core.info(result.released ? `Version ${result.version} (${result.bump}) from ${result.commits} commit(s) since ${result.previousTag ?? 'the start'}` : 'No release: nothing releasable.');
  await writeSummary((summary) => versionSummary(summary, outcome));
  reportTagProblem(outcome, strict);
});
