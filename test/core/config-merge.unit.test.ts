import { describe, expect, test } from 'vitest';
import { leaves, mergeLayers, valueAt, type ConfigLayer, type ConfigObject } from '../../src/core/config-merge.js';

const defaults: ConfigLayer = {
  source: 'default',
  value: { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'INFO', format: 'text' } },
};
const base: ConfigLayer = { source: 'configs/synapse.json', value: { logging: { format: 'json' }, data: { dir: '/app/data' } } };
const dev: ConfigLayer = { source: 'configs/synapse_dev.json', value: { logging: { level: 'DEBUG' } } };
const envLevel: ConfigLayer = { source: 'env:LOG_LEVEL', value: { logging: { level: 'WARNING' } } };

describe('mergeLayers: precedence, lowest first, and the source of every leaf', () => {
  // [what, layers, values, sources]
  test.each<[string, ConfigLayer[], ConfigObject, Record<string, string>]>([
    ['nothing', [], {}, {}],
    [
      'defaults only',
      [defaults],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'INFO', format: 'text' } },
      { 'server.host': 'default', 'server.port': 'default', 'logging.level': 'default', 'logging.format': 'default' },
    ],
    [
      'base over defaults: objects merge key by key, new keys are added',
      [defaults, base],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'INFO', format: 'json' }, data: { dir: '/app/data' } },
      {
        'server.host': 'default',
        'server.port': 'default',
        'logging.level': 'default',
        'logging.format': 'configs/synapse.json',
        'data.dir': 'configs/synapse.json',
      },
    ],
    [
      'environment file over base',
      [defaults, base, dev],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'DEBUG', format: 'json' }, data: { dir: '/app/data' } },
      {
        'server.host': 'default',
        'server.port': 'default',
        'logging.level': 'configs/synapse_dev.json',
        'logging.format': 'configs/synapse.json',
        'data.dir': 'configs/synapse.json',
      },
    ],
    [
      'a variable over everything',
      [defaults, base, dev, envLevel],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'WARNING', format: 'json' }, data: { dir: '/app/data' } },
      {
        'server.host': 'default',
        'server.port': 'default',
        'logging.level': 'env:LOG_LEVEL',
        'logging.format': 'configs/synapse.json',
        'data.dir': 'configs/synapse.json',
      },
    ],
    [
      'the order of the layers decides, not their names',
      [envLevel, dev],
      { logging: { level: 'DEBUG' } },
      { 'logging.level': 'configs/synapse_dev.json' },
    ],
    [
      'an empty object changes nothing',
      [defaults, { source: 'b', value: { logging: {}, server: {} } }],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'INFO', format: 'text' } },
      { 'server.host': 'default', 'server.port': 'default', 'logging.level': 'default', 'logging.format': 'default' },
    ],
    [
      'a leaf replaces a whole object, and the sources under it go',
      [defaults, { source: 'b', value: { server: null } }],
      { server: null, logging: { level: 'INFO', format: 'text' } },
      { server: 'b', 'logging.level': 'default', 'logging.format': 'default' },
    ],
    [
      'an object replaces a leaf',
      [{ source: 'a', value: { server: 'x' } }, { source: 'b', value: { server: { port: 1 } } }],
      { server: { port: 1 } },
      { 'server.port': 'b' },
    ],
    [
      'arrays are leaves: replaced, never concatenated',
      [{ source: 'a', value: { hosts: ['a', 'b'] } }, { source: 'b', value: { hosts: ['c'] } }],
      { hosts: ['c'] },
      { hosts: 'b' },
    ],
    [
      'the same value from a higher layer still takes its source',
      [defaults, { source: 'configs/synapse.json', value: { server: { port: 8002 } } }],
      { server: { host: '0.0.0.0', port: 8002 }, logging: { level: 'INFO', format: 'text' } },
      { 'server.host': 'default', 'server.port': 'configs/synapse.json', 'logging.level': 'default', 'logging.format': 'default' },
    ],
    [
      'three levels deep',
      [{ source: 'a', value: { a: { b: { c: 1, d: 2 } } } }, { source: 'b', value: { a: { b: { d: 3 } } } }],
      { a: { b: { c: 1, d: 3 } } },
      { 'a.b.c': 'a', 'a.b.d': 'b' },
    ],
  ])('%s', (_what, layers, values, sources) => {
    const merged = mergeLayers(layers);
    expect(merged.values).toEqual(values);
    expect(merged.sources).toEqual(sources);
    // Sources follow the order of the values' leaves.
    expect(Object.keys(merged.sources)).toEqual(leaves(merged.values).map(([path]) => path.join('.')));
  });

  test('the layers are not changed and share no object with the result', () => {
    const layers = [structuredClone(defaults), structuredClone(base), structuredClone(dev)];
    const before = structuredClone(layers);
    const merged = mergeLayers(layers);
    expect(layers).toEqual(before);
    (merged.values.logging as ConfigObject).level = 'ERROR';
    expect(layers).toEqual(before);
  });

  test('a "__proto__" key stays an own key and never reaches a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "logging": {"__proto__": {"x": 1}}}') as ConfigObject;
    const merged = mergeLayers([{ source: 'f', value }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged.values)).toBe(Object.prototype);
    expect(Object.keys(merged.values)).toEqual(['__proto__', 'logging']);
    expect(Object.keys(merged.sources)).toEqual(['__proto__.polluted', 'logging.__proto__.x']);
  });
});

describe('valueAt and leaves', () => {
  const value: ConfigObject = { a: { b: 1, c: { d: null } }, e: [] };
  test.each<[string[], unknown]>([
    [[], value],
    [['a', 'b'], 1],
    [['a', 'c', 'd'], null],
    [['a', 'x'], undefined],
    [['a', 'b', 'c'], undefined],
    [['toString'], undefined],
  ])('valueAt %j', (path, expected) => {
    expect(valueAt(value, path)).toEqual(expected);
  });

  test('leaves are depth first in key order; arrays are leaves', () => {
    expect(leaves(value)).toEqual([
      [['a', 'b'], 1],
      [['a', 'c', 'd'], null],
      [['e'], []],
    ]);
  });
});
