import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { synapseDefaults } from '../../src/core/config-layout.js';
import {
  compileConfigSchema,
  formatConfigIssue,
  lineColumn,
  parseConfigFile,
  sortConfigIssues,
  subschemaAt,
  validateConfigLayer,
} from '../../src/core/config-validate.js';

const schemaText = readFileSync(new URL('../../configs/synapse.schema.json', import.meta.url), 'utf8');
const schemaJson = JSON.parse(schemaText) as Record<string, unknown>;
const schema = compileConfigSchema(schemaJson);

/** Every error of one file, one line each, as `release-flow config` prints them. */
function check(text: string, file = 'configs/synapse_prod.json'): string[] {
  const parsed = parseConfigFile(file, text);
  return sortConfigIssues([...parsed.issues, ...validateConfigLayer(schema, { kind: 'file', parsed })]).map(formatConfigIssue);
}

const lines = (...l: string[]) => l.join('\n') + '\n';

describe('the files in configs/', () => {
  test.each(['synapse.json', 'synapse_dev.json', 'synapse_prod.json'])('%s is valid and points at the schema', (name) => {
    const text = readFileSync(new URL(`../../configs/${name}`, import.meta.url), 'utf8');
    expect(check(text, `configs/${name}`)).toEqual([]);
    expect((JSON.parse(text) as { $schema: unknown }).$schema).toBe('./synapse.schema.json');
  });

  test('the schema: draft 2020-12, an $id, additionalProperties false on every object, no secret-like key', () => {
    expect(schemaJson.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schemaJson.$id).toBe('string');
    const objects: string[] = [];
    const keys: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Record<string, unknown>;
      if (s.type === 'object') {
        objects.push(path);
        expect(s.additionalProperties, path).toBe(false);
        keys.push(...Object.keys(s.properties as object));
      }
      for (const [k, v] of Object.entries(s)) walk(v, `${path}/${k}`);
    };
    walk(schemaJson, '#');
    expect(objects.length).toBeGreaterThan(5);
    expect(keys.filter((k) => /token|secret|password|key/i.test(k))).toEqual([]);
  });

  test('the code defaults are valid', () => {
    expect(validateConfigLayer(schema, { kind: 'default', value: synapseDefaults })).toEqual([]);
  });

  test.each<[string, string[], string | undefined]>([
    ['logging.level', ['logging', 'level'], 'string'],
    ['server.port', ['server', 'port'], 'integer'],
    ['data.episodic_db (through $ref)', ['data', 'episodic_db'], 'string'],
    ['an unknown key', ['logging', 'colour'], undefined],
  ])('subschemaAt %s', (_what, path, type) => {
    expect(subschemaAt(schemaJson, path)?.type).toBe(type);
  });
});

