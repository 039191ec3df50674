import * as core from '@actions/core';
import { eventSteps } from '../core/event-steps.js';
import { versionForRef } from '../flows/event.js';
import { publishRelease } from '../flows/publish.js';
import { repositoryContext } from '../flows/repository.js';
import { deployTargetFromInputs } from './deploy-inputs.js';
import { deployStep } from './deploy-step.js';
import { imageStep } from './image-step.js';
import { booleanInput, refFromInputs, githubReleasesFromInputs, input, notesOptionsFromInputs, settingsFromInputs, repositoryFromInputs } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';
import { reportTagProblem, setVersionOutputs } from './version-outputs.js';
import { versionSummary } from './version-summary.js';

/** Outputs of the steps that may not run; set empty first so a workflow reads '' rather than nothing. */
const ROOT_ONLY_OUTPUTS = ['release-url', 'release-id', 'digest', 'tags', 'refs', 'platforms', 'pushed', 'existing', 'deployed'].concat(
  ['version', 'digest', 'previous-version', 'rolled-back', 'url'].map((name) => `deploy-${name}`),
);

// The whole flow for the triggering event in one step (core/event-steps.ts decides what runs):
// on a release tag the checked version, the immutable image, the notes file section, the GitHub
// Release and the prod deploy; on main the version preview, `latest` and the dev deploy.
await runAction(async () => {
  const settings = settingsFromInputs();
  const strict = booleanInput('strict', true);
  const notes = notesOptionsFromInputs();
  const wantsDeploy = booleanInput('deploy', false);
  const ref = refFromInputs();
  const git = await repositoryFromInputs();
  const { links, repository } = await repositoryContext(git, process.env);
  const context = { settings, links, notes, shallow: 'deepen' as const, today: new Date(), log: core.info };
  const outcome = await versionForRef(git, ref, context);
  setVersionOutputs(outcome, strict);
  for (const name of ROOT_ONLY_OUTPUTS) core.setOutput(name, '');
  await writeSummary((summary) => versionSummary(summary, outcome));
  reportTagProblem(outcome, strict);

  const { result } = outcome;
  const steps = eventSteps({ ref, released: outcome.mode === 'tag' && result.released, mainBranch: input('main-branch') || 'main', image: input('image') !== '', deploy: wantsDeploy });
  if (wantsDeploy && !input('image')) core.warning('deploy is true but no image is given: nothing to deploy', { title: 'deploy skipped' });
  // Bad release and deploy inputs fail before the image is pushed or the release published.
  const github = steps.publishRelease ? githubReleasesFromInputs() : null;
  const deployTarget = steps.deploy ? deployTargetFromInputs() : null;

  if (steps.image) {
    await imageStep(async () => git, { version: steps.image === 'release' ? (result.version ?? '') : '', main: steps.image === 'main', dockerfileInput: 'dockerfile' });
  }
  if (steps.publishRelease && result.tag) {
    const published = await publishRelease(git, github, { ...context, tag: result.tag, file: input('file') || null, repository });
    core.setOutput('release-url', published.release?.url ?? '');
    core.setOutput('release-id', published.release ? String(published.release.id) : '');
  }
  if (steps.deploy && deployTarget) {
    const version = steps.deploy === 'prod' ? (result.version ?? undefined) : undefined;
    core.setOutput('deployed', steps.deploy);
    await deployStep({ ...deployTarget, env: steps.deploy, version }, 'deploy-');
  }
});
