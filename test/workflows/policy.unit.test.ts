import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { actionlint, actionlintWorkflow, formatFinding } from './actionlint.js';
import type { RuleId, Violation } from './policy.js';
import { checkSources, formatViolation, loadWorkflow, ruleIds, rules } from './policy.js';

// Each rule of the workflow policy fires on deliberately bad workflows (fixtures/bad, one rule
// each, named in the fixture's first comment), naming the file, the job, the step and the rule;
// the good fixtures (a release, a switch, a CI and a self-release workflow in the shapes the
// repository's own take) pass every rule and actionlint.

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const names = (kind: 'good' | 'bad'): string[] => readdirSync(join(fixtures, kind)).filter((name) => /\.ya?ml$/.test(name)).sort();
const read = (kind: 'good' | 'bad', name: string) => ({ file: `${kind}/${name}`, source: readFileSync(join(fixtures, kind, name), 'utf8') });
const good = names('good');
const bad = names('bad');
const report = (violations: readonly Violation[]): string => violations.map(formatViolation).join('\n') || '(no violations)';

describe('good fixtures', () => {
  test('exist', () => {
    expect(good.length).toBeGreaterThanOrEqual(3);
  });

  test('pass every rule together (one deploy concurrency group across files)', async () => {
    const violations = await checkSources(good.map((name) => read('good', name)));
    expect(violations, report(violations)).toEqual([]);
  });

  test.each(good)('%s passes every rule alone', async (name) => {
    const violations = await checkSources([read('good', name)]);
    expect(violations, report(violations)).toEqual([]);
  });

  test.each(good)('%s passes actionlint', async (name) => {
    const { file, source } = read('good', name);
    const findings = await actionlintWorkflow(await loadWorkflow(file, source));
    expect(findings.map((finding) => formatFinding(file, finding))).toEqual([]);
  });

  test('actionlint reports a custom label only where runs-on does not name self-hosted', async () => {
    const source = read('good', 'switch-environment.yml').source;
    expect((await actionlint(source, 'x.yml')).map((finding) => finding.kind)).toEqual(['runner-label']);
    expect(await actionlintWorkflow(await loadWorkflow('x.yml', source))).toEqual([]);
    const hosted = source.replace('[self-hosted, pi]', '[ubuntu-latest, pi]');
    expect((await actionlintWorkflow(await loadWorkflow('x.yml', hosted))).map((finding) => finding.kind)).toEqual(['runner-label']);
  });
});

interface BadCase {
  /** The fixture in fixtures/bad. */
  fixture: string;
  /** Check it together with the good fixtures (for rules that compare workflows). */
  withGood?: boolean;
  rule: RuleId;
  /** The job as violations name it; undefined for a workflow-level violation. */
  job: string | undefined;
  step?: string;
  /** A piece of the expected message. */
  message: string;
}

const SHA_CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';

