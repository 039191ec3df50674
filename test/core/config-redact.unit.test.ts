import { describe, expect, test } from 'vitest';
import type { ConfigObject } from '../../src/core/config-merge.js';
import { isSecretLeaf, isSecretName, REDACTED, redactConfig } from '../../src/core/config-redact.js';

describe('isSecretName', () => {
  test.each<[string, boolean]>([
    ['SYNAPSE_API_TOKEN', true],
    ['api_token', true],
    ['client_secret', true],
    ['DB_PASSWORD', true],
    ['api_key', true],
    ['apiKey', true],
    ['LOG_LEVEL', false],
    ['level', false],
    ['episodic_db', false],
    ['SYNAPSE_PORT', false],
  ])('%s → %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('isSecretLeaf: by any key segment or by the variable it came from', () => {
  test.each<[string[], string | undefined, boolean]>([
    [['logging', 'level'], 'env:LOG_LEVEL', false],
    [['logging', 'level'], 'configs/synapse.json', false],
    [['server', 'api_token'], 'configs/synapse.json', true],
    [['credentials', 'user'], 'default', false],
    [['secrets', 'user'], 'default', true],
    [['server', 'auth'], 'env:SYNAPSE_AUTH_TOKEN', true],
    // A file's name is not a variable: only env: sources are checked by name.
    [['server', 'host'], 'configs/token.json', false],
    [['server', 'host'], undefined, false],
  ])('%j from %s → %s', (segments, source, secret) => {
    expect(isSecretLeaf(segments, source)).toBe(secret);
  });
});

describe('redactConfig', () => {
  test('redacts secret leaves, keeps the rest and the shape, changes nothing in place', () => {
    const values: ConfigObject = {
      server: { host: '0.0.0.0', port: 8002, api_key: 'canary-1' },
      auth: { token: { value: 'canary-2' } },
      logging: { level: 'DEBUG' },
      upstream: { user: 'canary-3' },
      empty: {},
    };
    const before = structuredClone(values);
    const sources = {
      'server.host': 'default',
      'server.port': 'configs/synapse.json',
      'server.api_key': 'configs/synapse.json',
      'auth.token.value': 'configs/synapse.json',
      'logging.level': 'env:LOG_LEVEL',
      'upstream.user': 'env:UPSTREAM_PASSWORD',
    };
    const redacted = redactConfig(values, sources);
    expect(redacted).toEqual({
      server: { host: '0.0.0.0', port: 8002, api_key: REDACTED },
      auth: { token: { value: REDACTED } },
      logging: { level: 'DEBUG' },
      upstream: { user: REDACTED },
      empty: {},
    });
    expect(JSON.stringify(redacted)).not.toMatch(/canary/);
    expect(values).toEqual(before);
  });
});
