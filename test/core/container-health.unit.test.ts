import { describe, expect, test } from 'vitest';
import type { PsEntry } from '../../src/core/compose-commands.js';
import { currentHealth, rfc3339Nanos, withCurrentHealth, type HealthSeen } from '../../src/core/container-health.js';

// The engine keeps State.Health across a restart by the restart policy: a healthy or unhealthy
// verdict counts only when the last probe started after the current run did. Times as
// `docker inspect` prints them (RFC 3339 with nanoseconds, the daemon's offset).

const STARTED = '2026-11-23T18:28:40.128059244Z';

describe('currentHealth', () => {
  test.each<[string, HealthSeen, string]>([
    ['no health check', { status: undefined, startedAt: STARTED, lastProbeStart: undefined }, ''],
    ['no health check (empty status)', { status: '', startedAt: STARTED, lastProbeStart: undefined }, ''],
    ['no health check (none)', { status: 'none', startedAt: STARTED, lastProbeStart: undefined }, ''],
    ['starting is starting', { status: 'starting', startedAt: STARTED, lastProbeStart: undefined }, 'starting'],
    ['healthy from a probe of this run', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:41.130400766Z' }, 'healthy'],
    ['unhealthy from a probe of this run', { status: 'unhealthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:29:10.5Z' }, 'unhealthy'],
    ['healthy from the run before a restart', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:31.000000001Z' }, 'starting'],
    ['unhealthy from the run before a restart', { status: 'unhealthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:27:00Z' }, 'starting'],
    ['a probe 1 ns after the start counts', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:40.128059245Z' }, 'healthy'],
    ['a probe started at the same nanosecond does not', { status: 'healthy', startedAt: STARTED, lastProbeStart: STARTED }, 'starting'],
    ['the same millisecond, earlier nanoseconds: before', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:40.128000000Z' }, 'starting'],
    ['another offset: 19:28:41+01:00 is after 18:28:40Z', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T19:28:41.000000000+01:00' }, 'healthy'],
    ['another offset: 19:28:39+01:00 is before', { status: 'healthy', startedAt: STARTED, lastProbeStart: '2026-11-23T19:28:39+01:00' }, 'starting'],
    ['healthy with an empty probe log: not known to be current', { status: 'healthy', startedAt: STARTED, lastProbeStart: undefined }, 'starting'],
    ['healthy with no start time: not known to be current', { status: 'healthy', startedAt: undefined, lastProbeStart: '2026-11-23T18:28:41Z' }, 'starting'],
    ['an unreadable time: not known to be current', { status: 'healthy', startedAt: 'yesterday', lastProbeStart: '2026-11-23T18:28:41Z' }, 'starting'],
  ])('%s: %o → %s', (_name, seen, expected) => {
    expect(currentHealth(seen)).toBe(expected);
  });
});

describe('withCurrentHealth: a ps entry says what counts, in its Status text too', () => {
  const entry = (Health: string, Status: string): PsEntry => ({ Service: 'synapse-prod-blue', Name: 'p-synapse-prod-blue-1', ID: 'c0ffee', State: 'running', Health, Image: 'x', Status });
  const fresh = { startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:41Z' };
  const stale = { startedAt: STARTED, lastProbeStart: '2026-11-23T18:28:30Z' };

  test.each<[string, PsEntry, HealthSeen | undefined, string, string]>([
    ['current: unchanged', entry('healthy', 'Up 5 seconds (healthy)'), { status: 'healthy', ...fresh }, 'healthy', 'Up 5 seconds (healthy)'],
    ['stale healthy after a restart', entry('healthy', 'Up Less than a second (healthy)'), { status: 'healthy', ...stale }, 'starting', 'Up Less than a second (health: starting)'],
    ['stale unhealthy after a restart', entry('unhealthy', 'Up 1 second (unhealthy)'), { status: 'unhealthy', ...stale }, 'starting', 'Up 1 second (health: starting)'],
    ['inspect is newer than ps: its word', entry('starting', 'Up 2 seconds (health: starting)'), { status: 'healthy', ...fresh }, 'healthy', 'Up 2 seconds (healthy)'],
    ['no health check', entry('', 'Up 2 hours'), { status: undefined, startedAt: STARTED, lastProbeStart: undefined }, '', 'Up 2 hours'],
    ['gone before inspect: healthy is not confirmed', entry('healthy', 'Up 5 seconds (healthy)'), undefined, 'starting', 'Up 5 seconds (health: starting)'],
    ['gone before inspect, no health check: unchanged', entry('', 'Up 5 seconds'), undefined, '', 'Up 5 seconds'],
  ])('%s', (_name, ps, seen, health, status) => {
    const r = withCurrentHealth(ps, seen);
    expect(r.Health).toBe(health);
    expect(r.Status).toBe(status);
    expect({ ...r, Health: ps.Health, Status: ps.Status }).toEqual(ps);
  });
});

describe('rfc3339Nanos', () => {
  test.each<[string, bigint | undefined]>([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01T00:00:01.5Z', 1_500_000_000n],
    ['1970-01-01T00:00:00.000000001Z', 1n],
    ['1970-01-01T01:00:00+01:00', 0n],
    ['0001-01-01T00:00:00Z', -62135596800000000000n],
    ['1970-01-01 00:00:00Z', undefined],
    ['1970-01-01T00:00:00.1234567891Z', undefined],
    ['', undefined],
  ])('%s', (text, expected) => {
    expect(rfc3339Nanos(text)).toBe(expected);
  });
});
