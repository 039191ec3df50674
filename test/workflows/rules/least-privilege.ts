import type { JobRef, Workflow } from '../workflow.js';
import { isMapping, jobs } from '../workflow.js';
import type { Rule, Violation } from './rule.js';
import { violation } from './rule.js';

// least-privilege: the GITHUB_TOKEN starts with nothing. Every workflow sets `permissions:` at the
// top, read-only (`{}`, `read-all`, or scopes at `read`/`none`); a job widens only the scopes it
// needs (`contents: write`, `deployments: write`, ...), never `write-all`.

const ACCESS = new Set(['read', 'write', 'none']);

function topLevel(workflow: Workflow): Violation[] {
  const at = { workflow, path: ['permissions'] };
  if (!('permissions' in workflow.data)) {
    return [violation('least-privilege', at, 'no top-level `permissions:`; set it explicitly, read-only: `permissions: {}` or `permissions: { contents: read }`, and widen per job')];
  }
  const permissions = workflow.data.permissions;
  if (permissions === 'read-all') return [];
  if (typeof permissions === 'string') {
    return [violation('least-privilege', at, `top-level \`permissions: ${permissions}\`; the workflow level must be read-only (\`{}\` or \`contents: read\`), jobs widen what they need`)];
  }
  if (!isMapping(permissions)) {
    return [violation('least-privilege', at, 'top-level `permissions:` must be a mapping of scopes (`{}` or `contents: read`), not empty or a list')];
  }
  return Object.entries(permissions).flatMap(([scope, access]) =>
    access === 'read' || access === 'none'
      ? []
      : [violation('least-privilege', { workflow, path: ['permissions', scope] }, access === 'write'
          ? `top-level \`${scope}: write\`; write scopes belong to the jobs that need them`
          : `top-level \`${scope}: ${String(access)}\` is not \`read\` or \`none\``)],
  );
}

function job(ref: JobRef): Violation[] {
  if (!('permissions' in ref.def)) return [];
  const permissions = ref.def.permissions;
  const at = { workflow: ref.workflow, job: ref, path: [...ref.path, 'permissions'] };
  if (permissions === 'read-all') return [];
  if (typeof permissions === 'string') {
    return [violation('least-privilege', at, `\`permissions: ${permissions}\`; name only the scopes the job needs (e.g. \`contents: write\`)`)];
  }
  if (!isMapping(permissions)) return [violation('least-privilege', at, '`permissions:` must be a mapping of scopes')];
  return Object.entries(permissions).flatMap(([scope, access]) =>
    typeof access === 'string' && ACCESS.has(access)
      ? []
      : [violation('least-privilege', { ...at, path: [...at.path, scope] }, `\`${scope}: ${String(access)}\` is not \`read\`, \`write\` or \`none\``)],
  );
}

export const leastPrivilege: Rule = {
  id: 'least-privilege',
  summary: 'top-level `permissions:` is explicit and read-only; jobs widen only named scopes, never `write-all`',
  check: (workflows) => workflows.flatMap((workflow) => [...topLevel(workflow), ...jobs(workflow).flatMap(job)]),
};
