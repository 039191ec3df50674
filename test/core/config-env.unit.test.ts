import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { convertEnvValue, envLayers, synapseEnvMapping, type ConversionResult } from '../../src/core/config-env.js';
import { configFileNames, synapseDefaults } from '../../src/core/config-layout.js';
import { leaves, type ConfigLayer } from '../../src/core/config-merge.js';
import { formatConfigIssue, subschemaAt } from '../../src/core/config-validate.js';

const schema = JSON.parse(readFileSync(new URL('../../configs/synapse.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const readme = readFileSync(new URL('../../configs/README.md', import.meta.url), 'utf8');

describe('the mapping table', () => {
  test('every variable maps to a key of the schema, and no two map to the same key', () => {
    for (const { key } of synapseEnvMapping) expect(subschemaAt(schema, key.split('.')), key).toBeDefined();
    expect(new Set(synapseEnvMapping.map((m) => m.key)).size).toBe(synapseEnvMapping.length);
    expect(new Set(synapseEnvMapping.map((m) => m.variable)).size).toBe(synapseEnvMapping.length);
  });

  test('the table of configs/README.md is the table of the code', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| `([a-z_.]+)` \|/gm)].map(([, variable, key]) => ({ variable, key }));
    expect(rows).toEqual(synapseEnvMapping.map(({ variable, key }) => ({ variable, key })));
  });

  test('the examples of the issue: LOG_LEVEL, SYNAPSE_AUTO_LEARNING, SYNAPSE_PORT, SYNAPSE_DATA_DIR', () => {
    const map = Object.fromEntries(synapseEnvMapping.map((m) => [m.variable, m.key]));
    expect(map).toMatchObject({
      LOG_LEVEL: 'logging.level',
      SYNAPSE_AUTO_LEARNING: 'automatic_learning.mode',
      SYNAPSE_PORT: 'server.port',
      SYNAPSE_DATA_DIR: 'data.dir',
    });
  });

  test('no variable names a secret, and neither SYNAPSE_CONFIG_PATH nor a *_FILE is a key', () => {
    for (const { variable } of synapseEnvMapping) {
      expect(variable).not.toMatch(/token|secret|password|key|_FILE$/i);
      expect(variable).not.toBe(configFileNames('dev').pathVariable);
    }
  });

  test('the code defaults set every key of the schema, so each file can be partial', () => {
    const schemaKeys: string[] = [];
    const walk = (path: string[]): void => {
      const sub = subschemaAt(schema, path)!;
      if (sub.type !== 'object') return void schemaKeys.push(path.join('.'));
      for (const k of Object.keys(sub.properties as object)) if (!(path.length === 0 && k === '$schema')) walk([...path, k]);
    };
    walk([]);
    expect(leaves(synapseDefaults).map(([p]) => p.join('.')).sort()).toEqual(schemaKeys.sort());
  });
});

describe('convertEnvValue: to the schema type', () => {
  // [text, schema type, result]
  test.each<[string, unknown, ConversionResult]>([
    ['DEBUG', 'string', { ok: true, value: 'DEBUG' }],
    [' spaced ', 'string', { ok: true, value: ' spaced ' }],
    ['8002', 'string', { ok: true, value: '8002' }],
    ['anything', undefined, { ok: true, value: 'anything' }],
    ['8002', 'integer', { ok: true, value: 8002 }],
    [' 8002\n', 'integer', { ok: true, value: 8002 }],
    ['+5', 'integer', { ok: true, value: 5 }],
    ['-5', 'integer', { ok: true, value: -5 }],
    ['80a', 'integer', { ok: false, expected: 'an integer' }],
    ['8002.5', 'integer', { ok: false, expected: 'an integer' }],
    ['0x10', 'integer', { ok: false, expected: 'an integer' }],
    ['1e3', 'integer', { ok: false, expected: 'an integer' }],
    ['99999999999999999999', 'integer', { ok: false, expected: 'an integer' }],
    ['', 'integer', { ok: false, expected: 'an integer' }],
    ['1.5', 'number', { ok: true, value: 1.5 }],
    ['.5', 'number', { ok: true, value: 0.5 }],
    ['1e3', 'number', { ok: true, value: 1000 }],
    ['Infinity', 'number', { ok: false, expected: 'a number' }],
    ['true', 'boolean', { ok: true, value: true }],
    ['YES', 'boolean', { ok: true, value: true }],
    ['1', 'boolean', { ok: true, value: true }],
    ['False', 'boolean', { ok: true, value: false }],
    ['no', 'boolean', { ok: true, value: false }],
    ['0', 'boolean', { ok: true, value: false }],
    ['on', 'boolean', { ok: false, expected: 'true or false' }],
    ['null', ['integer', 'null'], { ok: true, value: null }],
    ['7', ['integer', 'null'], { ok: true, value: 7 }],
    ['x', ['integer', 'null'], { ok: false, expected: 'an integer or null' }],
    ['{}', 'object', { ok: false, expected: 'an object (not settable from a variable)' }],
  ])('%j as %j', (text, type, result) => {
    expect(convertEnvValue(text, type)).toEqual(result);
  });
});

