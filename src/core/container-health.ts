// Whether a container's health status describes the container as it runs now.
//
// The engine keeps a container's State.Health across a restart by its restart policy: after a
// crash, the restarted container reports the status (and the probe log) of its previous run until
// the first probe of the new run has finished. So a status counts only when the last probe in the
// log started after the container's current State.StartedAt; until then the container is
// `starting`, whatever the engine says. Pure: the flows read both times with `docker inspect`
// (src/flows/compose-project.ts) and put the verdict in place of compose's.

import type { PsEntry } from './compose-commands.js';

/** What `docker inspect` says of a container's health (`.State`). */
export interface HealthSeen {
  /** State.Health.Status: healthy, unhealthy or starting; undefined (or '') when the container has no health check. */
  status: string | undefined;
  /** State.StartedAt: when the container's current run started (RFC 3339, nanoseconds). */
  startedAt: string | undefined;
  /** The Start of the last entry of State.Health.Log; undefined when the log is empty. */
  lastProbeStart: string | undefined;
}

/**
 * The health that counts now: '' without a health check, `starting` while the engine says so,
 * and also while its healthy or unhealthy verdict comes from a probe that started before the
 * current run did (or when either time is missing or unreadable: not known to be current).
 */
export function currentHealth(seen: HealthSeen): string {
  const status = seen.status ?? '';
  if (status === '' || status === 'none' || status === 'starting') return status === 'none' ? '' : status;
  const started = rfc3339Nanos(seen.startedAt);
  const probed = rfc3339Nanos(seen.lastProbeStart);
  if (started === undefined || probed === undefined || probed <= started) return 'starting';
  return status;
}

/**
 * A ps entry with the health that counts now (`currentHealth`), its Status text saying the same
 * (`Up 3 seconds (health: starting)`, as compose words a new container's). An entry `docker
 * inspect` said nothing of (gone in between) keeps only a status that needs no confirming.
 */
export function withCurrentHealth(entry: PsEntry, seen: HealthSeen | undefined): PsEntry {
  const health = currentHealth(seen ?? { status: entry.Health, startedAt: undefined, lastProbeStart: undefined });
  if (health === entry.Health) return entry;
  const note = health === '' ? '' : health === 'starting' ? ' (health: starting)' : ` (${health})`;
  return { ...entry, Health: health, Status: entry.Status.replace(/\s*\((?:health: )?(?:healthy|unhealthy|starting)\)\s*$/, '') + note };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** An engine time (`2026-01-31T12:00:00.123456789Z`, any offset) in nanoseconds since the epoch; undefined when unreadable. */
export function rfc3339Nanos(text: string | undefined): bigint | undefined {
  const m = text === undefined ? null : RFC3339.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
