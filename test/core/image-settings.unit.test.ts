import { describe, expect, test } from 'vitest';
import { inputError } from '../support/input-error.js';
import { imageSettings, parseKeyValues, type ImageSettingNames, type ImageSettings, type RawImageSettings } from '../../src/core/image-settings.js';

const actionNames: ImageSettingNames = {
  image: 'image',
  version: 'version',
  main: 'main',
  platforms: 'platforms',
  cache: 'cache',
  buildArgs: 'build-args',
  labels: 'labels',
};
const cliNames: ImageSettingNames = {
  image: '--image',
  version: '--version',
  main: '--main',
  platforms: '--platforms',
  cache: '--cache',
  buildArgs: '--build-arg',
  labels: '--label',
};


describe('imageSettings: valid settings', () => {
  const ghcr = { registry: 'ghcr.io', repository: 'owner/synapse', name: 'ghcr.io/owner/synapse' };
  const defaults = { platforms: ['linux/amd64', 'linux/arm64'], cache: 'registry' as const, buildArgs: {}, labels: {} };
  // [what, raw, settings]
  test.each<[string, RawImageSettings, ImageSettings]>([
    ['a release', { image: 'ghcr.io/owner/synapse', version: '1.4.0' }, { image: ghcr, target: { kind: 'version', version: '1.4.0' }, ...defaults }],
    ['a release with v', { image: 'ghcr.io/owner/synapse', version: 'v1.4.0' }, { image: ghcr, target: { kind: 'version', version: '1.4.0' }, ...defaults }],
    ['a release with white space', { image: ' ghcr.io/owner/synapse ', version: ' v1.4.0\n' }, { image: ghcr, target: { kind: 'version', version: '1.4.0' }, ...defaults }],
    ['a prerelease', { image: 'ghcr.io/owner/synapse', version: '1.3.0-rc.2' }, { image: ghcr, target: { kind: 'version', version: '1.3.0-rc.2' }, ...defaults }],
    ['build metadata is dropped', { image: 'ghcr.io/owner/synapse', version: 'v1.4.0+build.7' }, { image: ghcr, target: { kind: 'version', version: '1.4.0' }, ...defaults }],
    ['main', { image: 'ghcr.io/owner/synapse', main: true }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['main with an empty version', { image: 'ghcr.io/owner/synapse', version: '', main: true }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['main with a blank version', { image: 'ghcr.io/owner/synapse', version: '  ', main: true }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['a release with main false', { image: 'ghcr.io/owner/synapse', version: '2.0.0', main: false }, { image: ghcr, target: { kind: 'version', version: '2.0.0' }, ...defaults }],
    [
      'Docker Hub official image',
      { image: 'nginx', main: true },
      { image: { registry: 'docker.io', repository: 'library/nginx', name: 'nginx' }, target: { kind: 'main' }, ...defaults },
    ],
    [
      'everything given',
      {
        image: '127.0.0.1:5000/svc',
        version: '0.1.0',
        platforms: 'linux/arm64/v8,linux/arm/v7',
        cache: 'gha',
        buildArgs: 'A=1\nB=x,y',
        labels: 'com.example.team=core',
      },
      {
        image: { registry: '127.0.0.1:5000', repository: 'svc', name: '127.0.0.1:5000/svc' },
        target: { kind: 'version', version: '0.1.0' },
        platforms: ['linux/arm64', 'linux/arm/v7'],
        cache: 'gha',
        buildArgs: { A: '1', B: 'x,y' },
        labels: { 'com.example.team': 'core' },
      },
    ],
    ['cache none', { image: 'ghcr.io/owner/synapse', main: true, cache: 'none' }, { image: ghcr, target: { kind: 'main' }, ...defaults, cache: 'none' }],
    ['cache registry', { image: 'ghcr.io/owner/synapse', main: true, cache: 'registry' }, { image: ghcr, target: { kind: 'main' }, ...defaults, cache: 'registry' }],
    ['cache with white space', { image: 'ghcr.io/owner/synapse', main: true, cache: ' gha ' }, { image: ghcr, target: { kind: 'main' }, ...defaults, cache: 'gha' }],
    ['empty cache is the default', { image: 'ghcr.io/owner/synapse', main: true, cache: '' }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['blank cache is the default', { image: 'ghcr.io/owner/synapse', main: true, cache: '  ' }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['empty platforms is the default', { image: 'ghcr.io/owner/synapse', main: true, platforms: '' }, { image: ghcr, target: { kind: 'main' }, ...defaults }],
    ['one platform', { image: 'ghcr.io/owner/synapse', main: true, platforms: 'linux/arm64' }, { image: ghcr, target: { kind: 'main' }, ...defaults, platforms: ['linux/arm64'] }],
    ['comma build args', { image: 'ghcr.io/owner/synapse', main: true, buildArgs: 'A=1,B=2' }, { image: ghcr, target: { kind: 'main' }, ...defaults, buildArgs: { A: '1', B: '2' } }],
  ])('%s', (_what, raw, settings) => {
    expect(imageSettings(raw, actionNames)).toEqual(settings);
    expect(imageSettings(raw, cliNames)).toEqual(settings);
  });
});

describe('imageSettings: errors name the caller\'s inputs', () => {
  // [what, raw, key of the input named, value, part of what is expected]
  test.each<[string, RawImageSettings, keyof ImageSettingNames, unknown, string]>([
    ['no image', { version: '1.0.0' }, 'image', '', 'an image name'],
    ['empty image', { image: '', version: '1.0.0' }, 'image', '', 'an image name'],
    ['blank image', { image: '   ', version: '1.0.0' }, 'image', '   ', 'an image name'],
    ['image with a tag', { image: 'ghcr.io/owner/synapse:1.0.0', version: '1.0.0' }, 'image', 'ghcr.io/owner/synapse:1.0.0', 'without a tag or digest'],
    ['image in upper case', { image: 'ghcr.io/Owner/Synapse', version: '1.0.0' }, 'image', 'ghcr.io/Owner/Synapse', 'ghcr.io/owner/synapse'],
    ['neither version nor main', { image: 'ghcr.io/owner/synapse' }, 'version', '', 'a release version'],
    ['blank version, no main', { image: 'ghcr.io/owner/synapse', version: '  ' }, 'version', '', 'a release version'],
    ['main false, no version', { image: 'ghcr.io/owner/synapse', main: false }, 'version', '', 'a release version'],
    ['both version and main', { image: 'ghcr.io/owner/synapse', version: '1.0.0', main: true }, 'main', true, 'not both'],
    ['version 1.4', { image: 'ghcr.io/owner/synapse', version: '1.4' }, 'version', '1.4', 'a semantic version'],
    ['version vv1.4.0', { image: 'ghcr.io/owner/synapse', version: 'vv1.4.0' }, 'version', 'vv1.4.0', 'a semantic version'],
    ['version V1.4.0', { image: 'ghcr.io/owner/synapse', version: 'V1.4.0' }, 'version', 'V1.4.0', 'a semantic version'],
    ['version =1.4.0', { image: 'ghcr.io/owner/synapse', version: '=1.4.0' }, 'version', '=1.4.0', 'a semantic version'],
    ['version v 1.4.0', { image: 'ghcr.io/owner/synapse', version: 'v 1.4.0' }, 'version', 'v 1.4.0', 'a semantic version'],
    ['version 01.4.0', { image: 'ghcr.io/owner/synapse', version: '01.4.0' }, 'version', '01.4.0', 'a semantic version'],
    ['version latest', { image: 'ghcr.io/owner/synapse', version: 'latest' }, 'version', 'latest', 'a semantic version'],
    ['version as a tag', { image: 'ghcr.io/owner/synapse', version: 'synapse-v1.4.0' }, 'version', 'synapse-v1.4.0', 'a semantic version'],
    ['version trimmed in the error', { image: 'ghcr.io/owner/synapse', version: ' 1.4 ' }, 'version', '1.4', 'a semantic version'],
    ['unknown cache', { image: 'ghcr.io/owner/synapse', main: true, cache: 'local' }, 'cache', 'local', 'one of registry, gha, none'],
    ['cache in upper case', { image: 'ghcr.io/owner/synapse', main: true, cache: 'GHA' }, 'cache', 'GHA', 'one of registry, gha, none'],
    ['cache as buildx spells it', { image: 'ghcr.io/owner/synapse', main: true, cache: 'type=gha' }, 'cache', 'type=gha', 'one of registry, gha, none'],
    ['unknown platform', { image: 'ghcr.io/owner/synapse', main: true, platforms: 'linux/amd64,linux/mips' }, 'platforms', 'linux/mips', 'linux/amd64'],
    ['build arg without =', { image: 'ghcr.io/owner/synapse', main: true, buildArgs: 'A=1\nB' }, 'buildArgs', 'B', 'KEY=VALUE'],
    ['build arg with an empty key', { image: 'ghcr.io/owner/synapse', main: true, buildArgs: '=1' }, 'buildArgs', '=1', 'KEY=VALUE'],
    ['label without =', { image: 'ghcr.io/owner/synapse', main: true, labels: 'a=1,oops' }, 'labels', 'oops', 'KEY=VALUE'],
  ])('%s', (_what, raw, key, value, expected) => {
    for (const names of [actionNames, cliNames]) {
      const error = inputError(() => imageSettings(raw, names));
      expect(error.input).toBe(names[key]);
      expect(error.value).toEqual(value);
      expect(error.expected).toContain(expected);
      expect(error.message.startsWith(`${names[key]}: `)).toBe(true);
    }
  });

  // The messages that point at another input name it as the caller spells it.
  test.each<[string, RawImageSettings, string, string]>([
    ['both version and main', { image: 'ghcr.io/owner/synapse', version: '1.0.0', main: true }, 'either version or main, not both', 'either --version or --main, not both'],
    ['neither version nor main', { image: 'ghcr.io/owner/synapse' }, 'or main for a build of main', 'or --main for a build of main'],
  ])('%s: the other input is named too', (_what, raw, forAction, forCli) => {
    expect(inputError(() => imageSettings(raw, actionNames)).expected).toContain(forAction);
    expect(inputError(() => imageSettings(raw, cliNames)).expected).toContain(forCli);
  });

  test('the image is checked before the version', () => {
    expect(inputError(() => imageSettings({ image: 'A:b', version: 'nope', cache: 'bad' }, cliNames)).input).toBe('--image');
  });
});

describe('parseKeyValues', () => {
  // [text, values]
  test.each<[string, Record<string, string>]>([
    ['', {}],
    ['  ', {}],
    ['\n\n', {}],
    ['A=1', { A: '1' }],
    ['A=1,B=2', { A: '1', B: '2' }],
    ['A=1, B=2 ,C=3', { A: '1', B: '2', C: '3' }],
    ['A=1,,B=2,', { A: '1', B: '2' }],
    ['A=1\nB=2', { A: '1', B: '2' }],
    ['A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    // With a newline, commas belong to the values.
    ['A=1,2\nB=x,y,z', { A: '1,2', B: 'x,y,z' }],
    ['A=1,2\n', { A: '1,2' }],
    // The first = splits; the rest is the value.
    ['URL=https://x.example/?a=1&b=2', { URL: 'https://x.example/?a=1&b=2' }],
    ['A==', { A: '=' }],
    ['A=', { A: '' }],
    ['A=\nB=2', { A: '', B: '2' }],
    // Keys are trimmed; values keep inner white space.
    ['  KEY = value with spaces  ', { KEY: ' value with spaces' }],
    ['org.opencontainers.image.description=A thing\n', { 'org.opencontainers.image.description': 'A thing' }],
    // The last of a repeated key wins.
    ['A=1\nA=2', { A: '2' }],
  ])('%j → %j', (text, values) => {
    expect(parseKeyValues(text, 'build-args')).toEqual(values);
  });

  test('entries keep their order', () => {
    expect(Object.keys(parseKeyValues('Z=1\nA=2\nM=3', 'labels'))).toEqual(['Z', 'A', 'M']);
  });

  // [text, the entry named as bad]
  test.each<[string, string]>([
    ['A', 'A'],
    ['=1', '=1'],
    ['A=1,B', 'B'],
    ['A=1,b c', 'b c'],
    ['A=1\nB', 'B'],
    ['A=1\n  =x  \n', '=x'],
    ['description=Hello, world', 'world'],
  ])('%j is refused naming %j', (text, bad) => {
    for (const input of ['build-args', '--build-arg', '--label']) {
      const error = inputError(() => parseKeyValues(text, input));
      expect(error.input).toBe(input);
      expect(error.value).toBe(bad);
      expect(error.expected).toContain('KEY=VALUE');
    }
  });
});

describe('parseKeyValues with lines: true (secrets)', () => {
  // [text, values]
  test.each<[string, Record<string, string>]>([
    ['', {}],
    ['token=abc', { token: 'abc' }],
    // Commas and = belong to the value, even on a single line.
    ['token=a,b,c', { token: 'a,b,c' }],
    ['dsn=postgres://u:p@h/db?sslmode=require,x=y', { dsn: 'postgres://u:p@h/db?sslmode=require,x=y' }],
    ['pad=YWJj==', { pad: 'YWJj==' }],
    ['a=1,2\nb=3=4', { a: '1,2', b: '3=4' }],
    ['a=1\r\n\r\nb=2\r\n', { a: '1', b: '2' }],
    ['  npm = tok  ', { npm: ' tok' }],
  ])('%j → %j', (text, values) => {
    expect(parseKeyValues(text, 'secrets', { lines: true })).toEqual(values);
  });

  // A bad entry may be a secret's value: it is named by its line, never shown.
  test.each<[string, string, number]>([
    ['s3cr3t-value', 's3cr3t-value', 1],
    ['=s3cr3t-value', 's3cr3t-value', 1],
    ['a=1\n\ns3cr3t,with,commas', 's3cr3t,with,commas', 3],
    ['a=1\r\nb=2\r\n  s3cr3t  ', 's3cr3t', 3],
    ['-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 1],
  ])('%j (holding %j): the error names line %i without its text', (text, secret, line) => {
    const error = inputError(() => parseKeyValues(text, 'secrets', { lines: true }));
    expect(error.input).toBe('secrets');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('BEGIN KEY');
    expect(error.value).toContain(`line ${line} `);
    expect(error.expected).toContain('KEY=VALUE');
  });
});

describe('imageSettings: repeated CLI flags are one pair each', () => {
  test.each<[string[], Record<string, string>]>([
    [['desc=Hello, world'], { desc: 'Hello, world' }],
    [['A=1,2', 'B=x=y'], { A: '1,2', B: 'x=y' }],
    [[], {}],
  ])('%j', (entries, expected) => {
    const settings = imageSettings({ image: 'ghcr.io/o/s', main: true, buildArgs: entries, labels: entries }, cliNames);
    expect(settings.buildArgs).toEqual(expected);
    expect(settings.labels).toEqual(expected);
  });

  test('an entry without = names the flag', () => {
    expect(inputError(() => imageSettings({ image: 'ghcr.io/o/s', main: true, labels: ['novalue'] }, cliNames)).input).toBe('--label');
  });
});
