// The host's record of what runs where: per environment the release serving now, the one before it
// (the rollback target), the deploy in progress and a bounded history. Pure: the adapter in
// src/adapters/state-file.ts reads and writes it, the deploy flow calls these transitions under the
// deploy lock, so no two writers ever interleave.
//
// A deploy killed with SIGKILL, or cut by a reboot, leaves `deploying` set. The next run calls
// `reconcile` with what it observes on the host before anything else, which records the stale
// deploy as interrupted and makes `active` say what is really serving.

import { InputError, PreconditionError } from './errors.js';

export const STATE_SCHEMA_VERSION = 1;
export const ENVIRONMENTS = ['dev', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** `dev` or `prod`, from the input named `input` (an action input, a CLI flag or argument). */
export function parseEnvironment(value: string | undefined, input = 'environment'): Environment {
  if (value !== undefined && (ENVIRONMENTS as readonly string[]).includes(value)) return value as Environment;
  throw new InputError(input, value ?? '', `one of ${ENVIRONMENTS.join(', ')}`);
}
export type Colour = 'blue' | 'green';
export type Outcome = 'success' | 'rolled-back' | 'failed' | 'interrupted';
export const DEFAULT_HISTORY_LIMIT = 20;

/** A release as it serves (or served) an environment. Times are ISO 8601. */
export interface Release {
  version: string;
  digest: string;
  /** prod's blue/green slot; dev has none. */
  colour?: Colour;
  deployedAt: string;
  deployId: string;
}

export interface DeployInProgress {
  deployId: string;
  version: string;
  digest: string;
  colour?: Colour;
  startedAt: string;
  /** The deploying process, so the next run can tell a live deploy from an interrupted one. */
  pid: number;
}

export interface HistoryEntry {
  deployId: string;
  version: string;
  digest: string;
  outcome: Outcome;
  at: string;
  detail: string;
}

export interface EnvironmentState {
  /** What serves now; null before the first deploy, or when nothing was found serving. */
  active: Release | null;
  previous: Release | null;
  deploying: DeployInProgress | null;
  /** Newest first, bounded. */
  history: HistoryEntry[];
}

export interface DeployState {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  environments: Record<Environment, EnvironmentState>;
  /**
   * The environment `release-flow switch` made active last (SYNAPSE_ACTIVE_ENV, also written to the
   * compose env file, which a runner's checkout may delete); absent before the first switch. An
   * optional field of schema version 1: a release-flow that does not know it reads the file as before.
   */
  activeEnv?: Environment;
}

export function emptyState(): DeployState {
  const empty = (): EnvironmentState => ({ active: null, previous: null, deploying: null, history: [] });
  return { schemaVersion: STATE_SCHEMA_VERSION, environments: { dev: empty(), prod: empty() } };
}

/** Records `env` as the active environment (the switch does, under the deploy lock). */
export function recordActiveEnv(state: DeployState, env: Environment): DeployState {
  return state.activeEnv === env ? state : { ...state, activeEnv: env };
}

function withEnvironment(state: DeployState, env: Environment, next: EnvironmentState): DeployState {
  return { ...state, environments: { ...state.environments, [env]: next } };
}

function pushHistory(history: HistoryEntry[], entry: HistoryEntry, limit: number): HistoryEntry[] {
  return [entry, ...history].slice(0, Math.max(1, limit));
}

export interface BeginDeploy {
  deployId: string;
  version: string;
  digest: string;
  colour?: Colour;
  startedAt: string;
  pid: number;
}

/** Records that a deploy started. A deploy still recorded as running means `reconcile` was skipped. */
export function beginDeploy(state: DeployState, env: Environment, deploy: BeginDeploy): DeployState {
  const current = state.environments[env];
  if (current.deploying !== null) {
    const running = current.deploying;
    throw new PreconditionError(
      `${env}: deploy ${running.deployId} of ${running.version} (pid ${running.pid}, started ${running.startedAt}) ` +
        `is still recorded as in progress; expected no deploy in progress before starting ${deploy.deployId}`,
      'reconcile the state with what is serving before starting a deploy (the deploy command does this under the lock)',
    );
  }
  const deploying: DeployInProgress = {
    deployId: deploy.deployId,
    version: deploy.version,
    digest: deploy.digest,
    ...(deploy.colour === undefined ? {} : { colour: deploy.colour }),
    startedAt: deploy.startedAt,
    pid: deploy.pid,
  };
  return withEnvironment(state, env, { ...current, deploying });
}

export interface FinishDeploy {
  /** Must name the deploy in progress, so a confused caller cannot close someone else's. */
  deployId: string;
  at: string;
  detail: string;
  historyLimit?: number;
}

/**
 * Closes the deploy in progress. On success the new release becomes active and the old active
 * becomes the rollback target; otherwise the release that was serving stays active.
 */
export function finishDeploy(
  state: DeployState,
  env: Environment,
  outcome: Exclude<Outcome, 'interrupted'>,
  finish: FinishDeploy,
): DeployState {
  const current = state.environments[env];
  const deploying = current.deploying;
  if (deploying === null || deploying.deployId !== finish.deployId) {
    const recorded = deploying === null ? 'no deploy in progress' : `deploy ${deploying.deployId} in progress`;
    throw new PreconditionError(
      `${env}: cannot finish deploy ${finish.deployId}: the state records ${recorded}; expected ${finish.deployId} in progress`,
      'finish only the deploy that this run began',
    );
  }
  const entry: HistoryEntry = {
    deployId: deploying.deployId,
    version: deploying.version,
    digest: deploying.digest,
    outcome,
    at: finish.at,
    detail: finish.detail,
  };
  const history = pushHistory(current.history, entry, finish.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  if (outcome !== 'success') return withEnvironment(state, env, { ...current, deploying: null, history });
  return withEnvironment(state, env, {
    active: releaseOf(deploying, finish.at),
    previous: current.active,
    deploying: null,
    history,
  });
}

function releaseOf(deploy: DeployInProgress, deployedAt: string): Release {
  return {
    version: deploy.version,
    digest: deploy.digest,
    ...(deploy.colour === undefined ? {} : { colour: deploy.colour }),
    deployedAt,
    deployId: deploy.deployId,
  };
}

export interface Observed {
  /** The digest of the healthy release found serving the environment, or null when none is. */
  servingDigest: string | null;
  /** Whether the process recorded in `deploying` still runs (the caller checks under the lock). */
  deployingPidAlive: boolean;
  /** When known, for a serving release the state has no record of. */
  servingVersion?: string;
  servingColour?: Colour;
}

export interface ReconcileOptions {
  at: string;
  historyLimit?: number;
}

export interface Reconciled {
  state: DeployState;
  /** One line per correction, for the log and the job summary; empty when the record was right. */
  notes: string[];
}

/**
 * Makes the record agree with the host after a deploy that did not finish: a `deploying` record
 * whose process is dead goes to the history as interrupted, and `active` becomes what serves.
 * A live deploying process is left alone: it is not ours to judge.
 */
export function reconcile(state: DeployState, env: Environment, observed: Observed, options: ReconcileOptions): Reconciled {
  const current = state.environments[env];
  if (current.deploying !== null && observed.deployingPidAlive) return { state, notes: [] };

  const notes: string[] = [];
  let { active, previous, history } = current;
  const stale = current.deploying;
  const serving = observed.servingDigest;
  const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;

  if (stale !== null) {
    const found = serving === null ? 'nothing serving' : serving === stale.digest ? 'it serving' : `${serving} serving`;
    history = pushHistory(
      history,
      {
        deployId: stale.deployId,
        version: stale.version,
        digest: stale.digest,
        outcome: 'interrupted',
        at: options.at,
        detail: `the deploy (pid ${stale.pid}, started ${stale.startedAt}) stopped before finishing; found ${found}`,
      },
      limit,
    );
    notes.push(`${env}: deploy ${stale.deployId} of ${stale.version} was interrupted; recorded as interrupted`);
  }

  if (serving === null) {
    // Keep the last known release as the rollback target rather than forget it.
    if (active !== null) {
      notes.push(`${env}: nothing is serving; ${active.version} was recorded as active and is now the previous release`);
      previous = active;
      active = null;
    }
  } else if (active?.digest === serving) {
    if (observed.servingColour !== undefined && active.colour !== observed.servingColour) {
      notes.push(`${env}: ${active.version} serves from ${observed.servingColour}, not ${active.colour ?? 'no colour'}`);
      active = { ...active, colour: observed.servingColour };
    }
  } else if (stale !== null && stale.digest === serving) {
    // Interrupted after the switch: the new release serves, so it is active, and the old one is
    // the rollback target, exactly as a finished deploy would have left it.
    notes.push(`${env}: ${stale.version} from the interrupted deploy is serving; recorded as active`);
    previous = active;
    active = releaseOf(
      observed.servingColour === undefined ? stale : { ...stale, colour: observed.servingColour },
      options.at,
    );
  } else if (previous?.digest === serving) {
    notes.push(`${env}: the previous release ${previous.version} is serving; recorded as active`);
    [active, previous] = [previous, active];
  } else {
    const version = observed.servingVersion ?? 'unknown';
    notes.push(`${env}: ${serving} (version ${version}) is serving but was not recorded; recorded as active`);
    previous = active ?? previous;
    active = {
      version,
      digest: serving,
      ...(observed.servingColour === undefined ? {} : { colour: observed.servingColour }),
      deployedAt: options.at,
      deployId: `reconciled-${options.at}`,
    };
  }

  if (notes.length === 0) return { state, notes };
  return { state: withEnvironment(state, env, { active, previous, deploying: null, history }), notes };
}

export function serializeState(state: DeployState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

// Schema version N → N+1, applied in order when reading an older file. Version 1 is the first.
const MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {};

/** Reads the state file's text; `file` names it in every error. Never falls back to an empty state. */
export function parseState(text: string, file: string): DeployState {
  const moveAside = `move it aside to start a new record (mv '${file}' '${file}.broken'), or restore it from a backup`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PreconditionError(`${file} is not valid JSON (${reason}); expected the release-flow deploy state`, moveAside);
  }
  if (!isRecord(raw)) invalid(file, '(top level)', raw, 'an object', moveAside);
  let doc: Record<string, unknown> = raw;
  let version = doc.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    invalid(file, 'schemaVersion', version, `a schema version from 1 to ${STATE_SCHEMA_VERSION}`, moveAside);
  }
  if (version > STATE_SCHEMA_VERSION) {
    throw new PreconditionError(
      `${file} has schema version ${version}, written by a newer release-flow; this release-flow reads versions 1 to ${STATE_SCHEMA_VERSION}`,
      'run the deploy with the release-flow version that wrote the file, or a newer one',
    );
  }
  while (version < STATE_SCHEMA_VERSION) {
    const migrate = MIGRATIONS[version];
    if (migrate === undefined) {
      invalid(file, 'schemaVersion', version, `a schema version from 1 to ${STATE_SCHEMA_VERSION}`, moveAside);
    }
    doc = migrate(doc);
    version += 1;
  }
  return readState(doc, new Reader(file, moveAside));
}

class Reader {
  constructor(
    readonly file: string,
    readonly fix: string,
  ) {}
  fail(path: string, value: unknown, expected: string): never {
    invalid(this.file, path, value, expected, this.fix);
  }
  record(value: unknown, path: string): Record<string, unknown> {
    return isRecord(value) ? value : this.fail(path, value, 'an object');
  }
  text(value: unknown, path: string): string {
    return typeof value === 'string' && value !== '' ? value : this.fail(path, value, 'a non-empty string');
  }
  digest(value: unknown, path: string): string {
    return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value)
      ? value
      : this.fail(path, value, 'an image digest such as sha256:<64 hex digits>');
  }
  time(value: unknown, path: string): string {
    return typeof value === 'string' && !Number.isNaN(Date.parse(value))
      ? value
      : this.fail(path, value, 'an ISO 8601 time such as 2025-01-31T12:00:00.000Z');
  }
  pid(value: unknown, path: string): number {
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : this.fail(path, value, 'a process id');
  }
  colour(value: unknown, path: string): { colour?: Colour } {
    if (value === undefined) return {};
    return value === 'blue' || value === 'green' ? { colour: value } : this.fail(path, value, '"blue" or "green"');
  }
}

