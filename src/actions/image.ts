import * as core from '@actions/core';
import { createDocker } from '../adapters/docker.js';
import { dockerConfigCredentials } from '../adapters/docker-credentials.js';
import { createRegistryClient } from '../adapters/registry.js';
import { imageSettings, parseKeyValues } from '../core/image-settings.js';
import { publishImage } from '../flows/image.js';
import { imageRequest } from '../flows/image-context.js';
import { booleanInput, input, repositoryFromInputs } from './inputs.js';
import { imageSummary } from './image-summary.js';
import { runAction, writeSummary } from './run-action.js';

await runAction(async () => {
  const settings = imageSettings(
    {
      image: input('image'),
      version: input('version'),
      main: booleanInput('main', false),
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
  const git = await repositoryFromInputs();
  const request = await imageRequest(git, process.env, {
    settings,
    shallow: 'deepen',
    context: input('context') || '.',
    file: input('file') || undefined,
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
});
