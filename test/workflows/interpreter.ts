import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseOutputFile, projectRoot, runAction, type ActionName } from '../actions/run-action.js';
import { asString, evaluateCondition, evaluateTemplate, type Contexts, type Plain } from './interpreter-expressions.js';
import { standIns, type StandInOptions } from './interpreter-stand-ins.js';
import { workflowParserErrors } from './parser.js';

// A minimal, honest interpreter of OUR workflows (.github/workflows and a consumer of them), so
// that scenario tests run the same actions, in the same order, with the same inputs as GitHub
// would, read from the workflow files themselves:
//
// - The file is validated by @actions/workflow-parser (GitHub's schema and expression checks), and
//   read with `yaml` for its structure.
// - Jobs run one at a time in the order of `needs` (file order among jobs that are ready). A job's
//   `if:` gets the implied `success() &&` when it calls no status function; success() means every
//   job it needs, directly or not, succeeded. A skipped or failed job skips what needs it.
// - Every `${{ }}` (if, with, env, runs-on, outputs, environment, secrets, run scripts, workflow_call
//   outputs) is evaluated by @actions/expressions, with the contexts of that place: github, inputs
//   (typed, defaults applied), needs, steps, secrets, vars, env, jobs, runner.
// - `uses: owner/release-flow/actions/<name>@…` and `./actions/<name>` run the committed bundle
//   through test/actions/run-action.ts, as the runner does; `owner/release-flow/.github/workflows/
//   <x>.yml@…` on a job is interpreted recursively with its `with:` and secrets; `run:` runs in bash
//   with the runner's variables and file commands; third-party actions go to the stand-ins of
//   interpreter-stand-ins.ts, and an unknown one throws.
// - Whatever it does not implement (matrix, services, containers, continue-on-error, other shells,
//   path filters, …) throws, so a workflow that starts using it cannot be half-simulated.

export const OWN_REPOSITORY = 'owner/release-flow';

export type Result = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  index: number;
  id?: string;
  /** The step's `uses:`, or the first line of its `run:`. */
  name: string;
  kind: 'action' | 'stand-in' | 'run';
  status: 'ran' | 'skipped';
  outcome: Result;
  /** `with:` as evaluated (the strings the step was given). */
  with: Record<string, string>;
  env: Record<string, string>;
  outputs: Record<string, string>;
  exitCode?: number | null;
  /** `::error` messages of an action step, a stand-in's note, or the end of a run step's output. */
  detail?: string;
  summary?: string;
}

export interface JobRecord {
  /** `job`, or `caller/job` inside a called workflow. */
  id: string;
  /** The workflow file the job is in. */
  workflow: string;
  status: 'ran' | 'skipped';
  result: Result;
  needs: string[];
  /** runs-on, evaluated. */
  runsOn?: Plain;
  /** The called workflow, for a job with `uses:`. */
  calls?: string;
  /** `with:` of a called workflow, evaluated and typed. */
  with?: Record<string, Plain>;
  environment?: { name: string; url: string };
  outputs: Record<string, string>;
  steps: StepRecord[];
  summary: string;
  ms: number;
}

export interface WorkflowRun {
  file: string;
  event: string;
  /** Whether the event triggers the workflow at all (`on:` and its branch and tag filters); no job runs when not. */
  triggered: boolean;
  conclusion: 'success' | 'failure';
  /** Every job, called workflows' jobs included (`caller/job`), in the order they were decided. */
  jobs: JobRecord[];
  /** A job by id; throws when there is none. */
  job(id: string): JobRecord;
  /** `id:result` of every job, in order: the sequence a test asserts. */
  sequence(): string[];
}

export interface JobInfo {
  id: string;
  workflow: string;
  runsOn?: Plain;
}

