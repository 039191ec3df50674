import { LineCounter, isNode, parseDocument } from 'yaml';
import { workflowParserErrors } from './parser.js';

// A workflow as the policy rules see it: the plain data (the `yaml` package's parse, where a rule
// reads a key directly), the source lines (for the `# vX.Y.Z` comment after a pinned `uses:`), and
// the errors of GitHub's own parser, @actions/workflow-parser, which every workflow goes through too.

/** This repository, as other repositories' workflows name it in `uses:`. */
export const OWN_REPOSITORY = 'owner/release-flow';
/** The only ref by which our own actions and reusable workflows may be used from a remote `uses:`. */
export const OWN_MAJOR_TAG = 'v1';

export type Path = readonly (string | number)[];
export type Mapping = Record<string, unknown>;

export interface Workflow {
  /** The file as violations name it (relative to the repository, or the fixture's name). */
  file: string;
  source: string;
  /** The parsed YAML; `{}` when it is not a mapping. */
  data: Mapping;
  /** Whether the YAML parsed; the policy rules only look at workflows whose YAML did. */
  yamlParsed: boolean;
  /** YAML syntax errors and @actions/workflow-parser errors; empty for a valid workflow. */
  errors: { line?: number; message: string }[];
  /** First and last line (1-based) of the node at `path`, undefined when there is none. */
  linesOf(path: Path): { first: number; last: number } | undefined;
  /** The text of a 1-based source line. */
  lineText(line: number): string;
}

export interface JobRef {
  workflow: Workflow;
  id: string;
  def: Mapping;
  path: Path;
}

export interface StepRef {
  job: JobRef;
  index: number;
  def: Mapping;
  path: Path;
}

export const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isExpression = (value: string): boolean => value.includes('${{');