describe('errors name the file, the line and column, and the key', () => {
  // [what, text, errors]
  test.each<[string, string, string[]]>([
    [
      'the example of the issue: a bad enum lists the allowed values',
      lines('{', '  "logging": {', '    "level": "VERBOSE"', '  }', '}'),
      ['configs/synapse_prod.json:3:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR'],
    ],
    [
      'an unknown key is placed at the key and lists the keys allowed there',
      lines('{', '  "logging": {', '    "colour": true', '  }', '}'),
      ['configs/synapse_prod.json:3:5: logging.colour: unknown key; expected one of level, format'],
    ],
    [
      'an unknown top-level key (the $schema key is not offered)',
      lines('{', '  "$schema": "./synapse.schema.json",', '  "loggin": {}', '}'),
      ['configs/synapse_prod.json:3:3: loggin: unknown key; expected one of server, logging, automatic_learning, data, models'],
    ],
    [
      'a wrong type, and nothing else about that value',
      lines('{', '  "server": { "port": "8002" }', '}'),
      ['configs/synapse_prod.json:2:23: server.port: expected an integer, got "8002" (a string)'],
    ],
    [
      'a wrong type for an object',
      lines('{', '  "logging": "DEBUG"', '}'),
      ['configs/synapse_prod.json:2:14: logging: expected an object, got "DEBUG" (a string)'],
    ],
    [
      'an object where a string goes',
      lines('{', '  "logging": { "level": { "name": "DEBUG" } }', '}'),
      ['configs/synapse_prod.json:2:25: logging.level: expected a string, got an object'],
    ],
    ['a top-level array', '[]', ['configs/synapse_prod.json:1:1: expected an object, got an array']],
    ['a number that is not an integer', '{"server": {"port": 80.5}}', ['configs/synapse_prod.json:1:21: server.port: expected an integer, got 80.5 (a number)']],
    ['out of range', '{"server": {"port": 70000}}', ['configs/synapse_prod.json:1:21: server.port: 70000 is above the maximum 65535']],
    [
      'below the minimum',
      '{"automatic_learning": {"interval_seconds": 0}}',
      ['configs/synapse_prod.json:1:45: automatic_learning.interval_seconds: 0 is below the minimum 10'],
    ],
    ['an empty string', '{"server": {"host": ""}}', ['configs/synapse_prod.json:1:21: server.host: must not be empty']],
    [
      'a relative data dir',
      '{"data": {"dir": "app/data"}}',
      ['configs/synapse_prod.json:1:18: data.dir: "app/data" is not an absolute path inside the container (pattern ^/)'],
    ],
    [
      'a data file outside data.dir',
      '{"data": {"memory_db": "../memory.db"}}',
      [
        'configs/synapse_prod.json:1:24: data.memory_db: "../memory.db" is not a path relative to data.dir, without .. segments (pattern ^(?!/)(?!(?:.*/)?\\.\\.(?:/|$)).+$)',
      ],
    ],
    [
      'several errors at once, in the order of the file',
      lines(
        '{',
        '  "$schema": "./synapse.schema.json",',
        '  "server": { "port": "eighty", "workers": 4 },',
        '  "logging": {',
        '    "level": "VERBOSE",',
        '    "format": "xml"',
        '  },',
        '  "automatic_learning": { "mode": "sometimes" },',
        '  "models": "/models"',
        '}',
      ),
      [
        'configs/synapse_prod.json:3:23: server.port: expected an integer, got "eighty" (a string)',
        'configs/synapse_prod.json:3:33: server.workers: unknown key; expected one of host, port',
        'configs/synapse_prod.json:5:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR',
        'configs/synapse_prod.json:6:15: logging.format: "xml" is not one of text, json',
        'configs/synapse_prod.json:8:35: automatic_learning.mode: "sometimes" is not one of off, moderate, aggressive',
        'configs/synapse_prod.json:9:13: models: expected an object, got "/models" (a string)',
      ],
    ],
    [
      'CRLF line endings count as one line break',
      '{\r\n  "logging": {\r\n    "level": "VERBOSE",\r\n    "colour": 1\r\n  }\r\n}\r\n',
      [
        'configs/synapse_prod.json:3:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR',
        'configs/synapse_prod.json:4:5: logging.colour: unknown key; expected one of level, format',
      ],
    ],
    [
      'a BOM is not counted in the column',
      '\uFEFF{"logging": {"level": "x"}}',
      ['configs/synapse_prod.json:1:23: logging.level: "x" is not one of DEBUG, INFO, WARNING, ERROR'],
    ],
    [
      'a secret-like unknown key is named, its value never shown',
      lines('{', '  "server": { "api_token": "s3cret-canary" }', '}'),
      ['configs/synapse_prod.json:2:15: server.api_token: unknown key; expected one of host, port'],
    ],
    [
      'a nested $schema key is an unknown key',
      '{"logging": {"$schema": "x"}}',
      ['configs/synapse_prod.json:1:14: logging.$schema: unknown key; expected one of level, format'],
    ],
    [
      '__proto__ is an unknown key like any other',
      '{"__proto__": {"level": "DEBUG"}}',
      ['configs/synapse_prod.json:1:2: __proto__: unknown key; expected one of server, logging, automatic_learning, data, models'],
    ],
  ])('%s', (_what, text, expected) => {
    expect(check(text)).toEqual(expected);
  });
});

