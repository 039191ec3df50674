import * as core from '@actions/core';
import { versionForRef } from '../flows/event.js';
import { publishRelease } from '../flows/publish.js';
import { repositoryContext } from '../flows/repository.js';
import { booleanInput, refFromInputs, githubReleasesFromInputs, input, notesOptionsFromInputs, settingsFromInputs, repositoryFromInputs } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';
import { reportTagProblem, setVersionOutputs } from './version-outputs.js';
import { versionSummary } from './version-summary.js';

// The whole flow for the triggering event in one step: on a branch the version preview, on a
// release tag the checked version, its notes file section and its GitHub Release.
await runAction(async () => {
  const settings = settingsFromInputs();
  const strict = booleanInput('strict', true);
  const notes = notesOptionsFromInputs();
  const git = await repositoryFromInputs();
  const { links, repository } = await repositoryContext(git, process.env);
  const context = { settings, links, notes, shallow: 'deepen' as const, today: new Date(), log: core.info };
  const outcome = await versionForRef(git, refFromInputs(), context);
  setVersionOutputs(outcome, strict);
  core.setOutput('release-url', '');
  core.setOutput('release-id', '');
  await writeSummary((summary) => versionSummary(summary, outcome));
  reportTagProblem(outcome, strict);

  const { result } = outcome;
  if (outcome.mode !== 'tag' || !result.released || !result.tag) return;
  const github = githubReleasesFromInputs();
  const published = await publishRelease(git, github, { ...context, tag: result.tag, file: input('file') || null, repository });
  core.setOutput('release-url', published.release?.url ?? '');
  core.setOutput('release-id', published.release ? String(published.release.id) : '');
});
