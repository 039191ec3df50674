import { describe, expect, test } from 'vitest';
import { inputError } from '../support/input-error.js';
import { isValidTag, parseImageName } from '../../src/core/image-ref.js';


describe('parseImageName: accepted names', () => {
  // [text, registry, repository, name]
  test.each<[string, string, string, string]>([
    // Registries named by a dot, a port or localhost.
    ['ghcr.io/owner/synapse', 'ghcr.io', 'owner/synapse', 'ghcr.io/owner/synapse'],
    ['ghcr.io/owner/team/synapse', 'ghcr.io', 'owner/team/synapse', 'ghcr.io/owner/team/synapse'],
    ['ghcr.io/synapse', 'ghcr.io', 'synapse', 'ghcr.io/synapse'],
    ['registry.gitlab.com/group/sub/app', 'registry.gitlab.com', 'group/sub/app', 'registry.gitlab.com/group/sub/app'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/app', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'app', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app'],
    ['127.0.0.1:5000/svc', '127.0.0.1:5000', 'svc', '127.0.0.1:5000/svc'],
    ['127.0.0.1:5001/a/b/c', '127.0.0.1:5001', 'a/b/c', '127.0.0.1:5001/a/b/c'],
    ['localhost:5000/a/b', 'localhost:5000', 'a/b', 'localhost:5000/a/b'],
    ['localhost/x', 'localhost', 'x', 'localhost/x'],
    ['registry:5000/x', 'registry:5000', 'x', 'registry:5000/x'],
    ['my-registry.local:443/team/app', 'my-registry.local:443', 'team/app', 'my-registry.local:443/team/app'],
    ['[::1]:5000/x', '[::1]:5000', 'x', '[::1]:5000/x'],
    ['[::1]/x', '[::1]', 'x', '[::1]/x'],
    ['[fe80::1:abcd]:443/team/app', '[fe80::1:abcd]:443', 'team/app', '[fe80::1:abcd]:443/team/app'],
    ['[FE80::1:ABCD]:5000/x', '[FE80::1:ABCD]:5000', 'x', '[FE80::1:ABCD]:5000/x'],
    // Upper case is fine in the registry host, never in the repository.
    ['GHCR.io/owner/synapse', 'GHCR.io', 'owner/synapse', 'GHCR.io/owner/synapse'],
    ['Registry.Example.COM:5000/app', 'Registry.Example.COM:5000', 'app', 'Registry.Example.COM:5000/app'],
    // Docker Hub: official images live under library/.
    ['nginx', 'docker.io', 'library/nginx', 'nginx'],
    ['docker.io/nginx', 'docker.io', 'library/nginx', 'docker.io/nginx'],
    ['docker.io/library/nginx', 'docker.io', 'library/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/nginx', 'index.docker.io', 'library/nginx', 'index.docker.io/nginx'],
    ['index.docker.io/owner/app', 'index.docker.io', 'owner/app', 'index.docker.io/owner/app'],
    ['library/nginx', 'docker.io', 'library/nginx', 'library/nginx'],
    ['owner/app', 'docker.io', 'owner/app', 'owner/app'],
    ['docker.io/owner/app', 'docker.io', 'owner/app', 'docker.io/owner/app'],
    ['owner/team/app', 'docker.io', 'owner/team/app', 'owner/team/app'],
    // A first part without a dot, a port or "localhost" is a path component, not a host.
    ['registry/app', 'docker.io', 'registry/app', 'registry/app'],
    ['localhostx/app', 'docker.io', 'localhostx/app', 'localhostx/app'],
    // A dotted single name is a Docker Hub repository (no "/", so no registry).
    ['ghcr.io', 'docker.io', 'library/ghcr.io', 'ghcr.io'],
    // Separators of the distribution grammar: . _ __ and any run of -.
    ['ghcr.io/owner/a.b', 'ghcr.io', 'owner/a.b', 'ghcr.io/owner/a.b'],
    ['ghcr.io/owner/a_b', 'ghcr.io', 'owner/a_b', 'ghcr.io/owner/a_b'],
    ['ghcr.io/owner/a__b', 'ghcr.io', 'owner/a__b', 'ghcr.io/owner/a__b'],
    ['ghcr.io/owner/a-b', 'ghcr.io', 'owner/a-b', 'ghcr.io/owner/a-b'],
    ['ghcr.io/owner/a---b', 'ghcr.io', 'owner/a---b', 'ghcr.io/owner/a---b'],
    ['a__b', 'docker.io', 'library/a__b', 'a__b'],
    ['a---b', 'docker.io', 'library/a---b', 'a---b'],
    ['a1.b2_c3__d4-e5', 'docker.io', 'library/a1.b2_c3__d4-e5', 'a1.b2_c3__d4-e5'],
    ['0', 'docker.io', 'library/0', '0'],
    ['ghcr.io/0wner/1app', 'ghcr.io', '0wner/1app', 'ghcr.io/0wner/1app'],
    // Surrounding white space is trimmed; the name is what tags are appended to.
    ['  ghcr.io/owner/synapse  ', 'ghcr.io', 'owner/synapse', 'ghcr.io/owner/synapse'],
    ['\tnginx\n', 'docker.io', 'library/nginx', 'nginx'],
  ])('%j → registry %j, repository %j', (text, registry, repository, name) => {
    expect(parseImageName(text)).toEqual({ registry, repository, name });
  });
});

