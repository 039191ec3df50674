import * as core from '@actions/core';
import { versionForRef } from '../flows/event.js';
import { publishRelease } from '../flows/publish.js';
import { repositoryContext } from '../flows/repository.js';
import { githubReleasesFromInputs, input, notesOptionsFromInputs, settingsFromInputs, repositoryFromInputs } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';

await runAction(async () => {
  const settings = settingsFromInputs();
  const notesOptions = notesOptionsFromInputs();
  const file = input('file');
  const git = await repositoryFromInputs();
  const { links, repository } = await repositoryContext(git, process.env);
  const ref = process.env.GITHUB_REF ?? '';
  const context = { settings, links, notes: notesOptions, shallow: 'deepen' as const, today: new Date(), log: core.info };

  // The release tag: given, or the pushed tag; on a branch, the notes of the next version are only previewed.
  const tag = input('tag') || (ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '');
  if (!tag) {
    const preview = await versionForRef(git, ref, context);
    core.notice(`${ref || 'This ref'} is not a tag and no tag input was given: release notes previewed, no file or GitHub Release written.`);
    core.setOutput('notes', preview.notes?.markdown ?? '');
    core.setOutput('version', preview.result.version ?? '');
    core.setOutput('tag', preview.result.tag ?? '');
    core.setOutput('release-url', '');
    core.setOutput('release-id', '');
    await writeSummary((s) => s.addHeading(`Release notes preview: ${preview.result.tag ?? 'nothing to release'}`, 2).addRaw(`\n${preview.notes?.markdown ?? ''}`, true));
    return;
  }
  const github = githubReleasesFromInputs();
  const outcome = await publishRelease(git, github, { ...context, tag, file: file || null, repository, releaseName: input('release-name') || undefined });

  core.setOutput('notes', outcome.notes.markdown);
  core.setOutput('version', outcome.notes.version);
  core.setOutput('tag', outcome.notes.tag);
  core.setOutput('release-url', outcome.release?.url ?? '');
  core.setOutput('release-id', outcome.release ? String(outcome.release.id) : '');
  await writeSummary((summary) => {
    summary.addHeading(`Release ${outcome.notes.tag}`, 2);
    const facts = [
      outcome.release ? `GitHub Release ${outcome.release.created ? 'created' : 'updated'}: <a href="${outcome.release.url}">${outcome.release.url}</a>${outcome.release.prerelease ? ' (prerelease)' : ''}${outcome.release.makeLatest ? ' (latest)' : ''}` : 'GitHub Release: not requested',
      outcome.file ? `Notes written to <code>${file}</code>` : 'Notes file: not requested',
    ];
    summary.addList(facts).addRaw(`\n${outcome.notes.markdown}`, true);
  });
});
