// Pure argv builders for the compose commands of a deploy (Kamal-style command objects: each
// returns the argv given to `docker`, never runs it), the text of caddy/upstreams.caddy for a
// colour order, and the health wait derived from a service's healthcheck. The deploy flow
// (src/flows/deploy.ts) runs them through src/adapters/docker.ts.

import type { Colour } from './deploy-state.js';

export const PROXY_SERVICE = 'synapse-prod';
export const DEV_SERVICE = 'synapse-dev';
export const ROLLOUT_PROFILE = 'rollout';
export const CADDYFILE = '/etc/caddy/Caddyfile';
export const COLOURS: readonly Colour[] = ['blue', 'green'];
/** The env-file variable `release-flow switch` records the active environment in. */
export const ACTIVE_ENV_VARIABLE = 'SYNAPSE_ACTIVE_ENV';

export interface ComposeTarget {
  /** The compose file. */
  file: string;
  /** The project name (`-p`). */
  project: string;
  /** `--env-file`, when the project keeps its variables in a file other than `.env` beside the compose file. */
  envFile?: string | undefined;
}

export function colourService(colour: Colour): string {
  return `synapse-prod-${colour}`;
}

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

/** The variable holding a colour's image reference: SYNAPSE_PROD_BLUE_IMAGE. */
export function colourImageVariable(colour: Colour): string {
  return `SYNAPSE_PROD_${colour.toUpperCase()}_IMAGE`;
}

/** Green only runs with the `rollout` profile. */
function profilesFor(service: string): string[] {
  return service === colourService('green') ? ['--profile', ROLLOUT_PROFILE] : [];
}

export function composeBase(target: ComposeTarget, profiles: readonly string[] = []): string[] {
  return ['compose', '-f', target.file, '-p', target.project, ...(target.envFile ? ['--env-file', target.envFile] : []), ...profiles];
}

/** `docker compose … up -d --no-deps --wait --wait-timeout S SERVICE` (green with --profile rollout). */
export function upServiceArgs(target: ComposeTarget, service: string, waitTimeoutSeconds: number, options: { forceRecreate?: boolean; noDeps?: boolean } = {}): string[] {
  if (!Number.isInteger(waitTimeoutSeconds) || waitTimeoutSeconds < 1) {
    throw new Error(`wait timeout ${waitTimeoutSeconds} is not valid; expected a whole number of seconds >= 1`);
  }
  return [
    ...composeBase(target, profilesFor(service)),
    'up',
    '-d',
    ...(options.noDeps === false ? [] : ['--no-deps']),
    ...(options.forceRecreate ? ['--force-recreate'] : []),
    '--wait',
    '--wait-timeout',
    String(waitTimeoutSeconds),
    service,
  ];
}

/** `docker compose … exec -T synapse-prod caddy reload --config /etc/caddy/Caddyfile`. */
export function caddyReloadArgs(target: ComposeTarget): string[] {
  return [...composeBase(target), 'exec', '-T', PROXY_SERVICE, 'caddy', 'reload', '--config', CADDYFILE];
}

/** `docker compose … --profile rollout ps --all --format json [SERVICE…]`: every colour, stopped ones too. */
export function psArgs(target: ComposeTarget, services: readonly string[] = []): string[] {
  return [...composeBase(target, ['--profile', ROLLOUT_PROFILE]), 'ps', '--all', '--format', 'json', ...services];
}

export function pullArgs(target: ComposeTarget, service: string): string[] {
  return [...composeBase(target, profilesFor(service)), 'pull', service];
}

export function stopArgs(target: ComposeTarget, service: string, timeoutSeconds = 10): string[] {
  return [...composeBase(target, profilesFor(service)), 'stop', '--timeout', String(timeoutSeconds), service];
}

/** `docker compose … exec -T SERVICE CMD…` (the health probe of the watch). */
export function execArgs(target: ComposeTarget, service: string, command: readonly string[]): string[] {
  return [...composeBase(target, profilesFor(service)), 'exec', '-T', service, ...command];
}

export function logsArgs(target: ComposeTarget, service: string, tail = 10): string[] {
  return [...composeBase(target, profilesFor(service)), 'logs', '--no-color', '--tail', String(tail), service];
}

/** `docker compose … config --hash SERVICE`: `SERVICE <hash>`, the hash compose labels the service's container with (com.docker.compose.config-hash). */
export function configHashArgs(target: ComposeTarget, service: string): string[] {
  return [...composeBase(target, profilesFor(service)), 'config', '--hash', service];
}

/** The label compose puts the configuration hash of a container's service in. */
export const CONFIG_HASH_LABEL = 'com.docker.compose.config-hash';

/** `docker inspect --type container --format '<id> <state json>' ID…`: one line per container, its health and when it started. */
export function inspectStateArgs(ids: readonly string[]): string[] {
  return ['inspect', '--type', 'container', '--format', '{{.Id}} {{json .State}}', ...ids];
}

/** `docker inspect --type container --format '{{json .}}' ID`: a container's image id, reference and labels among the rest. */
export function inspectContainerArgs(id: string): string[] {
  return ['inspect', '--type', 'container', '--format', '{{json .}}', id];
}

/** `docker image inspect --format '{{json .RepoDigests}}' IMAGE`: the registry digests an image is known by. */
export function repoDigestsArgs(image: string): string[] {
  return ['image', 'inspect', '--format', '{{json .RepoDigests}}', image];
}