describe('envLayers', () => {
  const sourcesOf = (layers: ConfigLayer[]) => layers.map((l) => [l.source, l.value]);

  test.each<[string, Record<string, string | undefined>, Array<[string, unknown]>, string[]]>([
    ['no variables', {}, [], []],
    ['unrelated variables are ignored', { PATH: '/bin', SYNAPSE_ENV: 'dev', SYNAPSE_CONFIG_PATH: 'x.json', SYNAPSE_API_TOKEN: 'canary' }, [], []],
    ['an empty variable counts as unset', { LOG_LEVEL: '', SYNAPSE_PORT: '' }, [], []],
    ['a string key', { LOG_LEVEL: 'DEBUG' }, [['env:LOG_LEVEL', { logging: { level: 'DEBUG' } }]], []],
    ['an integer key', { SYNAPSE_PORT: '9000' }, [['env:SYNAPSE_PORT', { server: { port: 9000 } }]], []],
    [
      'one layer per variable, in the order of the table',
      { SYNAPSE_DATA_DIR: '/srv/data', SYNAPSE_AUTO_LEARNING: 'off', LOG_LEVEL: 'ERROR' },
      [
        ['env:LOG_LEVEL', { logging: { level: 'ERROR' } }],
        ['env:SYNAPSE_AUTO_LEARNING', { automatic_learning: { mode: 'off' } }],
        ['env:SYNAPSE_DATA_DIR', { data: { dir: '/srv/data' } }],
      ],
      [],
    ],
    [
      'a value that does not convert is an error naming the variable, and no layer',
      { SYNAPSE_PORT: 'eighty', SYNAPSE_AUTO_LEARNING_INTERVAL: '1.5', LOG_LEVEL: 'INFO' },
      [['env:LOG_LEVEL', { logging: { level: 'INFO' } }]],
      ['env SYNAPSE_PORT: server.port: "eighty" is not an integer', 'env SYNAPSE_AUTO_LEARNING_INTERVAL: automatic_learning.interval_seconds: "1.5" is not an integer'],
    ],
    // Enum and range checks are validation's (config-validate), which names the variable too.
    ['conversion does not check enums', { LOG_LEVEL: 'VERBOSE' }, [['env:LOG_LEVEL', { logging: { level: 'VERBOSE' } }]], []],
  ])('%s', (_what, env, layers, issues) => {
    const result = envLayers(env, schema);
    expect(sourcesOf(result.layers)).toEqual(layers);
    expect(result.issues.map(formatConfigIssue)).toEqual(issues);
  });

  test('a custom mapping: a secret-like variable that fails to convert is not echoed', () => {
    const result = envLayers({ SERVICE_API_KEY: 's3cret-canary' }, { type: 'object', properties: { api: { type: 'object', properties: { key: { type: 'integer' } } } } }, [
      { variable: 'SERVICE_API_KEY', key: 'api.key' },
    ]);
    expect(result.issues.map(formatConfigIssue)).toEqual(['env SERVICE_API_KEY: api.key: [redacted] is not an integer']);
  });

  test('a key the schema does not know takes the text as it is (validation reports the key)', () => {
    const result = envLayers({ X: '5' }, schema, [{ variable: 'X', key: 'server.workers' }]);
    expect(sourcesOf(result.layers)).toEqual([['env:X', { server: { workers: '5' } }]]);
  });
});