const OUTCOMES: readonly Outcome[] = ['success', 'rolled-back', 'failed', 'interrupted'];

function readState(raw: Record<string, unknown>, r: Reader): DeployState {
  const environments = r.record(raw.environments, 'environments');
  for (const name of Object.keys(environments)) {
    if (!(ENVIRONMENTS as readonly string[]).includes(name)) r.fail(`environments.${name}`, name, `one of ${ENVIRONMENTS.join(', ')}`);
  }
  const state = emptyState();
  for (const env of ENVIRONMENTS) {
    // An environment never deployed may be absent.
    if (environments[env] !== undefined) state.environments[env] = readEnvironment(environments[env], `environments.${env}`, r);
  }
  if (raw.activeEnv != null) {
    if (!(ENVIRONMENTS as readonly unknown[]).includes(raw.activeEnv)) r.fail('activeEnv', raw.activeEnv, `one of ${ENVIRONMENTS.join(', ')}`);
    state.activeEnv = raw.activeEnv as Environment;
  }
  return state;
}

function readEnvironment(value: unknown, path: string, r: Reader): EnvironmentState {
  const env = r.record(value, path);
  const history = env.history ?? [];
  if (!Array.isArray(history)) r.fail(`${path}.history`, history, 'an array');
  return {
    active: env.active == null ? null : readRelease(env.active, `${path}.active`, r),
    previous: env.previous == null ? null : readRelease(env.previous, `${path}.previous`, r),
    deploying: env.deploying == null ? null : readDeploying(env.deploying, `${path}.deploying`, r),
    history: history.map((entry, i) => readHistoryEntry(entry, `${path}.history[${i}]`, r)),
  };
}

