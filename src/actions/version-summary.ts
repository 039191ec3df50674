import type * as core from '@actions/core';
import type { RefVersion } from '../flows/event.js';

const code = (text: string) => `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`;

/** The version, the bump and why, and the notes preview. */
export function versionSummary(summary: typeof core.summary, { mode, result, problem, notes }: RefVersion): void {
  const title = result.released
    ? `${mode === 'tag' ? 'Release' : 'Next release'}: ${result.tag}`
    : `No release: nothing releasable since ${result.previousTag ?? 'the start of history'}`;
  summary.addHeading(title, 2);
  summary.addTable([
    [{ data: 'version', header: true }, { data: 'previous', header: true }, { data: 'bump', header: true }, { data: 'commits', header: true }],
    [result.version ?? '—', result.previousTag ?? '—', result.bump, String(result.commits)],
  ]);
  if (problem) summary.addRaw(`\n> [!WARNING]\n> ${problem.message}\n`, true);
  if (result.reasons.length) {
    summary.addRaw(`\n**Why ${result.bump}:**`, true);
    summary.addList(result.reasons.map((r) => `${code(r.sha.slice(0, 7))} ${code(r.header)}`));
  }
  if (notes) summary.addDetails('Release notes preview', `\n\n${notes.markdown}\n`);
}