describe('invalid JSON: the parse error position', () => {
  test.each<[string, string, string[]]>([
    [
      'a trailing comma',
      lines('{', '  "logging": {', '    "level": "INFO",', '  }', '}'),
      ['configs/synapse_prod.json:4:3: logging: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found "}"'],
    ],
    [
      'a missing comma',
      lines('{', '  "logging": { "level": "INFO" }', '  "server": {}', '}'),
      // The key named is the one the comma is missing before.
      ['configs/synapse_prod.json:3:3: server: invalid JSON: expected "," between entries, found "\\""'],
    ],
    [
      'a comment',
      lines('{', '  // prod', '  "logging": {}', '}'),
      ['configs/synapse_prod.json:2:3: invalid JSON: comments are not allowed in JSON, found "/"'],
    ],
    // One error per line: what the parser trips over after recovering is noise.
    ['single quotes', "{'logging': {}}", ['configs/synapse_prod.json:1:2: invalid JSON: unexpected character, found "\'"']],
    ['an empty file', '', ['configs/synapse_prod.json:1:1: invalid JSON: expected a value, found the end of the file']],
    ['a truncated file', lines('{', '  "logging": {'), ['configs/synapse_prod.json:3:1: logging: invalid JSON: expected "}" to close the object, found the end of the file']],
    ['two documents', '{}\n{}', ['configs/synapse_prod.json:2:1: invalid JSON: expected the end of the file after the top-level value, found "{"']],
    [
      'CRLF: the position after the broken line',
      '{\r\n  "logging": {\r\n    "level": "INFO",,\r\n  }\r\n}',
      [
        'configs/synapse_prod.json:3:21: logging: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found ","',
        // After ",," the "}" closes an object whose last entry ends with a comma: a second error.
        'configs/synapse_prod.json:4:3: logging: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found "}"',
      ],
    ],
    [
      'every syntax error, not only the first',
      lines('{', '  "a": 1,,', '  "b": tru,', '}'),
      [
        'configs/synapse_prod.json:2:10: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found ","',
        'configs/synapse_prod.json:3:8: b: invalid JSON: unexpected character, found "t"',
        'configs/synapse_prod.json:4:1: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found "}"',
      ],
    ],
    [
      'a duplicate key (JSON.parse would silently keep the last)',
      lines('{', '  "logging": { "level": "DEBUG" },', '  "logging": { "level": "INFO" }', '}'),
      ['configs/synapse_prod.json:3:3: logging: duplicate key (first at line 2, column 3); keep one'],
    ],
  ])('%s', (_what, text, expected) => {
    expect(check(text)).toEqual(expected);
    if (!expected.some((e) => e.includes('duplicate'))) expect(parseConfigFile('f', text).value).toBeUndefined();
  });
});

describe('values from variables and defaults are placed there', () => {
  test.each<[string, Parameters<typeof validateConfigLayer>[1], string[]]>([
    ['an env value', { kind: 'env', variable: 'LOG_LEVEL', value: { logging: { level: 'debug' } } }, ['env LOG_LEVEL: logging.level: "debug" is not one of DEBUG, INFO, WARNING, ERROR']],
    ['an env value out of range', { kind: 'env', variable: 'SYNAPSE_PORT', value: { server: { port: 0 } } }, ['env SYNAPSE_PORT: server.port: 0 is below the minimum 1']],
    ['an unknown key from a custom mapping', { kind: 'env', variable: 'X', value: { server: { workers: '4' } } }, ['env X: server.workers: unknown key; expected one of host, port']],
    ['a broken code default', { kind: 'default', value: { logging: { level: 'LOUD' } } }, ['default: logging.level: "LOUD" is not one of DEBUG, INFO, WARNING, ERROR']],
  ])('%s', (_what, target, expected) => {
    expect(validateConfigLayer(schema, target).map(formatConfigIssue)).toEqual(expected);
  });
});

describe('lineColumn', () => {
  test.each<[string, number, { line: number; column: number }]>([
    ['abc', 0, { line: 1, column: 1 }],
    ['abc', 2, { line: 1, column: 3 }],
    ['a\nbc', 2, { line: 2, column: 1 }],
    ['a\r\nbc', 3, { line: 2, column: 1 }],
    ['a\r\nbc', 1, { line: 1, column: 2 }],
    ['a\rbc', 2, { line: 2, column: 1 }],
    ['a\n\n\nb', 4, { line: 4, column: 1 }],
  ])('%j at %i', (text, offset, expected) => {
    expect(lineColumn(text, offset)).toEqual(expected);
  });
});

describe('compileConfigSchema', () => {
  test.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be an object/],
    ['an unknown type', { type: 'strng' }, /not a valid JSON Schema \(draft 2020-12\)/],
    ['an unknown keyword (strict)', { type: 'object', propertes: {} }, /not a valid JSON Schema/],
  ])('%s', (_what, bad, message) => {
    expect(() => compileConfigSchema(bad)).toThrow(message);
  });
});
