import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireTestBed } from '../bed/check.js';
import { cleanEnv, composeDir, composeFile, composeProject, runAsync, type ComposeProject } from './helpers.js';

// compose/docker-compose.yml as compose itself reads it (`docker compose config`): valid with the
// defaults, with .env.example and with the variables the other compose tests use, and rendering
// exactly the decided design. Nothing is started here.

interface Rendered {
  name: string;
  services: Record<string, RenderedService>;
  networks: Record<string, { name: string; driver: string; ipam?: { config: Array<{ subnet: string }> } }>;
  volumes: Record<string, { name: string }>;
  secrets: Record<string, { name: string; file: string }>;
}

interface RenderedService {
  image: string;
  environment?: Record<string, string>;
  ports?: Array<{ host_ip: string; target: number; published: string }>;
  restart?: string;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; start_period?: string; start_interval?: string; interval?: string; timeout?: string; retries?: number };
  deploy?: { resources?: { limits?: { cpus?: number; memory?: string } } };
  volumes?: Array<{ type: string; source: string; target: string; read_only?: boolean; bind?: { create_host_path?: boolean } }>;
  secrets?: Array<{ source: string; target: string }>;
  networks?: Record<string, unknown>;
  init?: boolean;
  container_name?: string;
}

const GiB3 = String(3 * 1024 ** 3);
const appServices = ['synapse-dev', 'synapse-prod-blue', 'synapse-prod-green'];

/** `docker compose -f compose/docker-compose.yml --env-file FILE ARGS` with no SYNAPSE_* in the environment. */
function config(envFile: string, ...args: string[]) {
  return runAsync('docker', ['compose', '-f', composeFile, '--env-file', envFile, ...args], { env: cleanEnv() });
}

async function rendered(envFile: string): Promise<Rendered> {
  const r = await config(envFile, '--profile', 'rollout', 'config', '--format', 'json');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Rendered;
}

