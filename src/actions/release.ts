import * as core from '@actions/core';
import { cutRelease } from '../flows/release.js';
import { repositoryContext } from '../flows/repository.js';
import { booleanInput, input, notesOptionsFromInputs, repositoryFromInputs, settingsFromInputs } from './inputs.js';
import { runAction, writeSummary } from './run-action.js';

// The committer of the release commit when the workflow set none: the identity GitHub shows for
// GITHUB_TOKEN pushes. A configured identity (git config, GIT_* variables) is kept.
const BOT = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };

await runAction(async () => {
  const settings = settingsFromInputs();
  const notes = notesOptionsFromInputs();
  const push = booleanInput('push', true);
  const moveMajorTag = booleanInput('move-major-tag', false);
  const dryRun = booleanInput('dry-run', false);
  const git = await repositoryFromInputs();
  const { links } = await repositoryContext(git, process.env);
  for (const [key, value] of [['name', BOT.name], ['email', BOT.email]] as const) {
    const variable = key.toUpperCase();
    if (process.env[`GIT_COMMITTER_${variable}`] || (await git.configValue(`user.${key}`))) continue;
    process.env[`GIT_AUTHOR_${variable}`] ||= value;
    process.env[`GIT_COMMITTER_${variable}`] = value;
  }
  const outcome = await cutRelease(git, {
    settings,
    notes,
    links,
    as: input('as') || undefined,
    file: input('file') || 'release-notes.md',
    push,
    moveMajorTag,
    remote: input('remote') || 'origin',
    dryRun,
    today: new Date(),
    log: core.info,
  });
  core.setOutput('version', outcome.version);
  core.setOutput('tag', outcome.tag);
  core.setOutput('previous-tag', outcome.previousTag ?? '');
  core.setOutput('bump', outcome.bump);
  core.setOutput('commit', outcome.commit ?? '');
  core.setOutput('pushed', String(outcome.pushed));
  core.setOutput('major-tag', outcome.majorTag?.move ? outcome.majorTag.tag : '');
  core.setOutput('notes', outcome.notes.markdown);
  if (outcome.majorTag && !outcome.majorTag.move) core.notice(outcome.majorTag.reason, { title: `${outcome.majorTag.tag} not moved` });
  await writeSummary((summary) => {
    summary.addHeading(`${dryRun ? 'Dry run: ' : ''}Release ${outcome.tag}`, 2);
    summary.addList([
      `Bump: ${outcome.bump} (previous: ${outcome.previousTag ?? 'none'})`,
      dryRun ? 'Nothing was changed.' : `Commit <code>${outcome.commitMessage}</code> on <code>${outcome.branch}</code>${outcome.commit ? ` (${outcome.commit.slice(0, 7)})` : ''}`,
      outcome.pushed ? 'Pushed the branch and the tag(s), atomically.' : 'Not pushed.',
      ...(outcome.majorTag ? [outcome.majorTag.move ? `Moved <code>${outcome.majorTag.tag}</code> to the release.` : `<code>${outcome.majorTag.tag}</code> left where it is: ${outcome.majorTag.reason}`] : []),
    ]);
    summary.addRaw(`\n${outcome.notes.markdown}`, true);
  });
});
