import { describe, expect, test } from 'vitest';
import {
  caddyReloadArgs,
  digestOf,
  healthWaitSeconds,
  parseGoDuration,
  parsePs,
  parseUpstreams,
  psArgs,
  pullArgs,
  readEnvLines,
  redactSecrets,
  serviceHealthcheck,
  setEnvLines,
  stopArgs,
  upServiceArgs,
  upstreamsText,
} from '../../src/core/compose-commands.js';

const t = { file: '/c/docker-compose.yml', project: 'synapse' };
const te = { ...t, envFile: '/c/.env' };
const base = ['compose', '-f', '/c/docker-compose.yml', '-p', 'synapse'];

describe('compose argv builders', () => {
  test.each([
    ['blue', upServiceArgs(t, 'synapse-prod-blue', 90), [...base, 'up', '-d', '--no-deps', '--wait', '--wait-timeout', '90', 'synapse-prod-blue']],
    ['green gets the rollout profile', upServiceArgs(t, 'synapse-prod-green', 5), [...base, '--profile', 'rollout', 'up', '-d', '--no-deps', '--wait', '--wait-timeout', '5', 'synapse-prod-green']],
    ['dev recreate', upServiceArgs(te, 'synapse-dev', 70, { forceRecreate: true }), [...base, '--env-file', '/c/.env', 'up', '-d', '--no-deps', '--force-recreate', '--wait', '--wait-timeout', '70', 'synapse-dev']],
    ['reload', caddyReloadArgs(t), [...base, 'exec', '-T', 'synapse-prod', 'caddy', 'reload', '--config', '/etc/caddy/Caddyfile']],
    ['ps', psArgs(t), [...base, '--profile', 'rollout', 'ps', '--all', '--format', 'json']],
    ['pull', pullArgs(t, 'synapse-dev'), [...base, 'pull', 'synapse-dev']],
    ['stop green', stopArgs(t, 'synapse-prod-green', 3), [...base, '--profile', 'rollout', 'stop', '--timeout', '3', 'synapse-prod-green']],
  ])('%s', (_name, argv, expected) => expect(argv).toEqual(expected));

  test('a wait timeout below 1 s is refused', () => expect(() => upServiceArgs(t, 'synapse-prod-blue', 0)).toThrow(/wait timeout 0/));
});

describe('upstreams', () => {
  test.each([
    [['blue', 'green'] as const, 'to synapse-prod-blue:8002 synapse-prod-green:8002\n'],
    [['green', 'blue'] as const, 'to synapse-prod-green:8002 synapse-prod-blue:8002\n'],
  ])('%j', (order, text) => {
    expect(upstreamsText(order)).toBe(text);
    expect(parseUpstreams(`# comment synapse-prod-green\n${text}`)).toEqual(order);
  });
  test('the same colour twice is refused', () => expect(() => upstreamsText(['blue', 'blue'])).toThrow(/not valid/));
  test('no `to` line', () => expect(parseUpstreams('# nothing\n')).toBeUndefined());
});

describe('health wait', () => {
  test.each([
    ['1m0s', 60],
    ['10s', 10],
    ['1.5s', 1.5],
    ['500ms', 0.5],
    ['1h2m3s', 3723],
  ])('duration %s', (text, s) => expect(parseGoDuration(text)).toBeCloseTo(s));
  test('a bad duration', () => expect(() => parseGoDuration('10 s')).toThrow(/Go duration/));
  test.each([
    ['the compose file', { start_period: '1m0s', interval: '10s', retries: 3, timeout: '3s' }, 103],
    ['the proxy', { start_period: '10s', interval: '10s', retries: 3, timeout: '3s' }, 53],
    ['defaults', {}, 100],
    ['none', undefined, 70],
  ])('%s', (_n, hc, seconds) => expect(healthWaitSeconds(hc)).toBe(seconds));
  test('read from compose config --format json', () => {
    const json = JSON.stringify({ services: { 'synapse-prod-blue': { healthcheck: { interval: '10s', retries: 3, start_period: '1m0s', timeout: '3s' } } } });
    expect(healthWaitSeconds(serviceHealthcheck(json, 'synapse-prod-blue'))).toBe(103);
    expect(() => serviceHealthcheck(json, 'nope')).toThrow(/synapse-prod-blue/);
  });
});

describe('env file, ps, digests, redaction', () => {
  test('setEnvLines replaces in place and keeps every other line', () => {
    const text = '# comment\nA=1\nSYNAPSE_PROD_BLUE_IMAGE=old\n\nB=2\n';
    expect(setEnvLines(text, { SYNAPSE_PROD_BLUE_IMAGE: 'new@sha256:x', C: '3' })).toBe('# comment\nA=1\nSYNAPSE_PROD_BLUE_IMAGE=new@sha256:x\n\nB=2\nC=3\n');
    expect(setEnvLines('', { A: '1' })).toBe('A=1\n');
    expect(readEnvLines('# x\nA="q"\nB=2\n')).toEqual({ A: 'q', B: '2' });
  });
  test('ps: NDJSON and array', () => {
    const one = { Service: 'synapse-prod', Name: 'p-synapse-prod-1', ID: 'abc', State: 'running', Health: 'healthy', Image: 'i', Status: 'Up 2 minutes (healthy)' };
    expect(parsePs(`${JSON.stringify(one)}\n${JSON.stringify({ ...one, Service: 'x' })}\n`).map((e) => e.Service)).toEqual(['synapse-prod', 'x']);
    expect(parsePs(JSON.stringify([one]))[0]?.Health).toBe('healthy');
    expect(parsePs('')).toEqual([]);
  });
  test('digestOf', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(digestOf(`127.0.0.1:5000/x@${d}`)).toBe(d);
    expect(digestOf('x:v1')).toBeUndefined();
  });
  test('redactSecrets', () => expect(redactSecrets('token=s3cr3t-value ok', ['s3cr3t-value\n'])).toBe('token=*** ok'));
});
