// What the deploy's workspace files should say, decided from the host rather than from the files.
//
// On a self-hosted runner every job's checkout may reset the workspace: compose/.env (the pinned
// image references the deploy writes) can be gone, and compose/caddy/upstreams.caddy (tracked in
// git, blue first) says blue takes the traffic whichever colour really does. What survives is the
// state file beside the data directory and the containers themselves, so the live prod colour is
// read from those (`liveColour`), and the image variables are restored from them (`envRepairs`), as
// is the active environment the state file records (`activeEnvSources`).
// Pure: the flows observe the host (src/flows/compose-project.ts) and write the files.

import { ACTIVE_ENV_VARIABLE } from './compose-commands.js';
import type { Colour, Environment } from './deploy-state.js';

/** How a prod colour's container was found: healthy (or running with no health check), running but not healthy, or not running at all. */
export type ColourCondition = 'healthy' | 'running' | 'down';

export interface ColourSeen {
  colour: Colour;
  condition: ColourCondition;
  /** The digest its container runs (from an `image@sha256:…` reference), or null when unknown. */
  digest: string | null;
  /** For messages: `healthy`, `starting`, `unhealthy`, `exited`, `absent`… */
  detail: string;
}

/** A release the state file places on a colour. */
export interface RecordedRelease {
  version: string;
  digest: string;
  colour?: Colour;
}

export interface LiveInput {
  /** The state's active prod release. */
  active: RecordedRelease | null;
  /**
   * A deploy the state records as in progress whose process is gone. It may have switched the
   * traffic before it died; only then does upstreams.caddy (which the switch writes first) list
   * its colour first.
   */
  interrupted?: RecordedRelease | null;
  /** Both colours; a colour left out counts as down. */
  colours: readonly ColourSeen[];
  /** The order upstreams.caddy lists, or undefined when it names no colour. */
  upstreams: readonly Colour[] | undefined;
}

export interface LiveDecision {
  /** The colour that takes (or should take) prod's traffic; undefined when no colour runs. */
  live: Colour | undefined;
  /** upstreams.caddy as it should be: the live colour first, then the standby. */
  order: [Colour, Colour];
  /** Why `live`, for the log: e.g. `the state's active release 2.0.0 runs there, healthy`. */
  because: string;
  /** Set when the state's record disagrees with the containers: what it says and what was found. */
  conflict?: string;
  /** upstreams.caddy does not list `live` first (or both colours): it must be rewritten. */
  upstreamsWrong: boolean;
}

const COLOURS: readonly Colour[] = ['blue', 'green'];
const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
const RANK: Record<ColourCondition, number> = { healthy: 2, running: 1, down: 0 };

/**
 * Which prod colour is live, from the state record and the containers; upstreams.caddy only breaks
 * ties the record cannot (both colours up and neither holds the recorded release), and tells
 * whether an interrupted deploy had switched. Among the colours in the best condition found
 * (healthy before merely running; a colour that is down never counts):
 *   1. an interrupted deploy's colour, when it runs that deploy's digest and upstreams.caddy lists it first;
 *   2. the active record's colour, unless it runs another digest while the other colour runs the recorded one;
 *   3. the colour that runs the active record's digest;
 *   4. the only colour up, or the one upstreams.caddy lists first (blue without it);
 *   nothing running: none.
 */