const cases: BadCase[] = [
  { fixture: 'least-privilege-missing.yml', rule: 'least-privilege', job: undefined, message: 'no top-level `permissions:`' },
  { fixture: 'least-privilege-write-all.yml', rule: 'least-privilege', job: undefined, message: 'top-level `permissions: write-all`' },
  { fixture: 'least-privilege-top-write.yml', rule: 'least-privilege', job: undefined, message: 'top-level `packages: write`' },
  { fixture: 'least-privilege-job-write-all.yml', rule: 'least-privilege', job: 'publish', message: '`permissions: write-all`' },
  { fixture: 'pinned-actions-tag.yml', rule: 'pinned-actions', job: 'build', step: '#1 "Checkout"', message: '`actions/checkout@v4` is not pinned' },
  { fixture: 'pinned-actions-no-comment.yml', rule: 'pinned-actions', job: 'build', step: `#1 "${SHA_CHECKOUT}"`, message: 'has no version comment' },
  { fixture: 'pinned-actions-short-sha.yml', rule: 'pinned-actions', job: 'login', step: '#1 "docker/login-action@9780b0c"', message: 'is not pinned' },
  { fixture: 'pinned-actions-own-branch.yml', rule: 'pinned-actions', job: 'version', step: '#2 "owner/release-flow/actions/version@main"', message: 'not @main' },
  { fixture: 'pinned-actions-own-sha.yml', rule: 'pinned-actions', job: 'flow', step: '#1 "owner/release-flow@11bd71901bbe5b1630ceea73d27597364c9af683"', message: 'relative path (`./`) or as `owner/release-flow@v1`' },
  { fixture: 'pinned-actions-reusable.yml', rule: 'pinned-actions', job: 'scan', message: '`some-org/shared-workflows/.github/workflows/scan.yml@main` is not pinned' },
  { fixture: 'trusted-triggers-pull-request.yml', rule: 'trusted-triggers', job: 'smoke', message: 'triggered by `pull_request`' },
  { fixture: 'trusted-triggers-pull-request-target.yml', rule: 'trusted-triggers', job: 'check', message: 'triggered by `pull_request_target`' },
  { fixture: 'trusted-triggers-issue-comment.yml', rule: 'trusted-triggers', job: 'chatops', message: 'triggered by `issue_comment`' },
  { fixture: 'trusted-triggers-branch.yml', rule: 'trusted-triggers', job: 'preview', message: '`push` to branches `feature/**`' },
  { fixture: 'trusted-triggers-any-push.yml', rule: 'trusted-triggers', job: 'build-on-pi', message: '`push` to any branch' },
  { fixture: 'trusted-triggers-reusable.yml', rule: 'trusted-triggers', job: 'release', message: 'calls a reusable workflow that may run on the Pi' },
  { fixture: 'trusted-triggers-reusable.yml', withGood: true, rule: 'trusted-triggers', job: 'release', message: 'calls a reusable workflow that may run on the Pi' },
  { fixture: 'no-untrusted-interpolation-event.yml', rule: 'no-untrusted-interpolation', job: 'greet', step: '#1 "Greet"', message: '`${{ github.event.pull_request.title }}`' },
  { fixture: 'no-untrusted-interpolation-input.yml', rule: 'no-untrusted-interpolation', job: 'tag', step: '#1 "tag"', message: '`${{ inputs.version }}`' },
  { fixture: 'no-untrusted-interpolation-outputs.yml', rule: 'no-untrusted-interpolation', job: 'first', step: '#2 "Print notes"', message: '`${{ steps.notes.outputs.notes }}`' },
  { fixture: 'no-untrusted-interpolation-outputs.yml', rule: 'no-untrusted-interpolation', job: 'second', step: '#1 "Use token"', message: '`${{ needs.first.outputs.notes }}`, `${{ secrets.GITHUB_TOKEN }}`' },
  { fixture: 'no-untrusted-interpolation-github-script.yml', rule: 'no-untrusted-interpolation', job: 'label', step: '#1 "Label"', message: '`script:` interpolates `${{ github.head_ref }}`' },
  { fixture: 'serialised-deploys-no-concurrency.yml', rule: 'serialised-deploys', job: 'deploy', message: 'without `concurrency:`' },
  { fixture: 'serialised-deploys-cancel.yml', rule: 'serialised-deploys', job: 'on-pi', message: '`cancel-in-progress:` must be the literal `false` (found `true`)' },
  { fixture: 'serialised-deploys-groups.yml', rule: 'serialised-deploys', job: 'rollback', message: 'concurrency group `rollback-${{ github.ref }}` is not one of `release-flow-pi-prod`' },
  { fixture: 'serialised-deploys-string.yml', rule: 'serialised-deploys', job: 'pi (Switch environment)', message: 'must be a mapping' },
  { fixture: 'serialised-deploys-other-group.yml', withGood: true, rule: 'serialised-deploys', job: 'deploy-dev', message: 'concurrency group `dev-deploys` is not one of' },
  { fixture: 'workflow-syntax-unknown-key.yml', rule: 'workflow-syntax', job: undefined, message: "Unexpected value 'step'" },
  { fixture: 'workflow-syntax-expression.yml', rule: 'workflow-syntax', job: undefined, message: "Unrecognized named-value: 'foo'" },
  { fixture: 'workflow-syntax-yaml.yml', rule: 'workflow-syntax', job: undefined, message: 'YAML' },
];

describe('bad fixtures', () => {
  test.each(cases)('$fixture breaks $rule (job $job, step $step)', async ({ fixture, withGood, rule, job, step, message }) => {
    const violations = await checkSources([read('bad', fixture), ...(withGood ? good.map((name) => read('good', name)) : [])]);
    // The fixture breaks its rule and no other (and the good fixtures beside it break nothing).
    expect(violations.length, report(violations)).toBeGreaterThan(0);
    expect(new Set(violations.map((violation) => violation.rule)), report(violations)).toEqual(new Set([rule]));
    expect(new Set(violations.map((violation) => violation.file)), report(violations)).toEqual(new Set([`bad/${fixture}`]));
    const found = violations.find((violation) => violation.job === job && violation.step === step && violation.message.includes(message));
    expect(found, `expected job ${String(job)}, step ${String(step)}, message with ${message} in:\n${report(violations)}`).toBeDefined();
    const text = formatViolation(found!);
    expect(text).toContain(`bad/${fixture}`);
    expect(text).toContain(`[${rule}]`);
    if (job !== undefined) expect(text).toContain(`job "${job}"`);
    if (step !== undefined) expect(text).toContain(`step ${step}`);
    expect(found!.line, text).toBeGreaterThan(0);
  });

  test.each(bad)('%s is in the table above and names its rule in its first comment', (name) => {
    const rule = cases.find((entry) => entry.fixture === name)?.rule;
    expect(rule, `${name} has no case`).toBeDefined();
    expect(read('bad', name).source.split('\n')[0]).toContain(`# BAD (${rule}):`);
  });

  test.each(ruleIds)('rule %s has at least one bad fixture', (rule) => {
    expect(cases.some((entry) => entry.rule === rule)).toBe(true);
  });

  test('rule ids are unique', () => {
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  });
});

