// `release-flow status`: the state file read beside the data directory, and what compose says runs.
import type { Docker } from '../adapters/docker.js';
import { colourService, DEV_SERVICE, PROXY_SERVICE } from '../core/compose-commands.js';
import type { Colour, Environment } from '../core/deploy-state.js';
import { observeProd, projectPaths } from './compose-project.js';

export interface EnvironmentStatus {
  env: Environment;
  version: string | null;
  digest: string | null;
  /** healthy, unhealthy, starting, running (no healthcheck), stopped or absent. */
  health: string;
  /** compose's Status text, e.g. `Up 5 minutes (healthy)`. */
  uptime: string | null;
  /** prod: the live colour (from the state file and the containers, not upstreams.caddy), and the standby. */
  colour?: Colour;
  standby?: { colour: Colour; health: string; version: string | null };
}

export interface StatusReport {
  stateFile: string;
  environments: EnvironmentStatus[];
}

export async function deployStatus(docker: Docker, options: { composeFile: string; project: string; envFile?: string; dataDir?: string }): Promise<StatusReport> {
  const paths = await projectPaths(docker, options);
  // Which colour is live from the state file and the containers: a checkout on the runner resets
  // upstreams.caddy to blue first and may delete .env, so neither file is read for it.
  const seen = await observeProd(docker, paths);
  const { state, ps } = seen;
  const health = (service: string) => {
    const e = ps.find((p) => p.Service === service);
    if (!e) return { health: 'absent', uptime: null };
    return { health: e.State !== 'running' ? 'stopped' : e.Health || 'running', uptime: e.State === 'running' ? e.Status : null };
  };
  const dev = state.environments.dev;
  const prod = state.environments.prod;
  const [live, standby] = seen.order;
  const versionOf = (c: Colour) => (prod.active?.colour === c ? prod.active.version : prod.previous?.colour === c ? prod.previous.version : null);
  const proxy = health(PROXY_SERVICE);
  const liveHealth = health(colourService(live));
  return {
    stateFile: paths.stateFile,
    environments: [
      { env: 'dev', version: dev.active?.version ?? null, digest: dev.active?.digest ?? null, ...health(DEV_SERVICE) },
      {
        env: 'prod',
        version: prod.active?.version ?? null,
        digest: prod.active?.digest ?? null,
        health: proxy.health === 'healthy' ? liveHealth.health : `proxy ${proxy.health}`,
        uptime: liveHealth.uptime,
        colour: live,
        standby: { colour: standby, health: health(colourService(standby)).health, version: versionOf(standby) },
      },
    ],
  };
}

/** The text `release-flow status` prints: the state file, then a line per environment. */
export function statusText(report: StatusReport): string {
  const line = (s: EnvironmentStatus) =>
    `${s.env.padEnd(5)} ${(s.version ?? '-').padEnd(10)} ${s.health.padEnd(10)} ${s.colour ? `colour ${s.colour} ` : ''}${s.uptime ? `${uptimeText(s.uptime)} ` : ''}${s.digest ?? ''}`.trimEnd();
  return [`state: ${report.stateFile}`, ...report.environments.map(line)].join('\n') + '\n';
}

/** compose's Status text, `Up 29 seconds (healthy)`, as `up 29 seconds, healthy`; any other text as it is. */
export function uptimeText(status: string): string {
  const m = /^up\s+(.+?)(?:\s+\((.+)\))?$/i.exec(status.trim());
  if (!m) return status.trim();
  const [, duration = '', note] = m;
  return `up ${duration.charAt(0).toLowerCase()}${duration.slice(1)}${note ? `, ${note}` : ''}`;
}
