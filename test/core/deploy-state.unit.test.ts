import { describe, expect, it, test } from 'vitest';
import {
  beginDeploy,
  emptyState,
  finishDeploy,
  parseState,
  reconcile,
  recordActiveEnv,
  serializeState,
} from '../../src/core/deploy-state.js';
import type { DeployState, EnvironmentState, Observed, Release } from '../../src/core/deploy-state.js';
import { PreconditionError } from '../../src/core/errors.js';

const FILE = '/srv/synapse/release-flow-state.json';
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const T0 = '2025-01-01T10:00:00.000Z';
const T1 = '2025-01-01T11:00:00.000Z';
const T2 = '2025-01-01T12:00:00.000Z';

const v1: Release = { version: '1.0.0', digest: digest('1'), colour: 'blue', deployedAt: T0, deployId: 'd1' };
const v0: Release = { version: '0.9.0', digest: digest('0'), colour: 'green', deployedAt: T0, deployId: 'd0' };

function withProd(prod: Partial<EnvironmentState>): DeployState {
  const state = emptyState();
  return { ...state, environments: { ...state.environments, prod: { ...state.environments.prod, ...prod } } };
}

const begin = { deployId: 'd2', version: '1.1.0', digest: digest('2'), colour: 'green' as const, startedAt: T1, pid: 4242 };

function thrown(run: () => unknown): PreconditionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PreconditionError);
    return error as PreconditionError;
  }
  throw new Error('expected a PreconditionError');
}

describe('beginDeploy / finishDeploy', () => {
  it('records the deploy in progress without touching the other environment', () => {
    const state = beginDeploy(withProd({ active: v1 }), 'prod', begin);
    expect(state.environments.prod.deploying).toEqual(begin);
    expect(state.environments.prod.active).toEqual(v1);
    expect(state.environments.dev).toEqual(emptyState().environments.dev);
  });

  it('refuses to begin while a deploy is still recorded', () => {
    const state = beginDeploy(emptyState(), 'prod', begin);
    const error = thrown(() => beginDeploy(state, 'prod', { ...begin, deployId: 'd3' }));
    expect(error.message).toContain('prod: deploy d2 of 1.1.0 (pid 4242');
    expect(error.message).toContain('Fix: reconcile');
  });

  // [outcome, expected active, expected previous]
  test.each([
    ['success', { version: '1.1.0', digest: digest('2'), colour: 'green', deployedAt: T2, deployId: 'd2' }, v1],
    ['rolled-back', v1, v0],
    ['failed', v1, v0],
  ] as const)('%s: active %o', (outcome, active, previous) => {
    const started = beginDeploy(withProd({ active: v1, previous: v0 }), 'prod', begin);
    const state = finishDeploy(started, 'prod', outcome, { deployId: 'd2', at: T2, detail: 'because' });
    const prod = state.environments.prod;
    expect(prod.active).toEqual(active);
    expect(prod.previous).toEqual(previous);
    expect(prod.deploying).toBeNull();
    expect(prod.history).toEqual([{ deployId: 'd2', version: '1.1.0', digest: digest('2'), outcome, at: T2, detail: 'because' }]);
  });

  it('keeps the history bounded, newest first', () => {
    let state = emptyState();
    for (let i = 0; i < 25; i += 1) {
      state = beginDeploy(state, 'dev', { ...begin, deployId: `d${i}` });
      state = finishDeploy(state, 'dev', 'success', { deployId: `d${i}`, at: T2, detail: '' });
    }
    expect(state.environments.dev.history).toHaveLength(20);
    expect(state.environments.dev.history[0]?.deployId).toBe('d24');
    expect(state.environments.dev.history[19]?.deployId).toBe('d5');
    const small = finishDeploy(beginDeploy(state, 'dev', begin), 'dev', 'failed', {
      deployId: 'd2',
      at: T2,
      detail: '',
      historyLimit: 3,
    });
    expect(small.environments.dev.history.map((h) => h.deployId)).toEqual(['d2', 'd24', 'd23']);
  });

  // [what is recorded, the deploy id finishing]
  test.each([
    ['no deploy in progress', null],
    ['deploy d2 in progress', begin],
  ] as const)('refuses to finish another deploy (%s)', (recorded, deploying) => {
    const error = thrown(() => finishDeploy(withProd({ deploying }), 'prod', 'success', { deployId: 'dX', at: T2, detail: '' }));
    expect(error.message).toContain(`prod: cannot finish deploy dX: the state records ${recorded}; expected dX in progress`);
  });
});

