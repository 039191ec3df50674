import { describe, expect, test } from 'vitest';
import { buildxBuildArgs, cacheTag, type BuildRequest, type CacheMode } from '../../src/core/buildx.js';
import { parseImageName } from '../../src/core/image-ref.js';

const ghcr = parseImageName('ghcr.io/owner/synapse');
const local = parseImageName('127.0.0.1:5000/svc');
const hub = parseImageName('nginx');

/** The smallest request: one platform, no extras, no cache, not pushed. */
function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    image: ghcr,
    context: '/repo',
    platforms: ['linux/amd64'],
    buildArgs: {},
    secrets: [],
    labels: {},
    cache: 'none',
    provenance: false,
    push: false,
    tags: [],
    metadataFile: '/tmp/build/metadata.json',
    ...overrides,
  };
}

/** The values that follow each occurrence of a flag. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
}

describe('buildxBuildArgs: golden argv', () => {
  // [what, request, exact argv]
  test.each<[string, BuildRequest, string[]]>([
    [
      'minimal: one platform, loaded locally without tags',
      request(),
      ['buildx', 'build', '--platform', 'linux/amd64', '--metadata-file', '/tmp/build/metadata.json', '--provenance=false', '--sbom=false', '--load', '/repo'],
    ],
    [
      'main pushed under its immutable tag, two platforms, registry cache, OCI labels',
      request({
        platforms: ['linux/amd64', 'linux/arm64'],
        labels: { 'org.opencontainers.image.revision': 'abc', 'org.opencontainers.image.version': 'sha-abc1234' },
        cache: 'registry',
        push: true,
        tags: ['sha-abc1234'],
      }),
      [
        'buildx', 'build',
        '--platform', 'linux/amd64,linux/arm64',
        '--metadata-file', '/tmp/build/metadata.json',
        '--label', 'org.opencontainers.image.revision=abc',
        '--annotation', 'index:org.opencontainers.image.revision=abc',
        '--annotation', 'manifest:org.opencontainers.image.revision=abc',
        '--label', 'org.opencontainers.image.version=sha-abc1234',
        '--annotation', 'index:org.opencontainers.image.version=sha-abc1234',
        '--annotation', 'manifest:org.opencontainers.image.version=sha-abc1234',
        '--provenance=false', '--sbom=false',
        '--cache-from', 'type=registry,ref=ghcr.io/owner/synapse:buildcache',
        '--cache-to', 'type=registry,ref=ghcr.io/owner/synapse:buildcache,mode=max,ignore-error=true',
        '--tag', 'ghcr.io/owner/synapse:sha-abc1234',
        '--output=type=registry,oci-mediatypes=true',
        '/repo',
      ],
    ],
    [
      'release with everything: file, target, build args, secrets, provenance, gha cache, pushed',
      request({
        image: local,
        context: '/work/app',
        file: 'docker/Dockerfile.prod',
        target: 'runtime',
        platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
        buildArgs: { NODE_VERSION: '24', GREETING: 'a=b,c d' },
        secrets: [
          { id: 'npm', env: 'RELEASE_FLOW_BUILD_SECRET_0' },
          { id: 'pip.conf', env: 'RELEASE_FLOW_BUILD_SECRET_1' },
        ],
        labels: { 'org.opencontainers.image.title': 'svc' },
        cache: 'gha',
        provenance: true,
        push: true,
        tags: ['v1.4.0'],
        metadataFile: '/tmp/m.json',
      }),
      [
        'buildx', 'build',
        '--platform', 'linux/amd64,linux/arm64,linux/arm/v7',
        '--metadata-file', '/tmp/m.json',
        '--file', '/work/app/docker/Dockerfile.prod',
        '--target', 'runtime',
        '--build-arg', 'NODE_VERSION=24',
        '--build-arg', 'GREETING=a=b,c d',
        '--secret', 'id=npm,env=RELEASE_FLOW_BUILD_SECRET_0',
        '--secret', 'id=pip.conf,env=RELEASE_FLOW_BUILD_SECRET_1',
        '--label', 'org.opencontainers.image.title=svc',
        '--annotation', 'index:org.opencontainers.image.title=svc',
        '--annotation', 'manifest:org.opencontainers.image.title=svc',
        '--provenance=true', '--sbom=false',
        '--cache-from', 'type=gha,scope=127.0.0.1:5000/svc',
        '--cache-to', 'type=gha,scope=127.0.0.1:5000/svc,mode=max,ignore-error=true',
        '--tag', '127.0.0.1:5000/svc:v1.4.0',
        '--output=type=registry,oci-mediatypes=true',
        '/work/app',
      ],
    ],
    [
      'release built locally: tags in order, --load, cache read but never written',
      request({
        platforms: ['linux/arm64'],
        labels: { 'org.opencontainers.image.version': '1.4.0' },
        cache: 'registry',
        tags: ['v1.4.0', 'v1.4', 'v1'],
      }),
      [
        'buildx', 'build',
        '--platform', 'linux/arm64',
        '--metadata-file', '/tmp/build/metadata.json',
        '--label', 'org.opencontainers.image.version=1.4.0',
        '--annotation', 'manifest:org.opencontainers.image.version=1.4.0',
        '--provenance=false', '--sbom=false',
        '--cache-from', 'type=registry,ref=ghcr.io/owner/synapse:buildcache',
        '--tag', 'ghcr.io/owner/synapse:v1.4.0',
        '--tag', 'ghcr.io/owner/synapse:v1.4',
        '--tag', 'ghcr.io/owner/synapse:v1',
        '--load',
        '/repo',
      ],
    ],
    [
      'Docker Hub official image: tags go on the name as written',
      request({ image: hub, context: '.', file: 'Dockerfile', cache: 'gha', tags: ['latest'] }),
      [
        'buildx', 'build',
        '--platform', 'linux/amd64',
        '--metadata-file', '/tmp/build/metadata.json',
        '--file', 'Dockerfile',
        '--provenance=false', '--sbom=false',
        '--cache-from', 'type=gha,scope=nginx',
        '--tag', 'nginx:latest',
        '--load',
        '.',
      ],
    ],
  ])('%s', (_what, req, argv) => {
    expect(buildxBuildArgs(req)).toEqual(argv);
  });
});

describe('buildxBuildArgs: platforms', () => {
  test.each<[string[], string]>([
    [['linux/amd64'], 'linux/amd64'],
    [['linux/arm64'], 'linux/arm64'],
    [['linux/amd64', 'linux/arm64'], 'linux/amd64,linux/arm64'],
    [['linux/arm64', 'linux/amd64'], 'linux/arm64,linux/amd64'],
    [['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'], 'linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6'],
  ])('%j → --platform %s, right after build', (platforms, value) => {
    const args = buildxBuildArgs(request({ platforms }));
    expect(args.slice(0, 4)).toEqual(['buildx', 'build', '--platform', value]);
    expect(valuesOf(args, '--platform')).toEqual([value]);
  });
});

describe('buildxBuildArgs: labels and annotations', () => {
  const labels = { 'org.opencontainers.image.title': 'synapse', 'org.opencontainers.image.description': 'a = b, c', 'com.example.empty': '' };

  // One platform has no index (BuildKit refuses index annotations for it); several have one.
  // One flag per level: buildx 0.13 reads `index,manifest:` as part of the key.
  test.each<[string[], string[]]>([
    [['linux/amd64'], ['manifest']],
    [['linux/arm64'], ['manifest']],
    [['linux/amd64', 'linux/arm64'], ['index', 'manifest']],
    [['linux/amd64', 'linux/arm64', 'linux/arm/v7'], ['index', 'manifest']],
  ])('%j → annotations on %j', (platforms, levels) => {
    for (const push of [true, false]) {
      const args = buildxBuildArgs(request({ platforms, labels, push }));
      expect(valuesOf(args, '--label')).toEqual(['org.opencontainers.image.title=synapse', 'org.opencontainers.image.description=a = b, c', 'com.example.empty=']);
      expect(valuesOf(args, '--annotation')).toEqual(
        ['org.opencontainers.image.title=synapse', 'org.opencontainers.image.description=a = b, c', 'com.example.empty='].flatMap((kv) => levels.map((level) => `${level}:${kv}`)),
      );
    }
  });

  test('each label is followed by its annotation, in the order of the labels', () => {
    const args = buildxBuildArgs(request({ platforms: ['linux/amd64', 'linux/arm64'], labels: { b: '2', a: '1' } }));
    const at = args.indexOf('--label');
    expect(args.slice(at, at + 12)).toEqual([
      '--label', 'b=2', '--annotation', 'index:b=2', '--annotation', 'manifest:b=2',
      '--label', 'a=1', '--annotation', 'index:a=1', '--annotation', 'manifest:a=1',
    ]);
  });

  test('no labels, no annotations', () => {
    const args = buildxBuildArgs(request({ platforms: ['linux/amd64', 'linux/arm64'] }));
    expect(args).not.toContain('--label');
    expect(args).not.toContain('--annotation');
  });
});

describe('buildxBuildArgs: build args and secrets', () => {
  test.each<[Record<string, string>, string[]]>([
    [{}, []],
    [{ A: '1' }, ['A=1']],
    [{ B: '2', A: '1' }, ['B=2', 'A=1']],
    [{ EMPTY: '' }, ['EMPTY=']],
    [{ URL: 'https://x.example/?a=1&b=2' }, ['URL=https://x.example/?a=1&b=2']],
    [{ SPACED: ' a b ' }, ['SPACED= a b ']],
    [{ MULTI: 'line1\nline2' }, ['MULTI=line1\nline2']],
  ])('build args %j → %j', (buildArgs, values) => {
    expect(valuesOf(buildxBuildArgs(request({ buildArgs })), '--build-arg')).toEqual(values);
  });

  test.each<[{ id: string; env: string }[], string[]]>([
    [[], []],
    [[{ id: 'npm', env: 'NPM_TOKEN' }], ['id=npm,env=NPM_TOKEN']],
    [
      [
        { id: 'a', env: 'RELEASE_FLOW_BUILD_SECRET_0' },
        { id: 'b.c', env: 'RELEASE_FLOW_BUILD_SECRET_1' },
      ],
      ['id=a,env=RELEASE_FLOW_BUILD_SECRET_0', 'id=b.c,env=RELEASE_FLOW_BUILD_SECRET_1'],
    ],
  ])('secrets %j → %j (by environment variable, never by value)', (secrets, values) => {
    const args = buildxBuildArgs(request({ secrets }));
    expect(valuesOf(args, '--secret')).toEqual(values);
    for (const value of values) expect(value).not.toMatch(/(?:^|,)(?:src|value|source)=/);
  });

  test('a secret never turns into a build arg', () => {
    const args = buildxBuildArgs(request({ secrets: [{ id: 'token', env: 'TOKEN_ENV' }], buildArgs: { A: '1' } }));
    expect(valuesOf(args, '--build-arg')).toEqual(['A=1']);
    expect(args.join(' ')).not.toMatch(/token=|TOKEN_ENV=/);
  });
});

describe('buildxBuildArgs: Dockerfile and target', () => {
  // buildx reads a relative --file from its working directory: it is made relative to the context.
  // [context, file, --file value or null]
  test.each<[string, string | undefined, string | null]>([
    ['/repo', undefined, null],
    ['/repo', '', null],
    ['/repo', 'Dockerfile', '/repo/Dockerfile'],
    ['/repo', 'Dockerfile.prod', '/repo/Dockerfile.prod'],
    ['/repo/app', 'docker/Dockerfile', '/repo/app/docker/Dockerfile'],
    ['/repo/app', './Dockerfile', '/repo/app/Dockerfile'],
    ['/repo/app', '../shared/Dockerfile', '/repo/shared/Dockerfile'],
    ['/repo/app', '/elsewhere/Dockerfile', '/elsewhere/Dockerfile'],
    ['.', 'Dockerfile', 'Dockerfile'],
    ['app', 'Dockerfile', 'app/Dockerfile'],
    ['./app', 'build/Dockerfile', 'app/build/Dockerfile'],
  ])('context %j, file %j → --file %j', (context, file, value) => {
    const args = buildxBuildArgs(request({ context, file }));
    expect(valuesOf(args, '--file')).toEqual(value === null ? [] : [value]);
    expect(args.at(-1)).toBe(context);
  });

  test.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['runtime', ['runtime']],
    ['build-stage_2', ['build-stage_2']],
  ])('target %j → %j', (target, values) => {
    expect(valuesOf(buildxBuildArgs(request({ target })), '--target')).toEqual(values);
  });
});

describe('buildxBuildArgs: provenance and SBOM', () => {
  test.each<[boolean, string]>([
    [false, '--provenance=false'],
    [true, '--provenance=true'],
  ])('provenance %s → %s, and never an SBOM', (provenance, flag) => {
    const args = buildxBuildArgs(request({ provenance }));
    expect(args.filter((a) => a.startsWith('--provenance'))).toEqual([flag]);
    expect(args.filter((a) => a.startsWith('--sbom'))).toEqual(['--sbom=false']);
  });
});

describe('buildxBuildArgs: cache', () => {
  // [cache, image, push, cache-from values, cache-to values]
  test.each<[CacheMode, string, boolean, string[], string[]]>([
    ['none', 'ghcr.io/owner/synapse', true, [], []],
    ['none', 'ghcr.io/owner/synapse', false, [], []],
    ['registry', 'ghcr.io/owner/synapse', true, ['type=registry,ref=ghcr.io/owner/synapse:buildcache'], ['type=registry,ref=ghcr.io/owner/synapse:buildcache,mode=max,ignore-error=true']],
    ['registry', 'ghcr.io/owner/synapse', false, ['type=registry,ref=ghcr.io/owner/synapse:buildcache'], []],
    ['registry', '127.0.0.1:5000/svc', true, ['type=registry,ref=127.0.0.1:5000/svc:buildcache'], ['type=registry,ref=127.0.0.1:5000/svc:buildcache,mode=max,ignore-error=true']],
    ['registry', 'nginx', true, ['type=registry,ref=nginx:buildcache'], ['type=registry,ref=nginx:buildcache,mode=max,ignore-error=true']],
    ['registry', 'localhost:5000/a/b', false, ['type=registry,ref=localhost:5000/a/b:buildcache'], []],
    ['gha', 'ghcr.io/owner/synapse', true, ['type=gha,scope=ghcr.io/owner/synapse'], ['type=gha,scope=ghcr.io/owner/synapse,mode=max,ignore-error=true']],
    ['gha', 'ghcr.io/owner/synapse', false, ['type=gha,scope=ghcr.io/owner/synapse'], []],
    ['gha', 'owner/app', true, ['type=gha,scope=owner/app'], ['type=gha,scope=owner/app,mode=max,ignore-error=true']],
  ])('%s for %s, push %s', (cache, image, push, from, to) => {
    const args = buildxBuildArgs(request({ image: parseImageName(image), cache, push }));
    expect(valuesOf(args, '--cache-from')).toEqual(from);
    expect(valuesOf(args, '--cache-to')).toEqual(to);
  });

  test('the cache tag is buildcache', () => {
    expect(cacheTag).toBe('buildcache');
  });
});

describe('buildxBuildArgs: output', () => {
  const pushOutput = '--output=type=registry,oci-mediatypes=true';
  // Pushed, the build goes out under the tags it is given (the flow gives only the immutable one);
  // not pushed, it is loaded locally under them.
  // [image, tags, --tag values]
  const cases: [string, string[], string[]][] = [
    ['ghcr.io/owner/synapse', [], []],
    ['ghcr.io/owner/synapse', ['v1.4.0'], ['ghcr.io/owner/synapse:v1.4.0']],
    ['ghcr.io/owner/synapse', ['sha-abc1234', 'latest'], ['ghcr.io/owner/synapse:sha-abc1234', 'ghcr.io/owner/synapse:latest']],
    ['ghcr.io/owner/synapse', ['v1.4.0', 'v1.4', 'v1'], ['ghcr.io/owner/synapse:v1.4.0', 'ghcr.io/owner/synapse:v1.4', 'ghcr.io/owner/synapse:v1']],
    ['127.0.0.1:5000/svc', ['sha-abc1234'], ['127.0.0.1:5000/svc:sha-abc1234']],
    ['localhost:5000/a/b', ['v2.0.0-rc.1'], ['localhost:5000/a/b:v2.0.0-rc.1']],
    ['[::1]:5000/x', ['v1'], ['[::1]:5000/x:v1']],
    ['nginx', ['latest'], ['nginx:latest']],
    ['docker.io/library/nginx', ['latest'], ['docker.io/library/nginx:latest']],
  ];

  test.each(cases)('pushed %s with %j: --tag each, then a registry output with OCI media types', (image, tags, values) => {
    const args = buildxBuildArgs(request({ image: parseImageName(image), push: true, tags }));
    expect(valuesOf(args, '--tag')).toEqual(values);
    expect(args.slice(-2)).toEqual([pushOutput, '/repo']);
    expect(args.filter((a) => a.startsWith('--output'))).toEqual([pushOutput]);
    expect(args).not.toContain('--load');
    expect(args).not.toContain('--push');
    expect(args).not.toContain('-t');
  });

  test.each(cases)('not pushed, %s with %j: --tag each, then --load and no output', (image, tags, values) => {
    const args = buildxBuildArgs(request({ image: parseImageName(image), tags }));
    expect(valuesOf(args, '--tag')).toEqual(values);
    expect(args.filter((a) => a.startsWith('--output'))).toEqual([]);
    expect(args).not.toContain('--push');
    expect(args.slice(-2)).toEqual(['--load', '/repo']);
  });
});

describe('buildxBuildArgs: invariants over many requests', () => {
  const requests: BuildRequest[] = [];
  for (const push of [true, false]) {
    for (const cache of ['registry', 'gha', 'none'] as const) {
      for (const platforms of [['linux/amd64'], ['linux/amd64', 'linux/arm64']]) {
        requests.push(
          request({
            push,
            cache,
            platforms,
            context: '/ctx dir',
            file: 'Dockerfile',
            target: 't',
            buildArgs: { A: '1' },
            secrets: [{ id: 's', env: 'RELEASE_FLOW_BUILD_SECRET_0' }],
            labels: { l: 'v' },
            tags: ['v1.0.0'],
          }),
        );
      }
    }
  }

  test.each(requests.map((r) => [`push ${r.push}, cache ${r.cache}, ${r.platforms.length} platform(s)`, r] as const))('%s', (_what, req) => {
    const args = buildxBuildArgs(req);
    expect(args.slice(0, 2)).toEqual(['buildx', 'build']);
    // The context is the last argument, exactly once.
    expect(args.at(-1)).toBe('/ctx dir');
    expect(args.filter((a) => a === '/ctx dir')).toHaveLength(1);
    expect(valuesOf(args, '--metadata-file')).toEqual(['/tmp/build/metadata.json']);
    // Exactly one of: an output that pushes to the registry, or --load.
    expect(args.includes('--load')).toBe(!req.push);
    expect(args.filter((a) => a.startsWith('--output'))).toEqual(req.push ? ['--output=type=registry,oci-mediatypes=true'] : []);
    expect(valuesOf(args, '--tag')).toEqual([`${req.image.name}:v1.0.0`]);
    // Cache is only written by a pushed build.
    expect(valuesOf(args, '--cache-to')).toHaveLength(req.push && req.cache !== 'none' ? 1 : 0);
    expect(valuesOf(args, '--cache-from')).toHaveLength(req.cache !== 'none' ? 1 : 0);
  });
});
