import * as core from '@actions/core';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createRegistryClient } from '../adapters/registry.js';
import { imageSettings, parseKeyValues } from '../core/image-settings.js';
import { publishImage, type ImageOutcome } from '../flows/image.js';
import { imageRequest } from '../flows/image-context.js';
import type { Git } from '../adapters/git.js';
import { booleanInput, input } from './inputs.js';
import { imageSummary } from './image-summary.js';
import { writeSummary } from './run-action.js';

export interface ImageStepTarget {
  /** The release version; empty for a build of main. */
  version: string;
  main: boolean;
  /** The input that names the Dockerfile: `file` in the image action, `dockerfile` in the root action (whose `file` is the notes file). */
  dockerfileInput: string;
}

/** The image action's inputs → build and publish → outputs and job summary; shared by the image and root actions. */
export async function imageStep(openGit: () => Promise<Git>, target: ImageStepTarget): Promise<ImageOutcome> {
  const settings = imageSettings(
    {
      image: input('image'),
      version: target.version,
      main: target.main,
      platforms: input('platforms'),
      cache: input('cache'),
      buildArgs: core.getInput('build-args'),
      labels: core.getInput('labels'),
    },
    { image: 'image', version: 'version', main: 'main', platforms: 'platforms', cache: 'cache', buildArgs: 'build-args', labels: 'labels' },
  );
  // Values of build secrets come from ${{ secrets.* }}, which the runner already masks in logs.
  const secrets = parseKeyValues(core.getInput('secrets'), 'secrets', { lines: true });
  const push = booleanInput('push', true);
  const floating = booleanInput('floating-tags', false);
  const provenance = booleanInput('provenance', false);
  // The repository is opened only once every input is valid: bad input is reported first.
  const git = await openGit();
  const request = await imageRequest(git, process.env, {
    settings,
    shallow: 'deepen',
    context: input('context') || '.',
    file: input(target.dockerfileInput) || undefined,
    buildTarget: input('target') || undefined,
    secrets,
    push,
    floating,
    provenance,
    tagPrefix: core.getInput('tag-prefix', { trimWhitespace: false }),
    description: input('description') || undefined,
    licenses: input('licenses') || undefined,
    log: core.info,
  });
  const outcome = await core.group(`Build ${settings.image.name} for ${settings.platforms.join(', ')}`, () =>
    publishImage(createDocker(), createRegistryClient({ credentials: dockerConfigCredentials(), log: core.info }), git, request),
  );
  core.setOutput('digest', outcome.digest ?? '');
  core.setOutput('tags', outcome.tags.map((t) => `${settings.image.name}:${t}`).join('\n'));
  core.setOutput('refs', outcome.refs.join('\n'));
  core.setOutput('platforms', outcome.platforms.join(','));
  core.setOutput('pushed', String(outcome.pushed));
  core.setOutput('existing', String(outcome.existing));
  for (const held of outcome.held) core.notice(`${settings.image.name}:${held.tag} not moved: ${held.reason}`, { title: `${held.tag} left where it is` });
  await writeSummary((summary) => imageSummary(summary, settings.image.name, outcome));
  return outcome;
}
