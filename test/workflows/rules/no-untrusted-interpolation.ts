import type { StepRef } from '../workflow.js';
import { classifyUses, jobs, repositoryOf, steps } from '../workflow.js';
import type { Rule, Violation } from './rule.js';
import { violation } from './rule.js';

// no-untrusted-interpolation: `${{ }}` is pasted into a script before the shell or JavaScript
// parses it, so text from inputs, events, refs, step or job outputs, env or secrets can inject code.
// Strict: inside `run:` (and actions/github-script's `script:`) only a few values that no user can
// choose may be interpolated; everything else goes through `env:` and is read as "$NAME"
// (`process.env.NAME` in github-script).

/** The whole expression must be one of these. */
const SAFE: readonly RegExp[] = [/^runner\.[A-Za-z_]+$/, /^github\.(?:workspace|run_id|run_attempt|sha)$/];

const isSafe = (expression: string): boolean => SAFE.some((pattern) => pattern.test(expression.trim()));

function checkScript(step: StepRef, script: unknown, key: 'run' | 'script', path: readonly (string | number)[]): Violation[] {
  if (typeof script !== 'string' || !script.includes('${{')) return [];
  const unsafe = [...script.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => (match[1] ?? '').trim()).filter((expression) => !isSafe(expression));
  const opened = script.split('${{').length - 1;
  const closed = [...script.matchAll(/\$\{\{[\s\S]*?\}\}/g)].length;
  const found = [...new Set(unsafe)].map((expression) => `\`\${{ ${expression} }}\``);
  if (opened > closed) found.push('an unclosed `${{`');
  if (found.length === 0) return [];
  return [
    violation(
      'no-untrusted-interpolation',
      { workflow: step.job.workflow, step, path },
      `\`${key}:\` interpolates ${found.join(', ')}; pass values through \`env:\` and read them as ${key === 'run' ? '"$NAME"' : 'process.env.NAME'} (only runner.*, github.workspace, github.run_id, github.run_attempt and github.sha may be interpolated)`,
    ),
  ];
}

export const noUntrustedInterpolation: Rule = {
  id: 'no-untrusted-interpolation',
  summary: '`run:` and github-script `script:` interpolate no `${{ }}` but runner.*, github.workspace, github.run_id, github.run_attempt and github.sha',
  check: (workflows) =>
    workflows.flatMap((workflow) =>
      jobs(workflow).flatMap((job) =>
        steps(job).flatMap((step) => {
          const found = checkScript(step, step.def.run, 'run', [...step.path, 'run']);
          const uses = typeof step.def.uses === 'string' ? classifyUses(step.def.uses) : undefined;
          const withs = step.def.with;
          if (uses?.kind === 'third-party' && repositoryOf(uses.name) === 'actions/github-script' && typeof withs === 'object' && withs !== null) {
            found.push(...checkScript(step, (withs as Record<string, unknown>).script, 'script', [...step.path, 'with', 'script']));
          }
          return found;
        }),
      ),
    ),
};
