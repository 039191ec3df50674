import type { Workflow } from '../workflow.js';
import { isMapping, isPiJob, jobs, reachesPi, triggers } from '../workflow.js';
import type { Rule } from './rule.js';
import { violation } from './rule.js';

// trusted-triggers: a Pi job (a job whose runner may be self-hosted: see runsOnMaybeSelfHosted) runs
// code on the host that serves production, so only people with write access may start it:
// `push` to `main` or to tags, `workflow_dispatch`, and `workflow_call` (whose callers are checked
// in turn: a job calling a reusable workflow with Pi jobs counts as a Pi job in the caller).
// `pull_request`, `pull_request_target`, `issue_comment`, `schedule`, a push to any other branch,
// ... make the workflow untrusted for Pi jobs.

const TRUSTED_BRANCHES = new Set(['main']);

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** Why an event makes the workflow untrusted for Pi jobs; undefined when it is trusted. */
function untrusted(event: string, config: unknown): string | undefined {
  if (event === 'workflow_dispatch' || event === 'workflow_call') return undefined;
  if (event !== 'push') return `\`${event}\``;
  const filters = isMapping(config) ? config : {};
  if (filters['branches-ignore'] !== undefined) return '`push` with `branches-ignore` (runs for every other branch)';
  const branches = asList(filters.branches);
  const hasTags = filters.tags !== undefined || filters['tags-ignore'] !== undefined;
  if (branches.length === 0) return hasTags ? undefined : '`push` to any branch (give `branches: [main]` and/or `tags:`)';
  const others = branches.filter((branch) => typeof branch !== 'string' || !TRUSTED_BRANCHES.has(branch));
  return others.length === 0 ? undefined : `\`push\` to branches ${others.map((branch) => `\`${String(branch)}\``).join(', ')} (only \`main\` is trusted)`;
}

function check(workflow: Workflow, workflows: readonly Workflow[]) {
  const reasons = [...triggers(workflow)].flatMap(([event, config]) => {
    const reason = untrusted(event, config);
    return reason === undefined ? [] : [reason];
  });
  if (reasons.length === 0) return [];
  return jobs(workflow)
    .filter((job) => reachesPi(job, workflows))
    .map((job) =>
      violation(
        'trusted-triggers',
        { workflow, job, path: [...job.path, isPiJob(job) ? 'runs-on' : 'uses'] },
        `${isPiJob(job) ? 'runs on a runner that may be self-hosted (the Pi)' : 'calls a reusable workflow that may run on the Pi (self-hosted)'} in a workflow triggered by ${reasons.join(', ')}; Pi jobs run only on push to main or tags, workflow_dispatch and workflow_call`,
      ),
    );
}

export const trustedTriggers: Rule = {
  id: 'trusted-triggers',
  summary: 'jobs that may run on a self-hosted runner only exist in workflows triggered by push (main, tags), workflow_dispatch or workflow_call',
  check: (workflows) => workflows.flatMap((workflow) => check(workflow, workflows)),
};