describe('parseImageName: refused names', () => {
  const tagOrDigest = 'without a tag or digest';
  const lowerCase = 'a lower-case repository name';
  const grammar = 'a repository of lower-case letters, digits and separators';
  const host = 'a registry host such as ghcr.io';
  const empty = 'an image name such as ghcr.io/owner/synapse';
  // [text, what the message says is expected]
  test.each<[string, string]>([
    ['', empty],
    ['   ', empty],
    ['\n', empty],
    // Tags come from the version; a digest pins nothing to build.
    ['ghcr.io/owner/synapse:1.4.0', tagOrDigest],
    ['ghcr.io/owner/synapse:latest', tagOrDigest],
    ['nginx:latest', tagOrDigest],
    ['localhost:5000/a/b:tag', tagOrDigest],
    ['127.0.0.1:5000/svc:v1', tagOrDigest],
    ['[::1]:5000/x:y', tagOrDigest],
    ['ghcr.io/owner/synapse@sha256:' + 'a'.repeat(64), tagOrDigest],
    ['ghcr.io/owner/synapse:1.4.0@sha256:' + 'a'.repeat(64), tagOrDigest],
    ['nginx@sha256:' + '0'.repeat(64), tagOrDigest],
    // A digest-like suffix without a colon is still not a name.
    ['ghcr.io/owner/synapse@latest', tagOrDigest],
    ['nginx@sha256', tagOrDigest],
    ['ghcr.io/owner/synapse:', tagOrDigest],
    // A host and port alone reads as image "localhost", tag "5000".
    ['localhost:5000', tagOrDigest],
    // Upper case in the repository.
    ['ghcr.io/Owner/synapse', lowerCase],
    ['ghcr.io/owner/Synapse', lowerCase],
    ['Nginx', lowerCase],
    ['Owner/App', lowerCase],
    ['docker.io/Owner/app', lowerCase],
    ['127.0.0.1:5000/SVC', lowerCase],
    // Outside the grammar.
    ['ghcr.io//x', grammar],
    ['owner//app', grammar],
    ['ghcr.io/owner/', grammar],
    ['ghcr.io/', grammar],
    ['owner/', grammar],
    ['/owner/app', grammar],
    ['ghcr.io/owner/syn apse', grammar],
    ['ghcr.io/owner /synapse', grammar],
    ['syn apse', grammar],
    ['a___b', grammar],
    ['a..b', grammar],
    ['a._b', grammar],
    ['-a', grammar],
    ['a-', grammar],
    ['_a', grammar],
    ['a_', grammar],
    ['.a', grammar],
    ['a.', grammar],
    ['ghcr.io/owner/-app', grammar],
    ['ghcr.io/owner/app-', grammar],
    ['ghcr.io/owner/a+b', grammar],
    ['ghcr.io/owner/ä', grammar],
    ['ghcr.io/owner/a\\b', grammar],
    // A bad host before the first "/".
    ['-bad.io/app', host],
    ['bad-.io/app', host],
    ['bad..io/app', host],
    ['bad_host.io/app', host],
    ['ghcr.io:port/app', host],
    ['ghcr.io:/app', host],
    ['[::1/app', host],
    ['[zz::1]:5000/app', host],
  ])('%j is refused: expected %s', (text, expected) => {
    const error = inputError(() => parseImageName(text));
    expect(error.input).toBe('image');
    expect(error.value).toBe(text);
    expect(error.expected).toContain(expected);
    expect(error.message).toContain(JSON.stringify(text));
  });

  // The message gives the name to use instead: the repository in lower case, the registry as given.
  test.each<[string, string]>([
    ['ghcr.io/Owner/Synapse', 'ghcr.io/owner/synapse'],
    ['GHCR.io/Owner/Synapse', 'GHCR.io/owner/synapse'],
    ['127.0.0.1:5000/My/SVC', '127.0.0.1:5000/my/svc'],
    ['localhost/X', 'localhost/x'],
    ['[::1]:5000/X', '[::1]:5000/x'],
    ['Owner/Synapse', 'owner/synapse'],
    ['Nginx', 'nginx'],
    ['docker.io/Owner/App', 'owner/app'],
  ])('%j suggests %j', (text, suggestion) => {
    const error = inputError(() => parseImageName(text));
    expect(error.expected.endsWith(`: ${suggestion}`)).toBe(true);
    expect(() => parseImageName(suggestion)).not.toThrow();
  });

  test.each<[string]>([['image'], ['--image'], ['images[0]']])('the error names the caller\'s input %j', (input) => {
    for (const bad of ['', 'a:b', 'ghcr.io/A/b', 'a//b', 'bad..io/x']) {
      const error = inputError(() => parseImageName(bad, input));
      expect(error.input).toBe(input);
      expect(error.message.startsWith(`${input}: `)).toBe(true);
    }
  });
});