// The edges of the rules, on small inline workflows: what passes and what does not.
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';
const workflowWith = ({ on = 'workflow_dispatch', permissions = '{}', runsOn = 'ubuntu-latest', job = '', step = `- uses: ${CHECKOUT} # v4.2.2` } = {}) =>
  `on: ${on}\npermissions: ${permissions}\njobs:\n  work:\n    runs-on: ${runsOn}\n${job}    steps:\n      ${step}\n`;

describe('rule edges', () => {
  test.each<[string, string, RuleId[]]>([
    ['a quoted pinned uses with its comment', workflowWith({ step: `- uses: '${CHECKOUT}' # v4.2.2` }), []],
    ['a pinned uses with a comment that is no version', workflowWith({ step: `- uses: ${CHECKOUT} # latest` }), ['pinned-actions']],
    ['a local action', workflowWith({ step: '- uses: ./actions/deploy/' }), []],
    ['our own action at @v1, any letter case', workflowWith({ step: '- uses: Owner/Release-Flow/actions/notes@v1' }), []],
    ['a docker:// image (out of scope)', workflowWith({ step: '- uses: docker://alpine:3.20' }), []],
    ['top-level read-all', workflowWith({ permissions: 'read-all' }), []],
    ['top-level contents: read, job contents: write', workflowWith({ permissions: '{ contents: read }', job: '    permissions: { contents: write }\n' }), []],
    ['top-level `permissions:` left empty', workflowWith({ permissions: '' }), ['workflow-syntax', 'least-privilege']],
    ['a Pi job on tag pushes only', workflowWith({ on: '{ push: { tags: ["v*"] } }', runsOn: 'self-hosted' }), []],
    ['a Pi job on pushes to main and tags', workflowWith({ on: '{ push: { branches: [main], tags: ["v*"] } }', runsOn: '[self-hosted, ARM64]' }), []],
    ['a Pi job on any push', workflowWith({ on: '[push]', runsOn: 'self-hosted' }), ['trusted-triggers']],
    ['a Pi job on a schedule', workflowWith({ on: '{ schedule: [{ cron: "0 3 * * *" }] }', runsOn: 'self-hosted' }), ['trusted-triggers']],
    ['a Pi job on workflow_run', workflowWith({ on: '{ workflow_run: { workflows: [ci], types: [completed] } }', runsOn: 'self-hosted' }), ['trusted-triggers']],
    ['a runner group counts as self-hosted', workflowWith({ on: 'pull_request', runsOn: '{ group: pi-runners }' }), ['trusted-triggers']],
    ['a hosted job on pull_request', workflowWith({ on: 'pull_request', runsOn: 'ubuntu-24.04-arm' }), []],
    ['runner.*, github.workspace, github.run_id, github.run_attempt, github.sha in run', workflowWith({ step: '- run: echo "${{ runner.temp }} ${{ github.workspace }} ${{github.run_id}} ${{ github.run_attempt }} ${{ github.sha }}"' }), []],
    ['github.token in run', workflowWith({ step: '- run: echo "${{ github.sha }} ${{ github.token }}"' }), ['no-untrusted-interpolation']],
    ['github.ref_name in run', workflowWith({ step: '- run: echo "${{ github.ref_name }}"' }), ['no-untrusted-interpolation']],
    ['env.* in run', workflowWith({ step: '- run: echo "${{ env.NAME }}"' }), ['no-untrusted-interpolation']],
    ['a hosted job named deploy needs no concurrency', workflowWith({ job: '    name: deploy docs\n' }), []],
  ])('%s', async (_, source, expected) => {
    const violations = await checkSources([{ file: 'inline.yml', source }]);
    expect([...new Set(violations.map((violation) => violation.rule))], report(violations)).toEqual(expected);
  });
});
