import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { environmentUrl, isUp } from '../../src/flows/compose-project.js';
import { requireProd } from '../../src/flows/rollback.js';
import { parseEnvironment } from '../../src/core/deploy-state.js';
import { switchSummary, type SwitchResult } from '../../src/flows/switch.js';

const entry = (State: string, Health: string) => ({ Service: 's', Name: 'n', ID: 'i', State, Health, Image: 'x', Status: '' });

describe('switch and rollback inputs', () => {
  test('parseEnvironment accepts dev and prod, and lists them otherwise', () => {
    expect(parseEnvironment('dev')).toBe('dev');
    expect(parseEnvironment('prod')).toBe('prod');
    expect(() => parseEnvironment('staging')).toThrow(InputError);
    expect(() => parseEnvironment('staging')).toThrow('environment: "staging" is not valid; expected one of dev, prod');
    expect(() => parseEnvironment(undefined)).toThrow(/one of dev, prod/);
  });

  test('requireProd: dev is told to deploy, anything else to use prod', () => {
    expect(requireProd('prod')).toBe('prod');
    expect(() => requireProd('dev')).toThrow(/dev follows latest.*deploy --env dev/);
    expect(() => requireProd('')).toThrow(/expected prod/);
  });

  test('isUp: running and healthy, or running without a health check', () => {
    expect(isUp(entry('running', 'healthy'))).toBe(true);
    expect(isUp(entry('running', ''))).toBe(true);
    expect(isUp(entry('running', 'starting'))).toBe(false);
    expect(isUp(entry('exited', ''))).toBe(false);
    expect(isUp(undefined)).toBe(false);
  });

  test('environmentUrl: the published port of the proxy (prod) or of synapse-dev', () => {
    const model = { services: { 'synapse-prod': { ports: [{ host_ip: '0.0.0.0', published: '8002' }] }, 'synapse-dev': { ports: [{ host_ip: '127.0.0.1', published: 8003 }] } } };
    expect(environmentUrl(model, 'prod')).toBe('http://localhost:8002');
    expect(environmentUrl(model, 'dev')).toBe('http://127.0.0.1:8003');
    expect(environmentUrl({}, 'dev')).toBeUndefined();
  });

  test('switchSummary names the active environment, its version, URL and configuration', () => {
    const r: SwitchResult = {
      active: 'prod',
      envFile: '/srv/compose/.env',
      version: '1.2.0',
      digest: null,
      url: 'http://localhost:8002',
      config: 'configs/synapse_prod.json',
      action: 'already-up',
      status: {
        stateFile: '/srv/release-flow-state.json',
        environments: [
          { env: 'dev', version: 'latest', digest: null, health: 'healthy', uptime: 'Up 1 minute' },
          { env: 'prod', version: '1.2.0', digest: null, health: 'healthy', uptime: 'Up 2 minutes', colour: 'green' },
        ],
      },
    };
    const text = switchSummary(r);
    expect(text).toMatch(/^active environment: prod \(SYNAPSE_ACTIVE_ENV=prod in \/srv\/compose\/\.env\)\n/);
    expect(text).toContain('prod serves 1.2.0 at http://localhost:8002, configuration configs/synapse_prod.json (already up)');
    expect(text).toMatch(/\* prod +1\.2\.0 +healthy +synapse-prod -> synapse-prod-green/);
  });
});