export async function loadWorkflow(file: string, source: string): Promise<Workflow> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const errors: Workflow['errors'] = doc.errors.map((error) => ({ line: lineCounter.linePos(error.pos[0]).line, message: `YAML: ${error.message}` }));
  let data: unknown = {};
  if (errors.length === 0) {
    try {
      data = doc.toJS();
    } catch (error) {
      errors.push({ message: `YAML: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  const yamlParsed = errors.length === 0;
  errors.push(...(await workflowParserErrors(file, source)).map(({ message, ...at }) => ({ ...at, message: `@actions/workflow-parser: ${message}` })));
  const lines = source.split(/\r?\n/);
  return {
    file,
    source,
    data: isMapping(data) ? data : {},
    yamlParsed,
    errors,
    linesOf(path) {
      const node = doc.getIn(path, true);
      if (!isNode(node) || !node.range) return undefined;
      return { first: lineCounter.linePos(node.range[0]).line, last: lineCounter.linePos(Math.max(node.range[0], node.range[1] - 1)).line };
    },
    lineText: (line) => lines[line - 1] ?? '',
  };
}

export const lineOf = (workflow: Workflow, path: Path): number | undefined => workflow.linesOf(path)?.first;

/** The events of `on:` (a string, a list or a mapping), each with its configuration (null when none). */
export function triggers(workflow: Workflow): Map<string, unknown> {
  const on = workflow.data.on;
  if (typeof on === 'string') return new Map([[on, null]]);
  if (Array.isArray(on)) return new Map(on.filter((event) => typeof event === 'string').map((event) => [event, null]));
  if (isMapping(on)) return new Map(Object.entries(on));
  return new Map();
}

export function jobs(workflow: Workflow): JobRef[] {
  const all = workflow.data.jobs;
  if (!isMapping(all)) return [];
  return Object.entries(all)
    .filter((entry): entry is [string, Mapping] => isMapping(entry[1]))
    .map(([id, def]) => ({ workflow, id, def, path: ['jobs', id] }));
}

export function steps(job: JobRef): StepRef[] {
  const list = job.def.steps;
  if (!Array.isArray(list)) return [];
  return list.flatMap((def: unknown, index) => (isMapping(def) ? [{ job, index, def, path: [...job.path, 'steps', index] }] : []));
}

/** How violations name a job: its id, and its `name:` when it has one. */
export function jobLabel(job: JobRef): string {
  return typeof job.def.name === 'string' && job.def.name !== job.id ? `${job.id} (${job.def.name})` : job.id;
}

/** How violations name a step: its 1-based position and its name, id, `uses:` or first `run:` line. */
export function stepLabel(step: StepRef): string {
  const { name, id, uses, run } = step.def;
  const title = [name, id, uses, typeof run === 'string' ? run.trim().split('\n')[0] : undefined].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  return title === undefined ? `#${step.index + 1}` : `#${step.index + 1} "${title.length > 60 ? `${title.slice(0, 57)}...` : title}"`;
}

// ---- uses: ---------------------------------------------------------------------------------------

export type UsesRef =
  | { kind: 'local'; path: string }
  | { kind: 'docker'; image: string }
  | { kind: 'own'; path: string; ref: string | undefined }
  | { kind: 'third-party'; name: string; ref: string | undefined };

/**
 * Classifies a step's or a job's `uses:`. `path` of a local or own reference is the path inside
 * this repository without a leading `./` or trailing `/` (`''` for the root action).
 */
export function classifyUses(uses: string): UsesRef {
  const value = uses.trim();
  if (value.startsWith('./')) return { kind: 'local', path: value.slice(2).replace(/\/+$/, '') };
  if (value.startsWith('docker://')) return { kind: 'docker', image: value.slice('docker://'.length) };
  const at = value.lastIndexOf('@');
  const name = at === -1 ? value : value.slice(0, at);
  const ref = at === -1 ? undefined : value.slice(at + 1);
  const own = OWN_REPOSITORY.toLowerCase();
  const lower = name.toLowerCase();
  if (lower === own || lower.startsWith(`${own}/`)) return { kind: 'own', path: name.slice(own.length + 1).replace(/\/+$/, ''), ref };
  return { kind: 'third-party', name, ref };
}

/** The repository of a third-party `uses:` name (`actions/cache/save` → `actions/cache`). */
export const repositoryOf = (name: string): string => name.split('/').slice(0, 2).join('/').toLowerCase();

// ---- Pi jobs -------------------------------------------------------------------------------------

const isSelfHostedLabel = (label: unknown): boolean => typeof label === 'string' && label.trim().toLowerCase() === 'self-hosted';

/**
 * Whether a `runs-on:` may select a self-hosted runner: the literal `self-hosted` label, a runner
 * group, or any expression (e.g. `${{ fromJSON(inputs.runner) }}`, whose default names the Pi),
 * since its value is only known at run time. Anything unexpected counts as self-hosted too.
 */
export function runsOnMaybeSelfHosted(runsOn: unknown): boolean {
  if (typeof runsOn === 'string') return isExpression(runsOn) || isSelfHostedLabel(runsOn);
  if (Array.isArray(runsOn)) return runsOn.some((label) => typeof label !== 'string' || isExpression(label) || isSelfHostedLabel(label));
  if (isMapping(runsOn)) return runsOn.group !== undefined || runsOnMaybeSelfHosted(runsOn.labels ?? []);
  return runsOn !== undefined && runsOn !== null;
}

/** Whether `runs-on:` names the literal `self-hosted` label (a custom label beside it is then fine). */
export function runsOnSelfHostedLiterally(runsOn: unknown): boolean {
  if (typeof runsOn === 'string') return isSelfHostedLabel(runsOn);
  if (Array.isArray(runsOn)) return runsOn.some(isSelfHostedLabel);
  if (isMapping(runsOn)) return runsOnSelfHostedLiterally(runsOn.labels);
  return false;
}

/** A "Pi job": a job with steps whose runner may be self-hosted (see runsOnMaybeSelfHosted). */
export const isPiJob = (job: JobRef): boolean => job.def.uses === undefined && runsOnMaybeSelfHosted(job.def['runs-on']);

/**
 * The workflow a job calls with `uses:` (a reusable-workflow job), among `workflows`: a local
 * `./.github/workflows/x.yml` or our own `owner/release-flow/.github/workflows/x.yml@v1` is
 * matched by file name. Undefined for a third-party workflow or a file not among `workflows`.
 */
export function calledWorkflow(job: JobRef, workflows: readonly Workflow[]): Workflow | undefined {
  if (typeof job.def.uses !== 'string') return undefined;
  const target = classifyUses(job.def.uses);
  if (target.kind !== 'local' && target.kind !== 'own') return undefined;
  const base = target.path.split('/').pop();
  return workflows.find((workflow) => workflow.file.split('/').pop() === base);
}

/**
 * Whether a job runs on the Pi, itself or through the reusable workflow it calls (whose jobs run
 * with the caller's trigger). A called workflow that cannot be read (third-party, or not among
 * `workflows`) may have Pi jobs, so it counts as one.
 */
export function reachesPi(job: JobRef, workflows: readonly Workflow[], seen: Set<Workflow> = new Set()): boolean {
  if (typeof job.def.uses !== 'string') return isPiJob(job);
  const called = calledWorkflow(job, workflows);
  if (called === undefined) return true;
  if (seen.has(called)) return false;
  seen.add(called);
  return jobs(called).some((calledJob) => reachesPi(calledJob, workflows, seen));
}
