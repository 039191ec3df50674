import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Runs a committed action bundle (dist/<name>/index.js) the way the GitHub runner does: a child
// `node` process whose inputs are INPUT_<NAME> variables, with the action.yml defaults supplied for
// every input the step does not give, and the runner's file commands (GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY) as temporary files read back afterwards.

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = projectRoot;

/** `main` is the root action.yml (the whole flow); the others live in actions/<name>/. */
export type ActionName = 'version' | 'notes' | 'main' | 'image' | 'deploy' | 'switch' | 'release';

/** The directory of an action's action.yml, relative to the project root. */
export const actionDir = (action: ActionName): string => (action === 'main' ? '.' : join('actions', action));

export interface ActionManifest {
  inputs: Record<string, { description?: string; required?: string; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
}

/**
 * The action.yml as the runner reads it: every scalar a string (the runner's YAML reader does not
 * turn `default: 1.10` into a number), hence the failsafe schema.
 */
export function readManifest(action: ActionName): ActionManifest {
  const text = readFileSync(join(root, actionDir(action), 'action.yml'), 'utf8');
  let manifest: Partial<ActionManifest>;
  try {
    manifest = parse(text, { schema: 'failsafe' }) as Partial<ActionManifest>;
  } catch (error) {
    throw new Error(`${join(actionDir(action), 'action.yml')} is not valid YAML, so the runner cannot load the action: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!manifest.runs?.main || !manifest.runs.using) throw new Error(`${join(actionDir(action), 'action.yml')} has no runs.main / runs.using`);
  return { inputs: manifest.inputs ?? {}, outputs: manifest.outputs ?? {}, runs: manifest.runs };
}

/** The runner's name for an input's variable: spaces become `_`, upper-cased, hyphens kept. */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/** The `github` context fields a default may refer to (`${{ github.token }}` …). */
export type GitHubContext = Record<string, string>;

/**
 * Evaluates the expressions of an input default as the runner does for the few forms action.yml
 * files use: `${{ github.<field> }}` and `${{ env.<NAME> }}`, anywhere in the string. Anything else
 * throws, so a default the helper cannot honour is never silently passed through as text.
 */
export function evaluateDefault(text: string, contexts: { github: GitHubContext; env: Record<string, string> }): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const m = /^(github|env)\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (!m) throw new Error(`unsupported expression in an input default: \${{ ${expression} }}`);
    const value = contexts[m[1] as 'github' | 'env'][m[2]!];
    // The runner evaluates a missing context field to an empty string.
    return value ?? '';
  });
}

/** The INPUT_* variables for a step's `with:`, defaults filled in from the action.yml. */
export function inputEnv(manifest: ActionManifest, given: Record<string, string>, contexts: { github: GitHubContext; env: Record<string, string> }): Record<string, string> {
  const unknown = Object.keys(given).filter((name) => !(name in manifest.inputs));
  // The runner only warns ("Unexpected input(s)"); in a test it is always a typo.
  if (unknown.length) throw new Error(`unexpected input(s) ${unknown.join(', ')}; valid: ${Object.keys(manifest.inputs).join(', ')}`);
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    env[inputVariable(name)] = name in given ? given[name]! : evaluateDefault(spec?.default ?? '', contexts);
  }
  return env;
}

/** `name<<delimiter` blocks (and the old `name=value` lines) of a GITHUB_OUTPUT file. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: no closing delimiter ${delimiter} for ${name}`);
      outputs[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: malformed line ${JSON.stringify(line)}`);
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

/** `::command key=value,…::message` lines of a step's stdout, unescaped. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: m[1]!, properties, message: unescapeData(m[3]!) });
  }
  return commands;
}

export interface RunActionOptions {
  /** The repository the step runs in: GITHUB_WORKSPACE, and the child's cwd. */
  workspace: string;
  /** The step's `with:`, by input name; inputs left out get their action.yml default. */
  inputs?: Record<string, string>;
  /** e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref: string;
  /** GITHUB_SHA; by default the commit `ref` resolves to in the workspace. */
  sha?: string;
  /** GITHUB_REPOSITORY. Default `owner/repo`. */
  repository?: string;
  /** GITHUB_SERVER_URL. Default `https://github.com`. */
  serverUrl?: string;
  /** GITHUB_API_URL. Default: an address nothing listens on, so a stray API call fails loudly. */
  apiUrl?: string;
  /** What `${{ github.token }}` evaluates to. */
  githubToken?: string;
  /** Extra variables, applied last (they may override INPUT_* ones, e.g. to pass an odd value). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT, parsed. */
  outputs: Record<string, string>;
  /** GITHUB_OUTPUT as written. */
  outputFile: string;
  /** GITHUB_STEP_SUMMARY as written. */
  summary: string;
  commands: WorkflowCommand[];
  /** The messages of `::error`, `::warning` and `::notice` commands. */
  errors: WorkflowCommand[];
  warnings: WorkflowCommand[];
  notices: WorkflowCommand[];
  /** The environment the step ran with (without the inherited, non-GitHub part). */
  env: Record<string, string>;
  /** Every file of the runner's temporary directory (event, GITHUB_ENV, GITHUB_STATE, …) by name. */
  runnerFiles: Record<string, string>;
}

export const DEFAULT_GITHUB_TOKEN = 'ghs_default_test_token_0000';

/** The parent's environment minus anything that would make the child think it is elsewhere. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|STATE_|GIT_)/.test(key)) continue;
    env[key] = value;
  }
  // Machine-independent git, as in test/support/git-repo.ts.
  return { ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/** Synchronous is fine here: it runs before the step starts, never while a fake server must answer. */
function gitOutput(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, env: baseEnv(), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function pushEvent(ref: string, sha: string, repository: string, serverUrl: string): unknown {
  const [owner = '', name = ''] = repository.split('/');
  return {
    ref,
    before: '0000000000000000000000000000000000000000',
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${serverUrl}/${repository}/compare/${sha}`,
    commits: [],
    head_commit: { id: sha, tree_id: sha, distinct: true, message: 'head', timestamp: '2024-01-01T00:00:00Z' },
    repository: {
      id: 1,
      name,
      full_name: repository,
      private: false,
      owner: { login: owner, name: owner, id: 2, type: 'Organization' },
      html_url: `${serverUrl}/${repository}`,
      default_branch: 'main',
      master_branch: 'main',
    },
    pusher: { name: 'octocat', email: 'octocat@example.invalid' },
    sender: { login: 'octocat', id: 3, type: 'User' },
  };
}

/** Runs the action's `runs.main` (`node dist/<action>/index.js`) as the runner would for one step, and collects what it wrote. */
export async function runAction(action: ActionName, options: RunActionOptions): Promise<ActionRun> {
  const manifest = readManifest(action);
  if (manifest.runs.using !== 'node24') throw new Error(`${actionDir(action)}/action.yml runs on ${manifest.runs.using}, expected node24`);
  const main = join(root, actionDir(action), manifest.runs.main);

  const runnerDir = realpathSync(mkdtempSync(join(tmpdir(), `release-flow-runner-${action}-`)));
  try {
    const files = {
      GITHUB_OUTPUT: join(runnerDir, 'output'),
      GITHUB_STEP_SUMMARY: join(runnerDir, 'step_summary'),
      GITHUB_ENV: join(runnerDir, 'env'),
      GITHUB_PATH: join(runnerDir, 'path'),
      GITHUB_STATE: join(runnerDir, 'state'),
      GITHUB_EVENT_PATH: join(runnerDir, 'event.json'),
    };
    // The runner creates the file-command files empty before the step starts.
    for (const [key, path] of Object.entries(files)) if (key !== 'GITHUB_EVENT_PATH') writeFileSync(path, '');

    const repository = options.repository ?? 'owner/repo';
    const serverUrl = options.serverUrl ?? 'https://github.com';
    const apiUrl = options.apiUrl ?? 'http://127.0.0.1:9/api/unreachable';
    const sha = options.sha ?? gitOutput(options.workspace, ['rev-parse', '--verify', '--quiet', `${options.ref}^{commit}`]);
    const refName = options.ref.replace(/^refs\/(heads|tags)\//, '');
    const token = options.githubToken ?? DEFAULT_GITHUB_TOKEN;
    writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(pushEvent(options.ref, sha, repository, serverUrl), null, 2));

    const githubEnv: Record<string, string> = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: `release-flow-${action}`,
      GITHUB_ACTION_PATH: join(root, actionDir(action)),
      GITHUB_ACTOR: 'octocat',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_JOB: 'release',
      GITHUB_REF: options.ref,
      GITHUB_REF_NAME: refName,
      GITHUB_REF_TYPE: options.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      GITHUB_SHA: sha,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SERVER_URL: serverUrl,
      GITHUB_API_URL: apiUrl,
      GITHUB_GRAPHQL_URL: `${apiUrl}/graphql`,
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_WORKFLOW: 'release',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: runnerDir,
      ...files,
    };
    const github: GitHubContext = {
      token,
      ref: options.ref,
      ref_name: refName,
      sha,
      repository,
      server_url: serverUrl,
      api_url: apiUrl,
      workspace: options.workspace,
      event_name: 'push',
    };
    const stepEnv = { ...githubEnv, ...inputEnv(manifest, options.inputs ?? {}, { github, env: githubEnv }), ...options.env };
    const { exitCode, stdout, stderr } = await spawnNode(main, options.workspace, { ...baseEnv(), ...stepEnv }, options.timeoutMs ?? 30_000);

    const outputFile = readFileSync(files.GITHUB_OUTPUT, 'utf8');
    const commands = parseWorkflowCommands(stdout);
    const of = (name: string) => commands.filter((c) => c.command === name);
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(outputFile),
      outputFile,
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      commands,
      errors: of('error'),
      warnings: of('warning'),
      notices: of('notice'),
      env: stepEnv,
      runnerFiles: Object.fromEntries(
        readdirSync(runnerDir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => {
            const path = join(entry.parentPath, entry.name);
            return [path.slice(runnerDir.length + 1), readFileSync(path, 'utf8')];
          }),
      ),
    };
  } finally {
    rmSync(runnerDir, { recursive: true, force: true });
  }
}

/** Async on purpose: a fake GitHub server in this process must keep answering while the step runs. */
function spawnNode(main: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${main} did not finish within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout, stderr });
    });
  });
}