/** `docker compose … --profile rollout config --format json`: the resolved model (healthchecks, ports, secrets). */
export function configJsonArgs(target: ComposeTarget): string[] {
  return [...composeBase(target, ['--profile', ROLLOUT_PROFILE]), 'config', '--format', 'json'];
}

/** The text of upstreams.caddy: the live colour first, the hot standby second. */
export function upstreamsText(order: readonly Colour[]): string {
  if (order.length !== 2 || order[0] === order[1]) throw new Error(`upstream order ${JSON.stringify(order)} is not valid; expected both colours once, e.g. ["green","blue"]`);
  return `to ${order.map((c) => `${colourService(c)}:8002`).join(' ')}\n`;
}

/** The colour order of an upstreams.caddy text (comments ignored); undefined when it names no colour. */
export function parseUpstreams(text: string): Colour[] | undefined {
  const line = text.split('\n').find((l) => /^\s*to\s/.test(l));
  if (!line) return undefined;
  const colours = [...line.matchAll(/synapse-prod-(blue|green)\b/g)].map((m) => m[1] as Colour);
  return colours.length > 0 ? colours : undefined;
}

/** Go durations as compose prints them: `1m0s`, `10s`, `1.5s`, `500ms`, `1h2m3s` → seconds. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    const value = Number(m[1]);
    const unit = m[2];
    total += value * (unit === 'h' ? 3600 : unit === 'm' ? 60 : unit === 's' ? 1 : unit === 'ms' ? 1e-3 : unit === 'ns' ? 1e-9 : 1e-6);
    matched += m[0].length;
  }
  if (matched === 0 || matched !== text.length) throw new Error(`duration ${JSON.stringify(text)} is not valid; expected a Go duration such as 1m0s or 10s`);
  return total;
}

export interface HealthcheckModel {
  start_period?: string;
  interval?: string;
  retries?: number;
  timeout?: string;
  disable?: boolean;
}

/** Docker's defaults when a healthcheck leaves a field out. */
const DEFAULT_INTERVAL_S = 30;
const DEFAULT_RETRIES = 3;

/**
 * How long `up --wait` may wait for a service to turn healthy: start_period + interval × retries
 * (+ timeout of the last probe) + margin, whole seconds. Past that, the engine itself would have
 * called the container unhealthy.
 */
export function healthWaitSeconds(healthcheck: HealthcheckModel | undefined, marginSeconds = 10): number {
  if (!healthcheck || healthcheck.disable) return 60 + marginSeconds;
  const start = healthcheck.start_period ? parseGoDuration(healthcheck.start_period) : 0;
  const interval = healthcheck.interval ? parseGoDuration(healthcheck.interval) : DEFAULT_INTERVAL_S;
  const timeout = healthcheck.timeout ? parseGoDuration(healthcheck.timeout) : 0;
  const retries = healthcheck.retries ?? DEFAULT_RETRIES;
  return Math.ceil(start + interval * retries + timeout + marginSeconds);
}

/** The healthcheck of `service` in `docker compose config --format json` output. */
export function serviceHealthcheck(configJson: string, service: string): HealthcheckModel | undefined {
  const model = JSON.parse(configJson) as { services?: Record<string, { healthcheck?: HealthcheckModel }> };
  const svc = model.services?.[service];
  if (!svc) throw new Error(`service ${service} is not in the compose configuration; expected one of ${Object.keys(model.services ?? {}).join(', ')}`);
  return svc.healthcheck;
}

export interface PsEntry {
  Service: string;
  Name: string;
  ID: string;
  State: string;
  /** `healthy`, `unhealthy`, `starting` or empty. */
  Health: string;
  Image: string;
  /** e.g. `Up 5 minutes (healthy)`. */
  Status: string;
  CreatedAt?: string;
}

/** `ps --format json`: a JSON array (compose ≥ 2.21 prints NDJSON, older an array); both read. */
export function parsePs(output: string): PsEntry[] {
  const text = output.trim();
  if (!text) return [];
  const raw: unknown[] = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  return raw.map((r) => {
    const o = r as Record<string, unknown>;
    const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
    return { Service: s('Service'), Name: s('Name'), ID: s('ID'), State: s('State'), Health: s('Health'), Image: s('Image'), Status: s('Status'), CreatedAt: s('CreatedAt') };
  });
}

/** Sets (or adds) KEY=value lines in an env file's text, keeping every other line as it is. */
export function setEnvLines(text: string, values: Record<string, string>): string {
  const pending = new Map(Object.entries(values));
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out = lines.map((line) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = m?.[1];
    if (key !== undefined && pending.has(key)) {
      const value = pending.get(key)!;
      pending.delete(key);
      return `${key}=${value}`;
    }
    return line;
  });
  for (const [key, value] of pending) out.push(`${key}=${value}`);
  return `${out.join('\n')}\n`;
}

/** KEY=value of an env file (last one wins); comments and blank lines skipped, surrounding quotes removed. */
export function readEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (m?.[1] === undefined) continue;
    out[m[1]] = (m[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/** The `sha256:…` of an `image@sha256:…` reference, or undefined. */
export function digestOf(ref: string | undefined): string | undefined {
  return ref === undefined ? undefined : /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
}

/** Replaces every occurrence of each secret value (trimmed, non-empty) with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets.map((x) => x.trim()).filter((x) => x.length >= 4)) out = out.split(s).join('***');
  return out;
}
