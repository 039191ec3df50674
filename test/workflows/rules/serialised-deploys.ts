import type { JobRef } from '../workflow.js';
import { classifyUses, isMapping, isPiJob, jobs, steps } from '../workflow.js';
import type { Rule, Violation } from './rule.js';
import { violation } from './rule.js';

// serialised-deploys: two deploys or switches on the Pi at once race on the compose project, the
// proxy and the deploy state. Every Pi job that deploys or switches has a job-level
// `concurrency:` with `cancel-in-progress: false` (a cancelled deploy can leave a half-switched
// host; the next one waits instead), and all of them, across all workflows, share one group (the
// same text, which may be an expression), so a deploy from one workflow also waits for a switch
// from another.
//
// One group per environment rather than one for the host: GitHub keeps a single pending job per
// group and cancels the older pending one, so with one group a dev deploy queued by a push to main
// would cancel the prod deploy queued by the tag pushed with it. The host's deploy lock (flock)
// serialises the two environments on the Pi.
export const DEPLOY_GROUPS = ['release-flow-pi-prod', 'release-flow-pi-dev', 'release-flow-pi-${{ inputs.environment }}'];

const OWN_DEPLOY_ACTIONS = new Set(['actions/deploy', 'actions/switch']);
const DEPLOY_WORDS = /deploy|switch|rollback/i;
const CLI = /\brelease-flow\s+(?:deploy|switch|rollback)\b/;

/** Heuristic: the job uses our deploy or switch action, runs the CLI's deploy/switch/rollback, or is named for one. */
export function deploysOrSwitches(job: JobRef): boolean {
  if (DEPLOY_WORDS.test(job.id) || (typeof job.def.name === 'string' && DEPLOY_WORDS.test(job.def.name))) return true;
  return steps(job).some(({ def }) => {
    if (typeof def.run === 'string' && CLI.test(def.run)) return true;
    if (typeof def.uses !== 'string') return false;
    const uses = classifyUses(def.uses);
    return (uses.kind === 'local' || uses.kind === 'own') && OWN_DEPLOY_ACTIONS.has(uses.path);
  });
}

export const serialisedDeploys: Rule = {
  id: 'serialised-deploys',
  summary: 'Pi jobs that deploy or switch have job-level `concurrency:` with `cancel-in-progress: false` and their environment\'s shared group',
  check(workflows) {
    const violations: Violation[] = [];
    const groups: { job: JobRef; group: string }[] = [];
    for (const job of workflows.flatMap(jobs).filter((job) => isPiJob(job) && deploysOrSwitches(job))) {
      const at = { workflow: job.workflow, job, path: [...job.path, 'concurrency'] };
      const concurrency = job.def.concurrency;
      if (!isMapping(concurrency)) {
        violations.push(
          violation('serialised-deploys', { ...at, path: concurrency === undefined ? job.path : at.path }, concurrency === undefined
            ? 'deploys or switches on the Pi without `concurrency:`; add `concurrency: { group: release-flow-pi-<environment>, cancel-in-progress: false }`'
            : '`concurrency:` must be a mapping with `group:` and `cancel-in-progress: false`'),
        );
        continue;
      }
      if (concurrency['cancel-in-progress'] !== false) {
        violations.push(violation('serialised-deploys', { ...at, path: [...at.path, 'cancel-in-progress'] }, `\`cancel-in-progress:\` must be the literal \`false\` (found ${concurrency['cancel-in-progress'] === undefined ? 'none' : `\`${String(concurrency['cancel-in-progress'])}\``}): a cancelled deploy can leave the host half-switched`));
      }
      if (typeof concurrency.group !== 'string' || concurrency.group.trim() === '') {
        violations.push(violation('serialised-deploys', { ...at, path: [...at.path, 'group'] }, '`concurrency:` has no `group:`'));
      } else {
        groups.push({ job, group: concurrency.group });
      }
    }
    for (const { job, group } of groups) {
      if (DEPLOY_GROUPS.includes(group)) continue;
      violations.push(
        violation('serialised-deploys', { workflow: job.workflow, job, path: [...job.path, 'concurrency', 'group'] }, `concurrency group \`${group}\` is not one of ${DEPLOY_GROUPS.map((g) => `\`${g}\``).join(', ')}; Pi deploy and switch jobs share their environment's group`),
      );
    }
    return violations;
  },
};