describe('reconcile', () => {
  const stale = { ...begin };
  // [case, recorded prod, observed, expected active, expected previous, interrupted entry?, notes]
  test.each<[string, Partial<EnvironmentState>, Observed, Release | null, Release | null, boolean, number]>([
    ['nothing to do', { active: v1, previous: v0 }, { servingDigest: digest('1'), deployingPidAlive: false }, v1, v0, false, 0],
    [
      'killed before the switch: old release still serves',
      { active: v1, previous: v0, deploying: stale },
      { servingDigest: digest('1'), deployingPidAlive: false },
      v1,
      v0,
      true,
      1,
    ],
    [
      'killed after the switch: the new release serves',
      { active: v1, previous: v0, deploying: stale },
      { servingDigest: digest('2'), deployingPidAlive: false },
      { version: '1.1.0', digest: digest('2'), colour: 'green', deployedAt: T2, deployId: 'd2' },
      v1,
      true,
      2,
    ],
    [
      'killed mid-rollback: the previous release serves',
      { active: v1, previous: v0, deploying: stale },
      { servingDigest: digest('0'), deployingPidAlive: false },
      v0,
      v1,
      true,
      2,
    ],
    [
      'reboot, nothing came back',
      { active: v1, previous: v0, deploying: stale },
      { servingDigest: null, deployingPidAlive: false },
      null,
      v1,
      true,
      2,
    ],
    [
      'an unrecorded release serves',
      { active: v1, previous: v0 },
      { servingDigest: digest('9'), servingVersion: '9.9.9', deployingPidAlive: false },
      { version: '9.9.9', digest: digest('9'), deployedAt: T2, deployId: `reconciled-${T2}` },
      v1,
      false,
      1,
    ],
    [
      'first deploy interrupted, nothing serving',
      { deploying: stale },
      { servingDigest: null, deployingPidAlive: false },
      null,
      null,
      true,
      1,
    ],
    [
      'the colour serving differs from the record',
      { active: v1 },
      { servingDigest: digest('1'), servingColour: 'green', deployingPidAlive: false },
      { ...v1, colour: 'green' },
      null,
      false,
      1,
    ],
  ])('%s', (_name, recorded, observed, active, previous, interrupted, notes) => {
    const before = withProd(recorded);
    const result = reconcile(before, 'prod', observed, { at: T2 });
    const prod = result.state.environments.prod;
    expect(prod.active).toEqual(active);
    expect(prod.previous).toEqual(previous);
    expect(prod.deploying).toBeNull();
    expect(result.notes).toHaveLength(notes);
    if (notes === 0) expect(result.state).toBe(before);
    const entry = prod.history[0];
    if (interrupted) {
      expect(entry).toMatchObject({ deployId: 'd2', version: '1.1.0', outcome: 'interrupted', at: T2 });
      expect(entry?.detail).toContain('pid 4242');
    } else {
      expect(prod.history).toEqual([]);
    }
    // Reconciling twice changes nothing more.
    expect(reconcile(result.state, 'prod', observed, { at: T2 }).notes).toEqual([]);
  });

  it('leaves a deploy whose process is alive alone', () => {
    const before = withProd({ active: v1, deploying: stale });
    const result = reconcile(before, 'prod', { servingDigest: digest('2'), deployingPidAlive: true }, { at: T2 });
    expect(result).toEqual({ state: before, notes: [] });
  });
});

