import type { JobRef, Path, StepRef, Workflow } from '../workflow.js';
import { jobLabel, lineOf, stepLabel } from '../workflow.js';

export type RuleId =
  | 'workflow-syntax'
  | 'least-privilege'
  | 'pinned-actions'
  | 'trusted-triggers'
  | 'no-untrusted-interpolation'
  | 'serialised-deploys';

export interface Violation {
  rule: RuleId;
  /** The workflow file. */
  file: string;
  /** The job id (with its `name:` in brackets when it has one); absent for a workflow-level violation. */
  job?: string;
  /** The step, as `#N "name, id, uses or run"`. */
  step?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  message: string;
}

export interface Rule {
  id: RuleId;
  /** One line: what the rule requires. */
  summary: string;
  /** Checks every workflow of a repository together (some rules compare workflows with each other). */
  check(workflows: readonly Workflow[]): Violation[];
}

/** A violation located at `path` in the workflow, in `job` and `step` when given. */
export function violation(
  rule: RuleId,
  at: { workflow: Workflow; job?: JobRef; step?: StepRef; path?: Path },
  message: string,
): Violation {
  const job = at.step?.job ?? at.job;
  const path = at.path ?? at.step?.path ?? job?.path;
  // The line of the node at `path`, or of the nearest enclosing one when it is missing.
  let line: number | undefined;
  for (let end = path?.length ?? -1; line === undefined && end >= 0; end -= 1) line = lineOf(at.workflow, path!.slice(0, end));
  return {
    rule,
    file: at.workflow.file,
    ...(job === undefined ? {} : { job: jobLabel(job) }),
    ...(at.step === undefined ? {} : { step: stepLabel(at.step) }),
    ...(line === undefined ? {} : { line }),
    message,
  };
}
