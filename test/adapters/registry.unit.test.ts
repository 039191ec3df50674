import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseAuthChallenges, registryBaseUrl } from '../../src/adapters/registry.js';

describe('registryBaseUrl', () => {
  it.each([
    ['docker.io', 'https://registry-1.docker.io'],
    ['index.docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'https://ghcr.io'],
    ['registry.example.com:5000', 'https://registry.example.com:5000'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.1.2.3:5001', 'http://127.1.2.3:5001'],
    ['localhost:5000', 'http://localhost:5000'],
    ['localhost', 'http://localhost'],
    ['[::1]:5000', 'http://[::1]:5000'],
    // Only the loopback range is insecure by default: look-alikes are not.
    ['127.0.0.1.example.com', 'https://127.0.0.1.example.com'],
    ['localhost.example.com:5000', 'https://localhost.example.com:5000'],
    ['128.0.0.1:5000', 'https://128.0.0.1:5000'],
    ['[::2]:5000', 'https://[::2]:5000'],
  ])('%s → %s', (registry, expected) => {
    expect(registryBaseUrl(registry)).toBe(expected);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254:1', true],
    ['127.256.0.1', false],
    ['10.0.0.1:5000', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('parseAuthChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } }],
    ],
    ['Basic realm="basic-realm"', [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    ['basic REALM=Registry', [{ scheme: 'basic', params: { realm: 'Registry' } }]],
    [
      'Bearer realm = "https://ghcr.io/token" , service="ghcr.io",scope="repository:o/r:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/r:pull,push' } }],
    ],
    [
      'Basic realm="a \\"quoted\\" realm", Bearer realm="https://t.example/token",service=svc',
      [
        { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
        { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'svc' } },
      ],
    ],
    ['Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseAuthChallenges(header)).toEqual(expected);
  });
});