describe('parseState', () => {
  it('round-trips through serializeState', () => {
    const state = finishDeploy(beginDeploy(withProd({ active: v1, previous: v0 }), 'prod', begin), 'prod', 'success', {
      deployId: 'd2',
      at: T2,
      detail: 'healthy',
    });
    expect(parseState(serializeState(state), FILE)).toEqual(state);
  });

  it('fills in an environment never deployed', () => {
    expect(parseState('{"schemaVersion":1,"environments":{}}', FILE)).toEqual(emptyState());
  });

  it('reads the active environment a switch recorded; a file without it (or with null) has none', () => {
    expect(parseState('{"schemaVersion":1,"environments":{},"activeEnv":"prod"}', FILE).activeEnv).toBe('prod');
    expect(parseState('{"schemaVersion":1,"environments":{},"activeEnv":null}', FILE)).toEqual(emptyState());
    expect(parseState(serializeState(recordActiveEnv(withProd({ active: v1 }), 'dev')), FILE)).toEqual({ ...withProd({ active: v1 }), activeEnv: 'dev' });
  });

  const valid = JSON.parse(serializeState(withProd({ active: v1 }))) as Record<string, unknown>;
  const prodWith = (prod: unknown): string => JSON.stringify({ ...valid, environments: { prod } });

  // [case, text, expected message part, expected fix part]
  test.each([
    ['not JSON', '{"schemaVersion": 1,', `${FILE} is not valid JSON`, 'mv'],
    ['empty file', '', `${FILE} is not valid JSON`, 'restore it from a backup'],
    ['an array', '[]', `${FILE}: (top level) is []; expected an object`, 'mv'],
    ['no schema version', '{"environments":{}}', `${FILE}: schemaVersion is missing; expected a schema version from 1 to 1`, 'mv'],
    ['schema version 0', '{"schemaVersion":0}', `${FILE}: schemaVersion is 0; expected a schema version from 1 to 1`, 'mv'],
    ['schema version "1"', '{"schemaVersion":"1"}', `schemaVersion is "1"`, 'mv'],
    [
      'a newer schema',
      '{"schemaVersion":7,"environments":{}}',
      `${FILE} has schema version 7, written by a newer release-flow`,
      'Fix: run the deploy with the release-flow version that wrote the file, or a newer one',
    ],
    ['unknown environment', '{"schemaVersion":1,"environments":{"staging":{}}}', 'environments.staging is "staging"; expected one of dev, prod', 'mv'],
    ['bad digest', prodWith({ active: { ...v1, digest: 'latest' } }), 'environments.prod.active.digest is "latest"; expected an image digest', 'mv'],
    ['bad time', prodWith({ active: { ...v1, deployedAt: 'yesterday' } }), 'environments.prod.active.deployedAt is "yesterday"; expected an ISO 8601 time', 'mv'],
    ['bad colour', prodWith({ active: { ...v1, colour: 'red' } }), 'environments.prod.active.colour is "red"; expected "blue" or "green"', 'mv'],
    ['bad pid', prodWith({ deploying: { ...begin, pid: -1 } }), 'environments.prod.deploying.pid is -1; expected a process id', 'mv'],
    [
      'bad outcome',
      prodWith({ history: [{ deployId: 'd', version: '1', digest: digest('1'), outcome: 'ok', at: T0, detail: '' }] }),
      'environments.prod.history[0].outcome is "ok"; expected one of success, rolled-back, failed, interrupted',
      'mv',
    ],
    ['history not a list', prodWith({ history: {} }), 'environments.prod.history is {}; expected an array', 'mv'],
    ['unknown active environment', JSON.stringify({ ...valid, activeEnv: 'staging' }), 'activeEnv is "staging"; expected one of dev, prod', 'mv'],
  ])('rejects %s', (_name, text, message, fix) => {
    const error = thrown(() => parseState(text, FILE));
    expect(error.message).toContain(message);
    expect(error.message).toContain(fix);
  });
});

describe('recordActiveEnv', () => {
  // [recorded before, switched to, recorded after]
  test.each([
    [undefined, 'dev', 'dev'],
    [undefined, 'prod', 'prod'],
    ['dev', 'prod', 'prod'],
    ['prod', 'dev', 'dev'],
    ['prod', 'prod', 'prod'],
  ] as const)('%s, switch %s: %s; the environments are untouched', (before, env, after) => {
    const state: DeployState = { ...withProd({ active: v1 }), ...(before ? { activeEnv: before } : {}) };
    const next = recordActiveEnv(state, env);
    expect(next.activeEnv).toBe(after);
    expect(next.environments).toBe(state.environments);
    // Nothing to write when it is recorded already.
    expect(next === state).toBe(before === env);
  });
});
