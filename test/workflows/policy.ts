import { leastPrivilege } from './rules/least-privilege.js';
import { noUntrustedInterpolation } from './rules/no-untrusted-interpolation.js';
import { pinnedActions } from './rules/pinned-actions.js';
import type { Rule, RuleId, Violation } from './rules/rule.js';
import { serialisedDeploys } from './rules/serialised-deploys.js';
import { trustedTriggers } from './rules/trusted-triggers.js';
import type { Workflow } from './workflow.js';
import { loadWorkflow } from './workflow.js';

// The workflow security policy: rules with stable ids, checked over all of a repository's workflows
// together (test/workflows/repository.unit.test.ts runs them on .github/workflows;
// policy.unit.test.ts proves each fires on the fixtures in fixtures/bad).

export type { Rule, RuleId, Violation } from './rules/rule.js';
export type { Workflow } from './workflow.js';
export { OWN_MAJOR_TAG, OWN_REPOSITORY, loadWorkflow } from './workflow.js';

export const rules: readonly Rule[] = [leastPrivilege, pinnedActions, trustedTriggers, noUntrustedInterpolation, serialisedDeploys];

/** Every rule id, including `workflow-syntax` (a YAML or @actions/workflow-parser error). */
export const ruleIds: readonly RuleId[] = ['workflow-syntax', ...rules.map((rule) => rule.id)];

/** `workflow-syntax` violations: the YAML and @actions/workflow-parser errors of each workflow. */
export function syntaxViolations(workflows: readonly Workflow[]): Violation[] {
  return workflows.flatMap((workflow) =>
    workflow.errors.map(({ line, message }) => ({ rule: 'workflow-syntax' as const, file: workflow.file, ...(line === undefined ? {} : { line }), message })),
  );
}

/** Every violation of every rule (and every parse error) over a repository's workflows. */
export function checkWorkflows(workflows: readonly Workflow[]): Violation[] {
  const parsed = workflows.filter((workflow) => workflow.yamlParsed);
  return [...syntaxViolations(workflows), ...rules.flatMap((rule) => rule.check(parsed))];
}

/** Loads the given `{ file, source }` workflows and checks them together. */
export async function checkSources(sources: readonly { file: string; source: string }[]): Promise<Violation[]> {
  return checkWorkflows(await Promise.all(sources.map(({ file, source }) => loadWorkflow(file, source))));
}

/** `file:line: [rule] job "id" step #N "name": message` */
export function formatViolation(violation: Violation): string {
  const where = `${violation.file}${violation.line === undefined ? '' : `:${violation.line}`}`;
  const job = violation.job === undefined ? '' : ` job "${violation.job}"`;
  const step = violation.step === undefined ? '' : ` step ${violation.step}`;
  return `${where}: [${violation.rule}]${job}${step}: ${violation.message}`;
}