export interface InterpreterOptions {
  /** The workflow file to run (a consumer, or one of .github/workflows). */
  workflow: string;
  event:
    | { name: 'push'; ref: string; sha: string }
    | { name: 'workflow_dispatch'; ref: string; sha: string; inputs?: Record<string, string> };
  /** `owner/name` of the repository the workflow runs in. */
  repository: string;
  /** Where actions/checkout clones it from (a file:// URL of a local bare repository). */
  repositoryUrl: string;
  /** GITHUB_API_URL: the fake GitHub API. */
  apiUrl: string;
  /** github.token, and the token the fake API accepts. */
  token: string;
  serverUrl?: string;
  actor?: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Where `owner/release-flow/.github/workflows/<x>.yml@…` is read: default this checkout's .github/workflows. */
  workflowsDir?: string;
  standIns?: StandInOptions;
  runId?: number;
  /** Called when a job is about to run (after its `if:` passed); may throw to stop the run there. */
  beforeJob?: (job: JobInfo) => void | Promise<void>;
  /** Wraps a job's run (e.g. to put a load on prod while the deploy job runs). */
  aroundJob?: (job: JobInfo, run: () => Promise<void>) => Promise<void>;
  log?: (line: string) => void;
  /** Per action step; default 180 s (a multi-arch build). */
  actionTimeoutMs?: number;
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

interface LoadedWorkflow {
  path: string;
  file: string;
  data: Mapping;
}

const validated = new Map<string, Promise<void>>();

/** Reads a workflow, after @actions/workflow-parser found no error in it. */
async function loadWorkflow(path: string): Promise<LoadedWorkflow> {
  const text = readFileSync(path, 'utf8');
  const file = basename(path);
  const key = `${file}\0${text}`;
  if (!validated.has(key)) {
    validated.set(
      key,
      workflowParserErrors(file, text).then((errors) => {
        if (errors.length) throw new Error(`${path} is not a valid workflow (@actions/workflow-parser):\n${errors.map((e) => `  ${e.line ?? '?'}: ${e.message}`).join('\n')}`);
      }),
    );
  }
  await validated.get(key);
  const data = parse(text) as unknown;
  if (!isMapping(data) || !isMapping(data.jobs)) throw new Error(`${path}: no jobs`);
  return { path, file, data };
}

// ---- small helpers ---------------------------------------------------------------------------------

function unsupported(where: string, what: string): never {
  throw new Error(`${where}: ${what} is not supported by the workflow interpreter (test/workflows/interpreter.ts); add it there before a workflow relies on it`);
}

function stringMap(value: Plain, where: string): Record<string, string> {
  if (value === null) return {};
  if (!isMapping(value)) throw new Error(`${where} is not a mapping`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asString(v as Plain)]));
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|STATE_|GIT_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/** GitHub's branch/tag filter patterns, the part our workflows use: `*` (not `/`) and `**`. */
function filterMatches(pattern: string, name: string): boolean {
  if (/[?+[\]!]/.test(pattern)) unsupported('on.push', `the filter pattern ${pattern}`);
  const regex = pattern
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${regex}$`).test(name);
}

function listOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** The env file-command format (`NAME=value`, `NAME<<DELIM`). */
function parseEnvFile(text: string): Record<string, string> {
  return text.trim() ? parseOutputFile(text) : {};
}

function runBash(script: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ exitCode, stdout, stderr });
    });
  });
}

// ---- the interpreter ------------------------------------------------------------------------------

interface CallContext {
  /** `caller/` for a called workflow's jobs, '' at the top. */
  prefix: string;
  inputs: Record<string, Plain>;
  secrets: Record<string, string>;
}

interface JobState {
  result: Result;
  outputs: Record<string, string>;
}

export async function runWorkflow(options: InterpreterOptions): Promise<WorkflowRun> {
  const log = options.log ?? (() => {});
  const workflowsDir = options.workflowsDir ?? join(projectRoot, '.github', 'workflows');
  const serverUrl = options.serverUrl ?? 'https://github.com';
  const actor = options.actor ?? 'octocat';
  const runId = String(options.runId ?? Math.floor(Math.random() * 1e9));
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'release-flow-workflow-run-')));
  const records: JobRecord[] = [];
  const event = options.event;
  const refName = event.ref.replace(/^refs\/(heads|tags)\//, '');
  const [owner = '', name = ''] = options.repository.split('/');
  const eventPayload: Plain = {
    ref: event.ref,
    ...(event.name === 'push' ? { after: event.sha, before: '0'.repeat(40), created: false, deleted: false, forced: false } : { inputs: event.inputs ?? {} }),
    repository: { full_name: options.repository, name, owner: { login: owner }, default_branch: 'main', html_url: `${serverUrl}/${options.repository}` },
    sender: { login: actor },
  };
  const eventPath = join(root, 'event.json');
  writeFileSync(eventPath, JSON.stringify(eventPayload, null, 2));
  let jobCounter = 0;

  const github = (extra: Record<string, string> = {}): Plain => ({
    event_name: event.name,
    event: eventPayload,
    ref: event.ref,
    ref_name: refName,
    ref_type: event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: event.sha,
    repository: options.repository,
    repository_owner: owner,
    actor,
    triggering_actor: actor,
    token: options.token,
    server_url: serverUrl,
    api_url: options.apiUrl,
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    ...extra,
  });

  /** The top-level workflow: is it triggered by this event, and with which inputs. */
  function triggerInputs(workflow: LoadedWorkflow): Record<string, Plain> | undefined {
    const on = workflow.data.on;
    const events: Record<string, unknown> = typeof on === 'string' ? { [on]: null } : Array.isArray(on) ? Object.fromEntries(on.map((e) => [String(e), null])) : isMapping(on) ? on : {};
    if (!(event.name in events)) return undefined;
    const config = events[event.name];
    if (event.name === 'push') {
      if (isMapping(config)) {
        for (const key of Object.keys(config)) if (!['branches', 'tags'].includes(key)) unsupported(`${workflow.file}: on.push`, key);
        const branches = listOf(config.branches);
        const tags = listOf(config.tags);
        const filtered = config.branches !== undefined || config.tags !== undefined;
        if (filtered) {
          const isTag = event.ref.startsWith('refs/tags/');
          const patterns = isTag ? tags : branches;
          if (!patterns.some((p) => filterMatches(p, refName))) return undefined;
        }
      }
      return {};
    }
    // workflow_dispatch: the form's values, typed; defaults for what was left out.
    const declared = isMapping(config) && isMapping(config.inputs) ? config.inputs : {};
    const given = event.inputs ?? {};
    const unexpected = Object.keys(given).filter((k) => !(k in declared));
    if (unexpected.length) throw new Error(`${workflow.file}: Unexpected inputs provided: ${unexpected.join(', ')}`);
    const inputs: Record<string, Plain> = {};
    for (const [key, spec] of Object.entries(declared)) {
      const s = isMapping(spec) ? spec : {};
      const type = String(s.type ?? 'string');
      const raw = key in given ? given[key]! : s.default === undefined ? undefined : String(s.default);
      if (raw === undefined || raw === '') {
        if (s.required === true && raw === undefined) throw new Error(`${workflow.file}: Required input '${key}' not provided`);
      }
      const text = raw ?? '';
      if (type === 'boolean') {
        if (!['true', 'false', ''].includes(text)) throw new Error(`${workflow.file}: input ${key} must be true or false, got ${JSON.stringify(text)}`);
        inputs[key] = text === 'true';
      } else if (type === 'number') {
        if (text !== '' && !Number.isFinite(Number(text))) throw new Error(`${workflow.file}: input ${key} must be a number, got ${JSON.stringify(text)}`);
        inputs[key] = text === '' ? null : Number(text);
      } else if (type === 'choice') {
        const options_ = listOf(s.options);
        if (!options_.includes(text)) throw new Error(`${workflow.file}: input ${key}: ${JSON.stringify(text)} is not one of ${options_.join(', ')}`);
        inputs[key] = text;
      } else if (type === 'string' || type === 'environment') {
        inputs[key] = text;
      } else unsupported(`${workflow.file}: input ${key}`, `type ${type}`);
    }
    return inputs;
  }

  /** `with:` of a call, checked and typed against the called workflow's workflow_call inputs. */
  function callInputs(called: LoadedWorkflow, given: Record<string, Plain>, where: string): Record<string, Plain> {
    const on = called.data.on;
    const call = isMapping(on) ? on.workflow_call : undefined;
    if (!isMapping(on) || !('workflow_call' in on)) throw new Error(`${where}: ${called.file} has no on.workflow_call, so it cannot be called`);
    const declared = isMapping(call) && isMapping(call.inputs) ? call.inputs : {};
    const unknown = Object.keys(given).filter((k) => !(k in declared));
    if (unknown.length) throw new Error(`${where}: Invalid input, ${unknown.join(', ')} is not defined in the referenced workflow ${called.file}`);
    const inputs: Record<string, Plain> = {};
    for (const [key, spec] of Object.entries(declared)) {
      const s = isMapping(spec) ? spec : {};
      const type = String(s.type);
      let value: Plain | undefined = key in given ? given[key] : undefined;
      if (value === undefined) {
        if (s.required === true) throw new Error(`${where}: Input ${key} is required, but not provided while calling ${called.file}`);
        value = s.default === undefined ? (type === 'boolean' ? false : type === 'number' ? 0 : '') : (s.default as Plain);
      }
      if (type === 'string') {
        if (value === null) value = '';
        if (typeof value !== 'string') throw new Error(`${where}: input ${key} of ${called.file}: Unexpected type of value ${JSON.stringify(value)}, expected type: String`);
      } else if (type === 'boolean') {
        if (typeof value !== 'boolean') throw new Error(`${where}: input ${key} of ${called.file}: Unexpected type of value ${JSON.stringify(value)}, expected type: Boolean`);
      } else if (type === 'number') {
        if (typeof value !== 'number') throw new Error(`${where}: input ${key} of ${called.file}: Unexpected value ${JSON.stringify(value)}, expected type: Number`);
      } else unsupported(`${called.file}: input ${key}`, `type ${type}`);
      inputs[key] = value;
    }
    return inputs;
  }

  function callSecrets(called: LoadedWorkflow, spec: unknown, caller: Record<string, string>, contexts: Contexts, where: string): Record<string, string> {
    if (spec === 'inherit') return { ...caller };
    const on = called.data.on as Mapping;
    const declared = isMapping(on.workflow_call) && isMapping(on.workflow_call.secrets) ? on.workflow_call.secrets : {};
    const given = spec === undefined ? {} : stringMap(evaluateTemplate(spec, contexts), `${where}: secrets`);
    const unknown = Object.keys(given).filter((k) => !(k in declared));
    if (unknown.length) throw new Error(`${where}: Invalid secret, ${unknown.join(', ')} is not defined in the referenced workflow ${called.file}`);
    for (const [key, s] of Object.entries(declared)) {
      if (isMapping(s) && s.required === true && !given[key]) throw new Error(`${where}: Secret ${key} is required, but not provided while calling ${called.file}`);
    }
    return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''));
  }

  /** `owner/release-flow/.github/workflows/x.yml@ref` → its file here. */
  function calledWorkflowPath(uses: string, where: string): string {
    const m = new RegExp(`^${OWN_REPOSITORY}/\\.github/workflows/([\\w.-]+\\.ya?ml)@[\\w.-]+$`, 'i').exec(uses) ?? /^\.\/\.github\/workflows\/([\w.-]+\.ya?ml)$/.exec(uses);
    if (!m) throw new Error(`${where}: uses: ${uses} is not one of this repository's reusable workflows; the interpreter runs no other`);
    return join(workflowsDir, m[1]!);
  }

  /** `owner/release-flow/actions/<name>@ref`, `owner/release-flow@ref` or `./actions/<name>` → the bundle's name. */
  function ownAction(uses: string): ActionName | undefined {
    const names: ActionName[] = ['version', 'notes', 'image', 'deploy', 'switch', 'release'];
    const remote = new RegExp(`^${OWN_REPOSITORY}(?:/actions/([\\w-]+))?@[\\w.-]+$`, 'i').exec(uses);
    const local = /^\.\/actions\/([\w-]+)\/?$/.exec(uses);
    if (remote) {
      if (remote[1] === undefined) return 'main';
      if (names.includes(remote[1] as ActionName)) return remote[1] as ActionName;
      throw new Error(`uses: ${uses}: there is no action ${remote[1]} in ${OWN_REPOSITORY}`);
    }
    if (local) {
      if (names.includes(local[1] as ActionName)) return local[1] as ActionName;
      throw new Error(`uses: ${uses}: there is no action ${local[1]} in ${OWN_REPOSITORY}`);
    }
    return undefined;
  }

  async function runFile(path: string, call: CallContext | undefined): Promise<{ conclusion: 'success' | 'failure'; jobs: Map<string, JobState>; outputs: Record<string, string> } | undefined> {
    const workflow = await loadWorkflow(path);
    let inputs: Record<string, Plain>;
    if (call) inputs = call.inputs;
    else {
      const triggered = triggerInputs(workflow);
      if (triggered === undefined) return undefined;
      inputs = triggered;
    }
    const secrets: Record<string, string> = { GITHUB_TOKEN: options.token, ...(call ? call.secrets : (options.secrets ?? {})) };
    const vars = options.vars ?? {};
    const prefix = call?.prefix ?? '';
    if (workflow.data.defaults !== undefined) unsupported(workflow.file, 'defaults:');
    const workflowEnvSpec = workflow.data.env;

    const jobDefs = workflow.data.jobs as Mapping;
    const ids = Object.keys(jobDefs);
    const needsOf = new Map<string, string[]>();
    for (const id of ids) {
      const def = jobDefs[id];
      if (!isMapping(def)) throw new Error(`${workflow.file}: job ${id} is not a mapping`);
      const needs = listOf(def.needs);
      for (const n of needs) if (!ids.includes(n)) throw new Error(`${workflow.file}: job ${id} needs ${n}, which is not a job of the workflow`);
      needsOf.set(id, needs);
    }
    const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
      for (const n of needsOf.get(id) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          ancestors(n, seen);
        }
      }
      return seen;
    };

    const states = new Map<string, JobState>();
    const pending = [...ids];
    while (pending.length) {
      const index = pending.findIndex((id) => (needsOf.get(id) ?? []).every((n) => states.has(n)));
      if (index === -1) throw new Error(`${workflow.file}: the needs of ${pending.join(', ')} form a cycle`);
      const id = pending.splice(index, 1)[0]!;
      const def = jobDefs[id] as Mapping;
      const qualified = `${prefix}${id}`;
      const where = `${workflow.file}: job ${id}`;
      for (const key of ['strategy', 'services', 'container', 'continue-on-error', 'defaults']) if (def[key] !== undefined) unsupported(where, `${key}:`);

      const needsContext: Record<string, Plain> = Object.fromEntries((needsOf.get(id) ?? []).map((n) => [n, { result: states.get(n)!.result, outputs: states.get(n)!.outputs }]));
      const above = [...ancestors(id)].map((n) => states.get(n)!.result);
      const base: Contexts = { github: github({ job: id }), inputs, needs: needsContext, vars, secrets, env: {}, runner: { os: 'Linux', arch: 'X64' }, matrix: {}, strategy: {} };
      const runs = evaluateCondition(def.if, base, {
        success: () => above.every((r) => r === 'success'),
        failure: () => above.some((r) => r === 'failure'),
        cancelled: () => false,
      });
      const record: JobRecord = { id: qualified, workflow: workflow.file, status: 'skipped', result: 'skipped', needs: needsOf.get(id) ?? [], outputs: {}, steps: [], summary: '', ms: 0 };
      records.push(record);
      if (!runs) {
        log(`${qualified}: skipped`);
        states.set(id, { result: 'skipped', outputs: {} });
        continue;
      }

      const t0 = performance.now();
      record.status = 'ran';
      if (typeof def.uses === 'string') {
        // A reusable workflow: its jobs run as ours, with the caller's event.
        const calledPath = calledWorkflowPath(def.uses, where);
        record.calls = basename(calledPath);
        const called = await loadWorkflow(calledPath);
        const given = def.with === undefined ? {} : (evaluateTemplate(def.with, base) as Record<string, Plain>);
        const calledInputs = callInputs(called, given, where);
        record.with = calledInputs;
        const calledSecrets = callSecrets(called, def.secrets, secrets, base, where);
        await options.beforeJob?.({ id: qualified, workflow: workflow.file });
        log(`${qualified}: calls ${record.calls}`);
        const result = await runFile(calledPath, { prefix: `${qualified}/`, inputs: calledInputs, secrets: calledSecrets });
        record.result = result!.conclusion;
        record.outputs = result!.outputs;
      } else {
        const runsOn = evaluateTemplate(def['runs-on'], base);
        record.runsOn = runsOn;
        const info: JobInfo = { id: qualified, workflow: workflow.file, runsOn };
        await options.beforeJob?.(info);
        const go = () => runSteps(def, record, { workflow, id, base, workflowEnvSpec, runsOn });
        if (options.aroundJob) await options.aroundJob(info, go);
        else await go();
      }
      record.ms = performance.now() - t0;
      log(`${qualified}: ${record.result} (${(record.ms / 1000).toFixed(1)} s)`);
      states.set(id, { result: record.result, outputs: record.outputs });
    }

    const conclusion = [...states.values()].some((s) => s.result === 'failure') ? 'failure' : 'success';
    // workflow_call outputs, from the `jobs` context.
    const outputs: Record<string, string> = {};
    const on = workflow.data.on;
    if (call && isMapping(on) && isMapping(on.workflow_call) && isMapping(on.workflow_call.outputs)) {
      const jobs: Record<string, Plain> = Object.fromEntries([...states].map(([id, s]) => [id, { result: s.result, outputs: s.outputs }]));
      for (const [key, spec] of Object.entries(on.workflow_call.outputs)) {
        outputs[key] = asString(evaluateTemplate(isMapping(spec) ? spec.value : '', { github: github(), inputs, jobs, vars, secrets }));
      }
    }
    return { conclusion, jobs: states, outputs };
  }

  async function runSteps(
    def: Mapping,
    record: JobRecord,
    job: { workflow: LoadedWorkflow; id: string; base: Contexts; workflowEnvSpec: unknown; runsOn: Plain },
  ): Promise<void> {
    const where = `${job.workflow.file}: job ${job.id}`;
    const runnerTemp = join(root, `job-${++jobCounter}-${job.id}`);
    const workspace = join(runnerTemp, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const githubCtx = github({ job: job.id, workspace });
    const workflowEnv = stringMap(evaluateTemplate(job.workflowEnvSpec ?? null, { ...job.base, github: githubCtx }), `${job.workflow.file}: env`);
    const jobEnv = { ...workflowEnv, ...stringMap(evaluateTemplate(def.env ?? null, { ...job.base, github: githubCtx, env: workflowEnv }), `${where}: env`) };
    const fileEnv: Record<string, string> = {};
    const steps: Record<string, Plain> = {};
    const stepsDef = def.steps;
    if (!Array.isArray(stepsDef) || stepsDef.length === 0) throw new Error(`${where}: no steps`);
    const runsOnLabels = listOf(job.runsOn);
    let failed = false;

    for (const [index, rawStep] of stepsDef.entries()) {
      if (!isMapping(rawStep)) throw new Error(`${where}: step ${index + 1} is not a mapping`);
      const step = rawStep;
      const stepWhere = `${where}: step ${index + 1}`;
      for (const key of Object.keys(step)) {
        if (!['id', 'name', 'uses', 'with', 'env', 'run', 'if', 'shell', 'working-directory', 'timeout-minutes'].includes(key)) unsupported(stepWhere, `${key}:`);
      }
      if (step.shell !== undefined && step.shell !== 'bash') unsupported(stepWhere, `shell: ${String(step.shell)}`);
      const id = typeof step.id === 'string' ? step.id : undefined;
      const stepRecord: StepRecord = {
        index,
        ...(id ? { id } : {}),
        name: typeof step.uses === 'string' ? step.uses : String(step.run ?? '').trim().split('\n')[0] ?? '',
        kind: typeof step.uses === 'string' ? (ownAction(step.uses) ? 'action' : 'stand-in') : 'run',
        status: 'skipped',
        outcome: 'skipped',
        with: {},
        env: {},
        outputs: {},
      };
      record.steps.push(stepRecord);
      const envBefore = { ...jobEnv, ...fileEnv };
      const contexts: Contexts = { ...job.base, github: githubCtx, steps, env: envBefore, job: { status: failed ? 'failure' : 'success' } };
      const runs = evaluateCondition(step.if, contexts, { success: () => !failed, failure: () => failed, cancelled: () => false });
      if (!runs) {
        if (id) steps[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      const stepEnv = stringMap(evaluateTemplate(step.env ?? null, contexts), `${stepWhere}: env`);
      const env = { ...envBefore, ...stepEnv };
      const withContexts = { ...contexts, env };
      const inputs = stringMap(evaluateTemplate(step.with ?? null, withContexts), `${stepWhere}: with`);
      stepRecord.status = 'ran';
      stepRecord.with = inputs;
      stepRecord.env = stepEnv;
      const githubEnv: Record<string, string> = {
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTOR: actor,
        GITHUB_EVENT_NAME: event.name,
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_JOB: job.id,
        GITHUB_REF: event.ref,
        GITHUB_REF_NAME: refName,
        GITHUB_REF_TYPE: event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
        GITHUB_SHA: event.sha,
        GITHUB_REPOSITORY: options.repository,
        GITHUB_REPOSITORY_OWNER: owner,
        GITHUB_RUN_ID: runId,
        GITHUB_RUN_NUMBER: '1',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_SERVER_URL: serverUrl,
        GITHUB_API_URL: options.apiUrl,
        GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
        GITHUB_WORKSPACE: workspace,
        GITHUB_WORKFLOW: String(job.workflow.data.name ?? job.workflow.file),
        RUNNER_OS: 'Linux',
        RUNNER_ARCH: 'X64',
      };
      let exitCode: number | null;
      let outputs: Record<string, string> = {};
      const uses = typeof step.uses === 'string' ? step.uses : undefined;
      if (uses !== undefined && step.run !== undefined) throw new Error(`${stepWhere}: both uses and run`);
      if (uses !== undefined) {
        const action = ownAction(uses);
        if (action) {
          const result = await runAction(action, {
            workspace,
            ref: event.ref,
            sha: event.sha,
            repository: options.repository,
            serverUrl,
            apiUrl: options.apiUrl,
            githubToken: options.token,
            inputs,
            // The runner's variables as they are in this job (runAction's own say `push` and job `release`).
            env: { ...env, ...githubEnv },
            timeoutMs: options.actionTimeoutMs ?? 180_000,
          });
          exitCode = result.exitCode;
          outputs = result.outputs;
          Object.assign(fileEnv, parseEnvFile(result.runnerFiles.env ?? ''));
          stepRecord.summary = result.summary;
          record.summary += result.summary;
          const errors = result.errors.map((e) => e.message);
          if (exitCode !== 0) stepRecord.detail = errors.length ? errors.join('\n') : `${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`;
        } else {
          const at = uses.lastIndexOf('@');
          const name = (at === -1 ? uses : uses.slice(0, at)).toLowerCase();
          const standIn = standIns[name];
          if (!standIn || at === -1) throw new Error(`${stepWhere}: uses: ${uses} is a third-party action the interpreter has no stand-in for (test/workflows/interpreter-stand-ins.ts); a step is never skipped silently`);
          const unknown = Object.keys(inputs).filter((k) => !standIn.inputs.includes(k));
          if (unknown.length) throw new Error(`${stepWhere}: ${name} has no input ${unknown.join(', ')} (the stand-in knows ${standIn.inputs.join(', ')})`);
          const result = await standIn.run({
            inputs,
            env,
            workspace,
            github: { ref: event.ref, sha: event.sha, repository: options.repository },
            repositoryUrl: options.repositoryUrl,
            runsOn: runsOnLabels,
            options: options.standIns ?? {},
            log,
          });
          exitCode = result.exitCode;
          outputs = result.outputs ?? {};
          stepRecord.detail = result.note;
          log(`${record.id}: ${name}: ${result.note}`);
        }
      } else if (typeof step.run === 'string') {
        const script = asString(evaluateTemplate(step.run, withContexts));
        const files = { GITHUB_OUTPUT: join(runnerTemp, `output-${index}`), GITHUB_STEP_SUMMARY: join(runnerTemp, `summary-${index}`), GITHUB_ENV: join(runnerTemp, `env-${index}`), GITHUB_PATH: join(runnerTemp, `path-${index}`) };
        for (const file of Object.values(files)) writeFileSync(file, '');
        const scriptFile = join(runnerTemp, `step-${index}.sh`);
        writeFileSync(scriptFile, script);
        const cwd = typeof step['working-directory'] === 'string' ? resolve(workspace, asString(evaluateTemplate(step['working-directory'], withContexts))) : workspace;
        const result = await runBash(scriptFile, cwd, { ...baseEnv(), ...env, ...githubEnv, ...files, RUNNER_TEMP: runnerTemp }, 120_000);
        exitCode = result.exitCode;
        outputs = parseOutputFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
        Object.assign(fileEnv, parseEnvFile(readFileSync(files.GITHUB_ENV, 'utf8')));
        const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
        stepRecord.summary = summary;
        record.summary += summary;
        if (exitCode !== 0) stepRecord.detail = `${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`;
      } else throw new Error(`${stepWhere}: neither uses nor run`);

      stepRecord.exitCode = exitCode;
      stepRecord.outputs = outputs;
      stepRecord.outcome = exitCode === 0 ? 'success' : 'failure';
      if (exitCode !== 0) {
        failed = true;
        log(`${record.id}: step ${index + 1} (${stepRecord.name}) failed: ${stepRecord.detail?.trim().split('\n').slice(-5).join(' | ')}`);
      }
      if (id) steps[id] = { outputs, outcome: stepRecord.outcome, conclusion: stepRecord.outcome };
    }

    record.result = failed ? 'failure' : 'success';
    const endContexts: Contexts = { ...job.base, github: githubCtx, steps, env: { ...jobEnv, ...fileEnv }, job: { status: record.result } };
    record.outputs = stringMap(evaluateTemplate(def.outputs ?? null, endContexts), `${where}: outputs`);
    if (def.environment !== undefined) {
      const environment = evaluateTemplate(def.environment, endContexts);
      record.environment = isMapping(environment) ? { name: asString(environment.name as Plain), url: asString((environment.url ?? '') as Plain) } : { name: asString(environment), url: '' };
    }
    rmSync(runnerTemp, { recursive: true, force: true });
  }

  try {
    const top = await runFile(resolve(options.workflow), undefined);
    if (top === undefined) log(`${basename(options.workflow)} is not triggered by ${event.name} ${event.ref}`);
    const run: WorkflowRun = {
      file: basename(options.workflow),
      event: event.name,
      triggered: top !== undefined,
      conclusion: top?.conclusion ?? 'success',
      jobs: records,
      job(id) {
        const found = records.find((r) => r.id === id);
        if (!found) throw new Error(`no job ${id} in the run; jobs: ${records.map((r) => r.id).join(', ')}`);
        return found;
      },
      sequence: () => records.map((r) => `${r.id}:${r.result}`),
    };
    return run;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