export function liveColour(input: LiveInput): LiveDecision {
  const seen = (c: Colour): ColourSeen => input.colours.find((s) => s.colour === c) ?? { colour: c, condition: 'down', digest: null, detail: 'absent' };
  const best = Math.max(...COLOURS.map((c) => RANK[seen(c).condition]));
  const candidates = best === 0 ? [] : COLOURS.filter((c) => RANK[seen(c).condition] === best);
  const level = best === 2 ? 'healthy' : 'running, not healthy';
  const runs = (c: Colour, digest: string) => seen(c).digest === digest;
  const { active, interrupted, upstreams } = input;

  const decide = (): { live: Colour | undefined; because: string; conflict?: string } => {
    if (candidates.length === 0) {
      return { live: undefined, because: 'no prod colour is running', ...(active?.colour ? { conflict: `the state records ${active.version} on ${active.colour}, but ${active.colour} is ${seen(active.colour).detail}` } : {}) };
    }
    const i = interrupted;
    if (i?.colour && candidates.includes(i.colour) && runs(i.colour, i.digest) && upstreams?.[0] === i.colour) {
      return { live: i.colour, because: `the interrupted deploy of ${i.version} had switched to it; it runs there, ${level}` };
    }
    if (active) {
      const c = active.colour;
      if (c && candidates.includes(c)) {
        const movedTo = candidates.find((o) => o !== c && runs(o, active.digest));
        if (movedTo === undefined || runs(c, active.digest) || seen(c).digest === null) {
          const mismatch = seen(c).digest !== null && !runs(c, active.digest);
          return {
            live: c,
            because: `the state's active release ${active.version} is recorded there, ${level}`,
            ...(mismatch ? { conflict: `the state records ${active.version} (${active.digest}) on ${c}, but ${c} runs ${seen(c).digest}` } : {}),
          };
        }
        return { live: movedTo, because: `it runs the state's active release ${active.version}, ${level}`, conflict: `the state records ${active.version} on ${c}, but ${movedTo} runs it` };
      }
      const holder = candidates.find((o) => runs(o, active.digest));
      if (holder) {
        return {
          live: holder,
          because: `it runs the state's active release ${active.version}, ${level}`,
          ...(c && c !== holder ? { conflict: `the state records ${active.version} on ${c}, but ${c} is ${seen(c).detail} and ${holder} runs it` } : {}),
        };
      }
    }
    const fallback = candidates.length === 1 ? candidates[0]! : upstreams?.[0] && candidates.includes(upstreams[0]) ? upstreams[0] : 'blue';
    const why = candidates.length === 1 ? `the only colour ${level}` : `both colours are ${level} and neither holds the recorded release: the one upstreams.caddy lists first`;
    if (!active) return { live: fallback, because: `${why} (the state records no active release)` };
    const recorded = active.colour ? `${active.version} on ${active.colour}` : active.version;
    const found = active.colour && !candidates.includes(active.colour) ? `${active.colour} is ${seen(active.colour).detail}` : `no colour runs ${active.digest}`;
    return { live: fallback, because: why, conflict: `the state records ${recorded}, but ${found}; ${fallback} is ${seen(fallback).detail}` };
  };

  const d = decide();
  const fileOrder: [Colour, Colour] | undefined =
    upstreams?.length === 2 && upstreams[0] !== upstreams[1] ? [upstreams[0]!, upstreams[1]!] : undefined;
  if (d.live === undefined) return { ...d, order: fileOrder ?? ['blue', 'green'], upstreamsWrong: false };
  return { ...d, order: [d.live, other(d.live)], upstreamsWrong: fileOrder?.[0] !== d.live };
}

/** Where a compose variable's value (an image reference, or the active environment) can be restored from. */
export interface ImageSource {
  variable: string;
  /** The value: an image reference, e.g. `ghcr.io/owner/synapse@sha256:…`, or `dev`/`prod` for SYNAPSE_ACTIVE_ENV. */
  ref: string;
  /** For the log: `synapse-prod-green`, `the state file`. */
  from: string;
  /**
   * A container that exists with this image: its reference replaces a different value too (compose
   * would otherwise recreate it with another image the next time the service is touched). Otherwise
   * (a release only the state file records) it fills a missing value only.
   */
  container: boolean;
}

export interface EnvRepairs {
  /** The variables to write; empty when the file already agrees. */
  values: Record<string, string>;
  /** One phrase per variable written: `SYNAPSE_PROD_GREEN_IMAGE from synapse-prod-green`. */
  notes: string[];
}

/**
 * The variables an env file must get back: the first source per variable wins (list the
 * containers before the state file). A value that is present and agrees is never rewritten, and
 * nothing but these image references and the active environment is ever written (no secret lives
 * in them).
 */
export function envRepairs(current: Readonly<Record<string, string>>, sources: readonly ImageSource[]): EnvRepairs {
  const values: Record<string, string> = {};
  const notes: string[] = [];
  const done = new Set<string>();
  for (const s of sources) {
    if (done.has(s.variable) || s.ref === '') continue;
    done.add(s.variable);
    const now = current[s.variable];
    if (now === s.ref) continue;
    if (now === undefined || now === '') {
      values[s.variable] = s.ref;
      notes.push(`${s.variable} from ${s.from}`);
    } else if (s.container) {
      values[s.variable] = s.ref;
      notes.push(`${s.variable} (was ${now}; ${s.from} runs ${s.ref})`);
    }
  }
  return { values, notes };
}

/**
 * SYNAPSE_ACTIVE_ENV as the state file records it (`activeEnv`, written with the env file by every
 * switch): it fills a missing value only, so a value set by hand is never overridden.
 */
export function activeEnvSources(activeEnv: Environment | undefined): ImageSource[] {
  return activeEnv === undefined ? [] : [{ variable: ACTIVE_ENV_VARIABLE, ref: activeEnv, from: 'the state file', container: false }];
}