/** Which release a record is about: every kind of record names it the same way. */
function readReleaseOf(o: Record<string, unknown>, path: string, r: Reader): { version: string; digest: string } {
  return { version: r.text(o.version, `${path}.version`), digest: r.digest(o.digest, `${path}.digest`) };
}

function readRelease(value: unknown, path: string, r: Reader): Release {
  const o = r.record(value, path);
  return {
    ...readReleaseOf(o, path, r),
    ...r.colour(o.colour, `${path}.colour`),
    deployedAt: r.time(o.deployedAt, `${path}.deployedAt`),
    deployId: r.text(o.deployId, `${path}.deployId`),
  };
}

function readDeploying(value: unknown, path: string, r: Reader): DeployInProgress {
  const o = r.record(value, path);
  return {
    deployId: r.text(o.deployId, `${path}.deployId`),
    ...readReleaseOf(o, path, r),
    ...r.colour(o.colour, `${path}.colour`),
    startedAt: r.time(o.startedAt, `${path}.startedAt`),
    pid: r.pid(o.pid, `${path}.pid`),
  };
}

function readHistoryEntry(value: unknown, path: string, r: Reader): HistoryEntry {
  const o = r.record(value, path);
  const outcome = o.outcome;
  if (!OUTCOMES.includes(outcome as Outcome)) r.fail(`${path}.outcome`, outcome, `one of ${OUTCOMES.join(', ')}`);
  return {
    deployId: r.text(o.deployId, `${path}.deployId`),
    ...readReleaseOf(o, path, r),
    outcome: outcome as Outcome,
    at: r.time(o.at, `${path}.at`),
    detail: typeof o.detail === 'string' ? o.detail : r.fail(`${path}.detail`, o.detail, 'a string'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(file: string, path: string, value: unknown, expected: string, fix: string): never {
  throw new PreconditionError(`${file}: ${path} is ${JSON.stringify(value) ?? 'missing'}; expected ${expected}`, fix);
}