describe('parseImageName: length (distribution caps registry/repository at 255 characters)', () => {
  const hub = (n: number) => 'a'.repeat(n - 'docker.io/library/'.length);
  // [what, text, accepted]
  test.each<[string, string, boolean]>([
    ['ghcr.io, 255 in all', `ghcr.io/${'a'.repeat(255 - 'ghcr.io/'.length)}`, true],
    ['ghcr.io, 256 in all', `ghcr.io/${'a'.repeat(256 - 'ghcr.io/'.length)}`, false],
    // Counted once normalised: docker.io/library/<name>.
    ['official image, 255 once normalised', hub(255), true],
    ['official image, 256 once normalised', hub(256), false],
    ['index.docker.io counts as docker.io, 255', `index.docker.io/${hub(255)}`, true],
    ['Docker Hub user, 255 once normalised', `owner/${'a'.repeat(255 - 'docker.io/owner/'.length)}`, true],
    ['Docker Hub user, 256 once normalised', `owner/${'a'.repeat(256 - 'docker.io/owner/'.length)}`, false],
    ['local registry, 255', `127.0.0.1:5000/${'b'.repeat(255 - '127.0.0.1:5000/'.length)}`, true],
    ['local registry, 256', `127.0.0.1:5000/${'b'.repeat(256 - '127.0.0.1:5000/'.length)}`, false],
  ])('%s', (_what, text, accepted) => {
    if (accepted) {
      expect(parseImageName(text).name).toBe(text);
    } else {
      const error = inputError(() => parseImageName(text, '--image'));
      expect(error.input).toBe('--image');
      expect(error.expected).toContain('at most 255 characters');
    }
  });
});

describe('isValidTag (the distribution grammar for tags)', () => {
  test.each<[string, boolean]>([
    ['latest', true],
    ['v1.4.0', true],
    ['1.4.0', true],
    ['v1.3.0-rc.1', true],
    ['sha-abc1234', true],
    ['buildcache', true],
    ['_private', true],
    ['A', true],
    ['UPPER-case_OK.1', true],
    ['0', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['', false],
    ['.hidden', false],
    ['-dash', false],
    ['v1.0.0+build.7', false],
    ['app/v1.0.0', false],
    ['a:b', false],
    ['a@b', false],
    ['a b', false],
    ['ä', false],
  ])('%j → %s', (tag, valid) => {
    expect(isValidTag(tag)).toBe(valid);
  });
});
