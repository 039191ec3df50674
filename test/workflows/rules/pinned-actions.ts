import type { Path, Workflow } from '../workflow.js';
import { OWN_MAJOR_TAG, OWN_REPOSITORY, classifyUses, jobs, lineOf, steps } from '../workflow.js';
import type { Rule, Violation } from './rule.js';
import { violation } from './rule.js';

// pinned-actions: a third-party action or reusable workflow runs with our token and secrets, so
// it is pinned to a full commit SHA (a tag can be moved) with the version as a comment for humans
// and Dependabot: `uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`.
// Our own actions and workflows are used by relative path (`./actions/deploy`,
// `./.github/workflows/release.yml`) or, from outside, by the major tag only (`@v1`).
// `docker://` images are out of this rule's scope.

const SHA = /^[0-9a-f]{40}$/;
/** After the pinned value, on the same line: `# v4`, `# v4.2`, `# v4.2.2` (optionally more text). */
const VERSION_COMMENT = /^\s+#\s*v\d+(?:\.\d+)*(?:[-+][\w.-]*)?(?:\s|$)/;

function checkUses(workflow: Workflow, uses: unknown, path: Path, at: Parameters<typeof violation>[1]): Violation[] {
  if (typeof uses !== 'string') return [];
  const target = classifyUses(uses);
  switch (target.kind) {
    case 'local':
    case 'docker':
      return [];
    case 'own':
      return target.ref === OWN_MAJOR_TAG
        ? []
        : [violation('pinned-actions', at, `\`${uses}\`: our own actions and workflows are used by relative path (\`./${target.path}\`) or as \`${OWN_REPOSITORY}${target.path ? `/${target.path}` : ''}@${OWN_MAJOR_TAG}\`, not @${target.ref ?? '(no ref)'}`)];
    case 'third-party': {
      if (target.ref === undefined || !SHA.test(target.ref)) {
        return [violation('pinned-actions', at, `\`${uses}\` is not pinned: use the full 40-character commit SHA of a release, with its version as a comment (\`${target.name}@<sha> # vX.Y.Z\`)`)];
      }
      const line = lineOf(workflow, path);
      const text = line === undefined ? '' : workflow.lineText(line);
      const end = text.indexOf(target.ref);
      const rest = end === -1 ? '' : text.slice(end + target.ref.length).replace(/^['"]/, '');
      return VERSION_COMMENT.test(rest)
        ? []
        : [violation('pinned-actions', at, `\`${uses}\` has no version comment: write the release the SHA is, on the same line (\`# vX.Y.Z\`)`)];
    }
  }
}

export const pinnedActions: Rule = {
  id: 'pinned-actions',
  summary: `third-party \`uses:\` are pinned to a full commit SHA with a \`# vX.Y.Z\` comment; ${OWN_REPOSITORY} is used by relative path or @${OWN_MAJOR_TAG}`,
  check: (workflows) =>
    workflows.flatMap((workflow) =>
      jobs(workflow).flatMap((job) => [
        ...checkUses(workflow, job.def.uses, [...job.path, 'uses'], { workflow, job, path: [...job.path, 'uses'] }),
        ...steps(job).flatMap((step) => checkUses(workflow, step.def.uses, [...step.path, 'uses'], { workflow, step, path: [...step.path, 'uses'] })),
      ]),
    ),
};
