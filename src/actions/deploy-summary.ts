import type * as core from '@actions/core';
import { otherColour } from '../core/compose-commands.js';
import type { DeployResult } from '../flows/deploy.js';

/** What a deploy step ended with: the flow's result (success or rollback), or only an error. */
export type DeployEnding = { result: DeployResult; error?: undefined } | { result?: DeployResult | undefined; error: string };

/** Which colour serves after the deploy, in words. */
export function servingText(result: DeployResult): string {
  if (result.env === 'dev') return result.rolledBack ? 'none (dev failed its health check)' : 'dev (single container)';
  if (!result.colour) return '—';
  if (!result.rolledBack) return result.colour;
  // A first deploy that failed has nothing behind the proxy; otherwise traffic stays on the other colour.
  return result.previousVersion === null ? 'none' : otherColour(result.colour);
}

/**
 * The result (deployed / rolled back / failed), the version, digest, previous version, which
 * colour serves, and on a rollback or failure the reason with the health and container log tail
 * as the flow reports them (secrets already redacted by the flow).
 */
export function deploySummary(summary: typeof core.summary, env: string, ending: DeployEnding): void {
  const r = ending.result;
  const state = r?.outcome === 'success' ? 'deployed' : r?.rolledBack ? 'rolled back' : 'failed';
  summary.addHeading(`Deploy ${env}: ${state}`, 2);
  if (r) {
    summary.addTable([
      [{ data: 'field', header: true }, { data: 'value', header: true }],
      ['result', state],
      ['version', r.version],
      ['digest', r.digest],
      ['image', r.imageRef],
      ['previous version', r.previousVersion ?? '—'],
      ['serving colour', servingText(r)],
      ['url', r.url ?? '—'],
    ]);
  }
  const reason = r?.reason ?? ending.error;
  if (reason !== undefined && state !== 'deployed') {
    summary.addRaw('Why:', true);
    summary.addCodeBlock(reason, 'text');
  }
}
