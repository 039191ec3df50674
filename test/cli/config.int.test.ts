import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { synapseEnvMapping } from '../../src/core/config-env.js';
import { tempRepos } from '../support/git-repo.js';
import { runCli, runCliJson, type CliOptions } from './run-cli.js';

const { tempDir } = tempRepos();

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const realConfigs = join(repoRoot, 'configs');

/** The machine's own LOG_LEVEL or SYNAPSE_CONFIG_PATH must not leak into the results. */
const clean: Record<string, string | undefined> = Object.fromEntries(
  [...synapseEnvMapping.map((m) => m.variable), 'SYNAPSE_CONFIG_PATH', 'SYNAPSE_API_TOKEN', 'SYNAPSE_API_TOKEN_FILE'].map((v) => [v, undefined]),
);
const opts = (cwd: string, env: Record<string, string | undefined> = {}): CliOptions => ({ cwd, env: { ...clean, ...env } });

interface ConfigJson {
  environment: string;
  values: Record<string, Record<string, unknown>>;
  sources: Record<string, string>;
  errors: string[];
}

/** A configs directory with the repository's schema and base, and `files` written over them. */
function configsDir(files: Record<string, string> = {}): string {
  const dir = join(tempDir('configs'), 'configs');
  mkdirSync(dir);
  for (const name of ['synapse.schema.json', 'synapse.json', 'synapse_dev.json', 'synapse_prod.json']) {
    copyFileSync(join(realConfigs, name), join(dir, name));
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const allKeys = [
  'server.host',
  'server.port',
  'logging.level',
  'logging.format',
  'automatic_learning.mode',
  'automatic_learning.interval_seconds',
  'data.dir',
  'data.semantic_index',
  'data.episodic_db',
  'data.memory_db',
  'data.metrics_db',
  'models.dir',
];

describe('config: the real configs/ of the repository', () => {
  test.each([
    ['dev', 'DEBUG', 'aggressive', 'text'],
    ['prod', 'INFO', 'moderate', 'json'],
  ])('--json --env %s: level %s, learning %s, each value with its source', (env, level, mode, format) => {
    const json = runCliJson(['config', '--env', env, '--json'], opts(repoRoot)) as ConfigJson;
    expect(Object.keys(json)).toEqual(['environment', 'values', 'sources', 'errors']);
    expect(json.environment).toBe(env);
    expect(json.errors).toEqual([]);
    expect(json.values).toEqual({
      server: { host: '0.0.0.0', port: 8002 },
      logging: { level, format },
      automatic_learning: { mode, interval_seconds: 300 },
      data: { dir: '/app/data', semantic_index: 'semantic_index', episodic_db: 'episodic.db', memory_db: 'memory.db', metrics_db: 'metrics.db' },
      models: { dir: '/app/models' },
    });
    expect(Object.keys(json.sources)).toEqual(allKeys);
    expect(json.sources).toMatchObject({
      'server.host': 'default',
      'server.port': 'configs/synapse.json',
      'logging.level': `configs/synapse_${env}.json`,
      'automatic_learning.mode': `configs/synapse_${env}.json`,
      'data.dir': 'configs/synapse.json',
    });
  });

  test('text: one line per key with value and source (base, dev file, default)', () => {
    const result = runCli(['config', '--env', 'dev'], opts(repoRoot));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.stdout.split('\n').filter((l) => /^[a-z_]+\.[a-z_]+ /.test(l));
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(allKeys);
    expect(result.stdout).toMatch(/^Effective dev configuration\n {2}base: +configs\/synapse\.json\n {2}dev file: +configs\/synapse_dev\.json\n/);
    expect(result.stdout).toMatch(/^logging\.level +"DEBUG" +dev file$/m);
    expect(result.stdout).toMatch(/^automatic_learning\.mode +"aggressive" +dev file$/m);
    expect(result.stdout).toMatch(/^server\.port +8002 +base$/m);
    expect(result.stdout).toMatch(/^server\.host +"0\.0\.0\.0" +default$/m);
  });

  test('--configs and --cwd find the directory from anywhere', () => {
    const elsewhere = tempDir('elsewhere');
    const byConfigs = runCliJson(['config', '--env', 'prod', '--json', '--configs', realConfigs], opts(elsewhere)) as ConfigJson;
    expect(byConfigs.values.logging).toEqual({ level: 'INFO', format: 'json' });
    // Outside the working directory, sources are absolute paths.
    expect(byConfigs.sources['logging.level']).toBe(join(realConfigs, 'synapse_prod.json'));
    const byCwd = runCliJson(['config', '--env', 'prod', '--json', '--cwd', repoRoot], opts(elsewhere)) as ConfigJson;
    expect(byCwd.sources['logging.level']).toBe('configs/synapse_prod.json');
  });
});

describe('config: environment variables and SYNAPSE_CONFIG_PATH', () => {
  test('a variable overrides every file, with env:NAME as its source and its type from the schema', () => {
    const env = { LOG_LEVEL: 'ERROR', SYNAPSE_PORT: '9000', SYNAPSE_DATA_DIR: '/srv/synapse' };
    const json = runCliJson(['config', '--env', 'dev', '--json'], opts(repoRoot, env)) as ConfigJson;
    expect(json.values.logging!.level).toBe('ERROR');
    expect(json.values.server!.port).toBe(9000);
    expect(json.values.data!.dir).toBe('/srv/synapse');
    expect(json.sources).toMatchObject({ 'logging.level': 'env:LOG_LEVEL', 'server.port': 'env:SYNAPSE_PORT', 'data.dir': 'env:SYNAPSE_DATA_DIR' });
    expect(json.sources['automatic_learning.mode']).toBe('configs/synapse_dev.json');

    const text = runCli(['config', '--env', 'dev'], opts(repoRoot, env));
    expect(text.stdout).toMatch(/^logging\.level +"ERROR" +env LOG_LEVEL$/m);
    expect(text.stdout).toMatch(/^server\.port +9000 +env SYNAPSE_PORT$/m);
  });

  test('an empty variable counts as unset', () => {
    const json = runCliJson(['config', '--env', 'dev', '--json'], opts(repoRoot, { LOG_LEVEL: '', SYNAPSE_CONFIG_PATH: '' })) as ConfigJson;
    expect(json.values.logging!.level).toBe('DEBUG');
    expect(json.sources['logging.level']).toBe('configs/synapse_dev.json');
  });

  test('SYNAPSE_CONFIG_PATH names the environment file instead of synapse_<env>.json (relative to the working directory)', () => {
    const dir = tempDir('override');
    writeFileSync(join(dir, 'custom.json'), JSON.stringify({ logging: { level: 'WARNING' } }));
    const absolute = runCliJson(['config', '--env', 'prod', '--json'], opts(repoRoot, { SYNAPSE_CONFIG_PATH: join(dir, 'custom.json') })) as ConfigJson;
    expect(absolute.values.logging).toEqual({ level: 'WARNING', format: 'json' });
    // The prod file is not read at all: the mode is the base's.
    expect(absolute.sources).toMatchObject({ 'logging.level': join(dir, 'custom.json'), 'automatic_learning.mode': 'configs/synapse.json' });

    const relative = runCliJson(['config', '--env', 'prod', '--json', '--configs', realConfigs], opts(dir, { SYNAPSE_CONFIG_PATH: 'custom.json' })) as ConfigJson;
    expect(relative.sources['logging.level']).toBe('custom.json');

    const text = runCli(['config', '--env', 'prod'], opts(repoRoot, { SYNAPSE_CONFIG_PATH: join(dir, 'custom.json') }));
    expect(text.stdout).toContain(`prod file: ${join(dir, 'custom.json')} (from SYNAPSE_CONFIG_PATH)`);
    expect(text.stdout).toMatch(/^logging\.level +"WARNING" +prod file$/m);
    // A variable still wins over the file it names.
    const both = runCliJson(['config', '--env', 'prod', '--json'], opts(repoRoot, { SYNAPSE_CONFIG_PATH: join(dir, 'custom.json'), LOG_LEVEL: 'DEBUG' })) as ConfigJson;
    expect(both.sources['logging.level']).toBe('env:LOG_LEVEL');
  });

  test('SYNAPSE_CONFIG_PATH naming no file: exit 2 naming the variable', () => {
    const result = runCli(['config', '--env', 'dev'], opts(repoRoot, { SYNAPSE_CONFIG_PATH: 'nowhere/synapse_dev.json' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('env SYNAPSE_CONFIG_PATH: "nowhere/synapse_dev.json": no such file');
  });

  test('bad variables: exit 2, every one named', () => {
    const result = runCli(['config', '--env', 'prod'], opts(repoRoot, { SYNAPSE_PORT: 'eighty', LOG_LEVEL: 'VERBOSE', SYNAPSE_AUTO_LEARNING: 'wild' }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'release-flow config: the prod configuration has 3 errors:',
        'env SYNAPSE_PORT: server.port: "eighty" is not an integer',
        'env LOG_LEVEL: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR',
        'env SYNAPSE_AUTO_LEARNING: automatic_learning.mode: "wild" is not one of off, moderate, aggressive',
        '',
      ].join('\n'),
    );
  });
});

describe('config: secrets', () => {
  const canary = 'canary-7f3a9c-never-print-me';

  test('SYNAPSE_API_TOKEN and the contents of SYNAPSE_API_TOKEN_FILE are never printed, the file never read', () => {
    const dir = tempDir('secrets');
    const tokenFile = join(dir, 'token');
    // A FIFO: reading it would block until a writer comes, so the command would hang if it read it.
    execFileSync('mkfifo', [tokenFile]);
    const env = { SYNAPSE_API_TOKEN: canary, SYNAPSE_API_TOKEN_FILE: tokenFile };
    for (const args of [
      ['config', '--env', 'prod'],
      ['config', '--env', 'dev', '--json'],
    ]) {
      const result = runCli(args, opts(repoRoot, env));
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(canary);
    }
    // Nor when the configuration is invalid.
    const bad = runCli(['config', '--env', 'prod', '--json'], opts(repoRoot, { ...env, LOG_LEVEL: 'VERBOSE' }));
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).not.toContain(canary);
  });

  test('a secret pasted into a config file is refused as an unknown key and its value never shown', () => {
    const dir = configsDir({ 'synapse_prod.json': `{\n  "server": { "api_token": "${canary}" }\n}\n` });
    for (const json of [[], ['--json']]) {
      const result = runCli(['config', '--env', 'prod', '--configs', dir, ...json], opts(dir));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('synapse_prod.json:2:15: server.api_token: unknown key; expected one of host, port');
      expect(result.stdout + result.stderr).not.toContain(canary);
    }
  });
});

describe('config: invalid files, exit 2 with every error on stderr', () => {
  test('errors in both files, each with file:line:col and key; nothing on stdout', () => {
    const dir = configsDir({
      'synapse.json': '{\r\n  "server": {\r\n    "port": "8002"\r\n  },\r\n  "loging": {}\r\n}\r\n',
      'synapse_prod.json': ['{', '  "logging": {', '    "level": "VERBOSE"', '  }', '}', ''].join('\n'),
    });
    const result = runCli(['config', '--env', 'prod'], opts(join(dir, '..')));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'release-flow config: the prod configuration has 3 errors:',
        'configs/synapse.json:3:13: server.port: expected an integer, got "8002" (a string)',
        'configs/synapse.json:5:3: loging: unknown key; expected one of server, logging, automatic_learning, data, models',
        'configs/synapse_prod.json:3:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR',
        '',
      ].join('\n'),
    );
  });

  test('invalid JSON at its position; the other file is still checked; --json carries the errors too', () => {
    const dir = configsDir({
      'synapse.json': '{\n  "logging": { "level": "INFO", }\n}\n',
      'synapse_dev.json': '{ "automatic_learning": { "mode": "always" } }',
    });
    const result = runCli(['config', '--env', 'dev', '--json'], opts(join(dir, '..')));
    expect(result.code).toBe(2);
    const errors = [
      'configs/synapse.json:2:33: logging: invalid JSON: expected a key in double quotes (JSON allows no trailing comma), found "}"',
      'configs/synapse_dev.json:1:35: automatic_learning.mode: "always" is not one of off, moderate, aggressive',
    ];
    expect((JSON.parse(result.stdout) as ConfigJson).errors).toEqual(errors);
    expect(result.stderr).toBe(['release-flow config: the dev configuration has 2 errors:', ...errors, ''].join('\n'));
  });

  test('a missing environment file and a missing schema are named', () => {
    const dir = configsDir();
    execFileSync('rm', [join(dir, 'synapse_dev.json'), join(dir, 'synapse.schema.json')]);
    const result = runCli(['config', '--env', 'dev'], opts(join(dir, '..')));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('configs/synapse.schema.json: no such file');
    expect(result.stderr).toContain('configs/synapse_dev.json: no such file; create the dev overrides there, or set SYNAPSE_CONFIG_PATH');
  });
});

describe('config: usage errors exit 2', () => {
  test.each<[string, string[], RegExp]>([
    ['an unknown environment', ['config', '--env', 'staging'], /--env: "staging" is not valid; expected one of dev, prod/],
    ['no environment', ['config'], /--env: "" is not valid; expected one of dev, prod/],
    ['a configs directory that is not one', ['config', '--env', 'dev', '--configs', 'no/such/dir'], /--configs: "no\/such\/dir" is not valid; expected a directory/],
    ['an unknown flag', ['config', '--env', 'dev', '--verbose'], /option: "--verbose" is not valid/],
  ])('%s', (_what, args, message) => {
    const result = runCli(args, opts(repoRoot));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  test('the command is listed in --help', () => {
    const result = runCli(['--help'], opts(repoRoot));
    expect(result.stdout).toMatch(/^ {2}config +Print the effective configuration/m);
  });
});