describe('compose/docker-compose.yml: docker compose config', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    requireTestBed();
    project = await composeProject();
  });
  afterAll(async () => project?.destroy());

  test('config -q passes with the defaults (no .env, no SYNAPSE_* set), with .env.example and with the test variables', async () => {
    for (const envFile of ['/dev/null', join(composeDir, '.env.example'), join(project.dir, '.env')]) {
      const r = await config(envFile, 'config', '-q');
      expect(r.status, `config -q with --env-file ${envFile}: ${r.stderr}`).toBe(0);
      expect(r.stderr, `warnings with --env-file ${envFile}`).toBe('');
    }
  });

  test('.env.example documents every variable the file uses, each with its default', async () => {
    // The YAML without its comment lines (they show `${VARIABLE:-default}` as an example).
    const yaml = readFileSync(composeFile, 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    const used = new Map<string, string>();
    for (const m of yaml.matchAll(/\$\{([A-Z0-9_]+):-([^}]*)\}/g)) used.set(m[1]!, m[2]!);
    // Every ${...} has a default (no bare ${VAR} that would interpolate to an empty string).
    expect([...yaml.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1])).toEqual([]);
    const example = new Map<string, string>();
    for (const line of readFileSync(join(composeDir, '.env.example'), 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) example.set(m[1]!, m[2]!);
    }
    expect([...example.keys()].sort()).toEqual([...used.keys()].sort());
    for (const [name, fallback] of used) expect(example.get(name), name).toBe(fallback);
    // And therefore .env.example renders exactly what the defaults render.
    expect(await rendered(join(composeDir, '.env.example'))).toEqual(await rendered('/dev/null'));
  });

  test('the defaults render the decided design', async () => {
    const c = await rendered('/dev/null');
    expect(c.name).toBe('synapse');
    expect(Object.keys(c.services).sort()).toEqual(['synapse-dev', 'synapse-prod', 'synapse-prod-blue', 'synapse-prod-green']);
    const s = (name: string) => c.services[name]!;

    // dev: latest on 8003, DEBUG, aggressive, never restarted.
    expect(s('synapse-dev').image).toBe('ghcr.io/owner/synapse:latest');
    expect(s('synapse-dev').ports).toEqual([expect.objectContaining({ host_ip: '0.0.0.0', published: '8003', target: 8002 })]);
    expect(s('synapse-dev').environment).toEqual({
      SYNAPSE_ENV: 'dev',
      LOG_LEVEL: 'DEBUG',
      SYNAPSE_AUTO_LEARNING: 'aggressive',
      SYNAPSE_CONFIG_PATH: '/app/configs/synapse_dev.json',
      SYNAPSE_API_TOKEN_FILE: '/run/secrets/api_token',
    });
    expect(s('synapse-dev').restart).toBe('no');

    // prod colours: pinned images, INFO, moderate, restarted, not published; green only in `rollout`.
    for (const colour of ['synapse-prod-blue', 'synapse-prod-green']) {
      expect(s(colour).image).toBe('ghcr.io/owner/synapse:v1.0.0');
      expect(s(colour).ports ?? []).toEqual([]);
      expect(s(colour).environment).toEqual({
        SYNAPSE_ENV: 'prod',
        LOG_LEVEL: 'INFO',
        SYNAPSE_AUTO_LEARNING: 'moderate',
        SYNAPSE_CONFIG_PATH: '/app/configs/synapse_prod.json',
        SYNAPSE_API_TOKEN_FILE: '/run/secrets/api_token',
      });
      expect(s(colour).restart).toBe('unless-stopped');
    }
    expect(s('synapse-prod-blue').profiles).toBeUndefined();
    expect(s('synapse-prod-green').profiles).toEqual(['rollout']);

    // The proxy owns 8002, waits for a healthy blue, mounts its config directory read-only.
    expect(s('synapse-prod').image).toBe('caddy:2');
    expect(s('synapse-prod').ports).toEqual([expect.objectContaining({ host_ip: '0.0.0.0', published: '8002', target: 8002 })]);
    expect(s('synapse-prod').depends_on).toEqual({ 'synapse-prod-blue': expect.objectContaining({ condition: 'service_healthy' }) });
    expect(s('synapse-prod').restart).toBe('unless-stopped');
    expect(s('synapse-prod').volumes).toEqual([
      expect.objectContaining({ type: 'bind', source: join(composeDir, 'caddy'), target: '/etc/caddy', read_only: true }),
      expect.objectContaining({ type: 'volume', source: 'synapse-proxy-config', target: '/config' }),
      expect.objectContaining({ type: 'volume', source: 'synapse-proxy-data', target: '/data' }),
    ]);

    // Shared by the three app services: data bind (never created on the fly), models volume,
    // configs read-only, the secret as a file, synapse-net, 3 CPUs / 3 GiB, no fixed names.
    for (const name of appServices) {
      expect(s(name).volumes, name).toEqual([
        expect.objectContaining({ type: 'bind', source: '/opt/synapse/data', target: '/app/data' }),
        expect.objectContaining({ type: 'volume', source: 'synapse-models', target: '/app/models' }),
        expect.objectContaining({ type: 'bind', source: join(composeDir, '..', 'configs'), target: '/app/configs', read_only: true }),
      ]);
      expect(s(name).volumes![0]!.bind?.create_host_path, name).not.toBe(true);
      expect(s(name).secrets, name).toEqual([{ source: 'api_token', target: '/run/secrets/api_token' }]);
      expect(s(name).deploy?.resources?.limits, name).toEqual({ cpus: 3, memory: GiB3 });
      expect(s(name).init, name).toBeUndefined();
    }
    for (const [name, service] of Object.entries(c.services)) {
      expect(Object.keys(service.networks ?? {}), name).toEqual(['synapse-net']);
      expect(service.container_name, name).toBeUndefined();
      // A health check with a start period on every service, the proxy's too.
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
      expect(service.healthcheck?.start_period, name).toMatch(/^\d/);
    }
    expect(s('synapse-dev').healthcheck?.test).toEqual(['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8002/health']);
    expect(s('synapse-prod').healthcheck?.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:2019/config/']);

    expect(c.networks['synapse-net']).toEqual(expect.objectContaining({ driver: 'bridge', ipam: { config: [{ subnet: '172.22.0.0/16' }] } }));
    expect(Object.keys(c.volumes).sort()).toEqual(['synapse-models', 'synapse-proxy-config', 'synapse-proxy-data']);
    expect(c.secrets.api_token?.file).toBe('/opt/synapse/secrets/api_token');
  });

  test('a plain `up` selects blue, the proxy and dev; green only with the rollout profile', async () => {
    const plain = await config('/dev/null', 'config', '--services');
    expect(plain.stdout.split('\n').sort()).toEqual(['synapse-dev', 'synapse-prod', 'synapse-prod-blue']);
    const rollout = await config('/dev/null', '--profile', 'rollout', 'config', '--services');
    expect(rollout.stdout.split('\n').sort()).toEqual(['synapse-dev', 'synapse-prod', 'synapse-prod-blue', 'synapse-prod-green']);
  });

  test('the test variables reach the rendered file', async () => {
    const c = await rendered(join(project.dir, '.env'));
    const v = project.vars;
    expect(c.services['synapse-dev']!.image).toBe(v.SYNAPSE_DEV_IMAGE);
    expect(c.services['synapse-prod-blue']!.image).toBe(v.SYNAPSE_PROD_BLUE_IMAGE);
    expect(c.services['synapse-prod-green']!.image).toBe(v.SYNAPSE_PROD_GREEN_IMAGE);
    expect(c.services['synapse-prod']!.image).toBe(v.SYNAPSE_PROXY_IMAGE);
    expect(c.services['synapse-dev']!.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', published: String(project.devPort) })]);
    expect(c.services['synapse-prod']!.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', published: String(project.prodPort) })]);
    expect(c.services['synapse-dev']!.volumes![0]!.source).toBe(project.dataDir);
    expect(c.services['synapse-prod']!.volumes![0]!.source).toBe(project.proxyConfigDir);
    expect(c.networks['synapse-net']!.ipam).toEqual({ config: [{ subnet: project.subnet }] });
    expect(c.secrets.api_token?.file).toBe(join(project.secretsDir, 'api_token'));
  });
});
