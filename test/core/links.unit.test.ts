import { describe, expect, test } from 'vitest';
import { repoLinks, repositoryFromRemote } from '../../src/core/links.js';

describe('repoLinks', () => {
  test.each([
    ['github.com', 'https://github.com', 'octo/app', 'https://github.com/octo/app'],
    ['trailing slash', 'https://github.com/', 'octo/app', 'https://github.com/octo/app'],
    ['several trailing slashes', 'https://github.com///', 'octo/app', 'https://github.com/octo/app'],
    ['GHES host', 'https://ghe.example.com', 'platform/api', 'https://ghe.example.com/platform/api'],
    ['GHES on a port', 'https://ghe.example.com:8443/', 'platform/api', 'https://ghe.example.com:8443/platform/api'],
    ['GHES under a path', 'https://example.com/github/', 'platform/api', 'https://example.com/github/platform/api'],
    ['dots, dashes and underscores', 'https://github.com', 'my-org/my_app.js', 'https://github.com/my-org/my_app.js'],
  ])('%s: links start at the repository', (_, serverUrl, repository, base) => {
    const links = repoLinks(serverUrl, repository);
    expect(links.commit('0123456789abcdef0123456789abcdef01234567')).toBe(
      `${base}/commit/0123456789abcdef0123456789abcdef01234567`,
    );
    expect(links.issue(42)).toBe(`${base}/issues/42`);
    expect(links.compare('v1.0.0', 'v1.1.0')).toBe(`${base}/compare/v1.0.0...v1.1.0`);
  });

  test.each([
    ['plain tags', 'v1.2.3', 'v1.3.0', 'v1.2.3...v1.3.0'],
    ['build metadata has a plus', 'v1.0.0+build.1', 'v1.0.0+build.2', 'v1.0.0%2Bbuild.1...v1.0.0%2Bbuild.2'],
    ['prerelease', 'v1.1.0-rc.1', 'v1.1.0', 'v1.1.0-rc.1...v1.1.0'],
    ['slash is a path separator, each segment encoded', 'app/v1.0.0+b', 'app/v1.1.0', 'app/v1.0.0%2Bb...app/v1.1.0'],
    ['characters that would end the path', 'v1#x', 'v2?y', 'v1%23x...v2%3Fy'],
  ])('compare link encodes tags: %s', (_, from, to, expected) => {
    expect(repoLinks('https://github.com', 'octo/app').compare(from, to)).toBe(`https://github.com/octo/app/compare/${expected}`);
  });

  test.each([
    ['no slash', 'https://github.com', 'octo', /owner\/name/],
    ['too many parts', 'https://github.com', 'octo/app/extra', /owner\/name/],
    ['empty owner', 'https://github.com', '/app', /owner\/name/],
    ['not a URL', 'github.com', 'octo/app', /server URL/],
    ['not http', 'ftp://github.com', 'octo/app', /server URL/],
  ])('rejects %s', (_, serverUrl, repository, message) => {
    expect(() => repoLinks(serverUrl, repository)).toThrow(message);
  });

  test.each([0, -1, 1.5, Number.NaN])('issue(%s) is rejected', (n) => {
    expect(() => repoLinks('https://github.com', 'octo/app').issue(n)).toThrow(/positive issue number/);
  });

  test('credentials in the server URL are not copied into links', () => {
    expect(repoLinks('https://user:secret@ghe.example.com', 'o/r').issue(1)).toBe('https://ghe.example.com/o/r/issues/1');
  });
});

describe('repositoryFromRemote', () => {
  test.each([
    ['https', 'https://github.com/octo/app.git', 'https://github.com', 'octo/app'],
    ['https without .git', 'https://github.com/octo/app', 'https://github.com', 'octo/app'],
    ['https with trailing slash', 'https://github.com/octo/app/', 'https://github.com', 'octo/app'],
    ['https, host in other case', 'https://GitHub.com/octo/app.git', 'https://github.com', 'octo/app'],
    ['token credentials', 'https://x-access-token:ghs_SECRET@github.com/octo/app.git', 'https://github.com', 'octo/app'],
    ['user only', 'https://octo@github.com/octo/app', 'https://github.com', 'octo/app'],
    ['scp-like ssh', 'git@github.com:octo/app.git', 'https://github.com', 'octo/app'],
    ['scp-like without .git', 'git@github.com:octo/app', 'https://github.com', 'octo/app'],
    ['ssh URL', 'ssh://git@github.com/octo/app.git', 'https://github.com', 'octo/app'],
    ['ssh URL with port', 'ssh://git@github.com:22/octo/app.git', 'https://github.com', 'octo/app'],
    ['GHES https', 'https://ghe.example.com/platform/api.git', 'https://ghe.example.com/', 'platform/api'],
    ['GHES scp-like', 'git@ghe.example.com:platform/api.git', 'https://ghe.example.com', 'platform/api'],
    ['GHES https on its port', 'https://ghe.example.com:8443/platform/api.git', 'https://ghe.example.com:8443', 'platform/api'],
    ['GHES ssh ignores the web port', 'ssh://git@ghe.example.com:2222/platform/api.git', 'https://ghe.example.com:8443', 'platform/api'],
    ['newline from git config', 'https://github.com/octo/app.git\n', 'https://github.com', 'octo/app'],
    ['name with dots', 'https://github.com/octo/app.js.git', 'https://github.com', 'octo/app.js'],
    ['other host', 'https://gitlab.com/octo/app.git', 'https://github.com', null],
    ['github.com remote, GHES server', 'git@github.com:octo/app.git', 'https://ghe.example.com', null],
    ['GHES remote, github.com server', 'ssh://git@ghe.example.com/platform/api.git', 'https://github.com', null],
    ['subdomain is another host', 'https://api.github.com/octo/app', 'https://github.com', null],
    ['https on another port', 'https://ghe.example.com:9443/platform/api', 'https://ghe.example.com:8443', null],
    ['nested path', 'https://github.com/octo/app/tree/main', 'https://github.com', null],
    ['owner only', 'https://github.com/octo', 'https://github.com', null],
    ['query string', 'https://github.com/octo/app?x=1', 'https://github.com', null],
    ['git protocol', 'git://github.com/octo/app.git', 'https://github.com', null],
    ['local path', '/srv/git/app.git', 'https://github.com', null],
    ['file URL', 'file:///srv/git/octo/app.git', 'https://github.com', null],
    ['empty', '', 'https://github.com', null],
    ['dot segments', 'https://github.com/octo/..', 'https://github.com', null],
  ])('%s: %s', (_, remote, serverUrl, expected) => {
    expect(repositoryFromRemote(remote, serverUrl)).toBe(expected);
  });

  test('a token in the remote never comes back, whatever the outcome', () => {
    const secret = 'ghs_SECRET';
    for (const remote of [
      `https://x-access-token:${secret}@github.com/octo/app.git`,
      `https://x-access-token:${secret}@gitlab.com/octo/app.git`,
      `https://x-access-token:${secret}@github.com/nested/too/deep`,
    ]) {
      expect(String(repositoryFromRemote(remote, 'https://github.com'))).not.toContain(secret);
    }
  });

  test('an invalid server URL is an error, not a silent null', () => {
    expect(() => repositoryFromRemote('https://github.com/octo/app', 'github.com')).toThrow(/server URL.*https:\/\/github\.com/);
  });
});
