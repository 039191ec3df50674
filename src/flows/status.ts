// `release-flow status`: the state file read beside the data directory, and what compose says runs.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Docker } from '../adapters/docker.js';
import { readStateFile, stateFilePath } from '../adapters/state-file.js';
import { colourService, configJsonArgs, DEV_SERVICE, parsePs, parseUpstreams, PROXY_SERVICE, psArgs, type ComposeTarget } from '../core/compose-commands.js';
import type { Colour, Environment } from '../core/deploy-state.js';

export interface EnvironmentStatus {
  env: Environment;
  version: string | null;
  digest: string | null;
  /** healthy, unhealthy, starting, running (no healthcheck), stopped or absent. */
  health: string;
  /** compose's Status text, e.g. `Up 5 minutes (healthy)`. */
  uptime: string | null;
  /** prod: the colour listed first in upstreams.caddy (serving), and the standby. */
  colour?: Colour;
  standby?: { colour: Colour; health: string; version: string | null };
}

export interface StatusReport {
  stateFile: string;
  environments: EnvironmentStatus[];
}

interface Model {
  services?: Record<string, { volumes?: Array<{ source?: string; target?: string }> }>;
}

export async function deployStatus(docker: Docker, options: { composeFile: string; project: string; envFile?: string; dataDir?: string }): Promise<StatusReport> {
  const composeFile = resolve(options.composeFile);
  const target: ComposeTarget = { file: composeFile, project: options.project, envFile: options.envFile ?? join(dirname(composeFile), '.env') };
  const model = JSON.parse((await docker.run(configJsonArgs(target))).stdout) as Model;
  const source = (service: string, path: string) => model.services?.[service]?.volumes?.find((v) => v.target === path)?.source;
  const dataDir = resolve(options.dataDir ?? source(colourService('blue'), '/app/data') ?? '/opt/synapse/data');
  const stateFile = stateFilePath(dataDir);
  const state = await readStateFile(stateFile);
  const ps = parsePs((await docker.run(psArgs(target))).stdout);
  const health = (service: string) => {
    const e = ps.find((p) => p.Service === service);
    if (!e) return { health: 'absent', uptime: null };
    return { health: e.State !== 'running' ? 'stopped' : e.Health || 'running', uptime: e.State === 'running' ? e.Status : null };
  };
  const dev = state.environments.dev;
  const prod = state.environments.prod;
  const proxyDir = source(PROXY_SERVICE, '/etc/caddy') ?? join(dirname(composeFile), 'caddy');
  const order = parseUpstreams(await readFile(join(proxyDir, 'upstreams.caddy'), 'utf8').catch(() => '')) ?? ['blue', 'green'];
  const [live = 'blue', standby = 'green'] = order;
  const versionOf = (c: Colour) => (prod.active?.colour === c ? prod.active.version : prod.previous?.colour === c ? prod.previous.version : null);
  const proxy = health(PROXY_SERVICE);
  const liveHealth = health(colourService(live));
  return {
    stateFile,
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
