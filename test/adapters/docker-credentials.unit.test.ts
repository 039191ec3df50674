import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialsError, dockerConfigCredentials, serverAddress } from '../../src/adapters/docker-credentials.js';

const secret = 'canary-S3cret:with-colon';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

let dir: string;
let configDir: string;
let binDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'release-flow-creds-'));
  configDir = join(dir, 'docker');
  binDir = join(dir, 'bin');
  await mkdir(configDir);
  await mkdir(binDir);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(config: unknown): Promise<void> {
  await writeFile(join(configDir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
}

async function rejection(promise: Promise<unknown>): Promise<CredentialsError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CredentialsError);
  expect((error as Error).message).not.toContain(secret);
  return error as CredentialsError;
}

describe('serverAddress', () => {
  it.each([
    ['docker.io', 'https://index.docker.io/v1/'],
    ['index.docker.io', 'https://index.docker.io/v1/'],
    ['registry-1.docker.io', 'https://index.docker.io/v1/'],
    ['ghcr.io', 'ghcr.io'],
    ['127.0.0.1:5001', '127.0.0.1:5001'],
  ])('%s → %s', (registry, expected) => {
    expect(serverAddress(registry)).toBe(expected);
  });
});

describe('config.json auths', () => {
  it('finds nothing when there is no config.json', async () => {
    expect(await dockerConfigCredentials({ configDir: join(dir, 'absent') }).get('ghcr.io')).toBeNull();
  });

  it('decodes auths[host].auth, keeping colons in the password', async () => {
    await writeConfig({ auths: { 'ghcr.io': { auth: b64(`octo:${secret}`) }, 'quay.io': { auth: b64('other:pw') } } });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toEqual({ username: 'octo', password: secret });
  });

  it('finds nothing for a registry that has no entry', async () => {
    await writeConfig({ auths: { 'quay.io': { auth: b64('other:pw') } } });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toBeNull();
  });

  it('reads Docker Hub credentials under https://index.docker.io/v1/, as docker login writes them', async () => {
    await writeConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } });
    const source = dockerConfigCredentials({ configDir });
    expect(await source.get('docker.io')).toEqual({ username: 'hubuser', password: 'hubpass' });
    expect(await source.get('index.docker.io')).toEqual({ username: 'hubuser', password: 'hubpass' });
  });

  it('matches keys written as URLs by their host, as the docker CLI does', async () => {
    await writeConfig({ auths: { 'https://127.0.0.1:5001/v2/': { auth: b64('tester:pw') } } });
    expect(await dockerConfigCredentials({ configDir }).get('127.0.0.1:5001')).toEqual({ username: 'tester', password: 'pw' });
  });

  it('reads separate username and password fields that other tools write', async () => {
    await writeConfig({ auths: { 'ghcr.io': { username: 'octo', password: 'pw' } } });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toEqual({ username: 'octo', password: 'pw' });
  });

  it('treats an empty entry (left beside a credential store) as nothing', async () => {
    await writeConfig({ auths: { 'ghcr.io': {} } });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toBeNull();
  });

  it('uses $DOCKER_CONFIG when no directory is given', async () => {
    await writeConfig({ auths: { 'ghcr.io': { auth: b64('env:pw') } } });
    vi.stubEnv('DOCKER_CONFIG', configDir);
    expect(await dockerConfigCredentials().get('ghcr.io')).toEqual({ username: 'env', password: 'pw' });
  });

  it('refuses a config.json that is not JSON, without quoting it', async () => {
    await writeConfig(`{"auths": {"ghcr.io": {"auth": "${b64(`octo:${secret}`)}"}`);
    const error = await rejection(dockerConfigCredentials({ configDir }).get('ghcr.io'));
    expect(error.message).toMatch(/config\.json is not valid JSON/);
    expect(error.message).not.toContain(b64(`octo:${secret}`));
  });

  it('refuses an auth value that is not base64 of user:password, without quoting it', async () => {
    await writeConfig({ auths: { 'ghcr.io': { auth: b64(secret.replace(':', '')) } } });
    const error = await rejection(dockerConfigCredentials({ configDir }).get('ghcr.io'));
    expect(error.message).toContain('auths["ghcr.io"].auth is not base64 of "user:password"');
    expect(error.message).toContain('docker login ghcr.io');
  });
});

describe('credential helpers', () => {
  // A helper following the docker-credential-helpers protocol: server on stdin, JSON on stdout,
  // "credentials not found in native keychain" and exit 1 when it has nothing.
  async function installHelper(name = 'test'): Promise<string> {
    const asked = join(dir, 'asked.txt');
    const script = `#!/bin/sh
[ "$1" = get ] || { echo "unexpected action $1" >&2; exit 3; }
server=$(cat)
printf '%s\\n' "$server" >> '${asked}'
case "$server" in
  127.0.0.1:5001) printf '{"ServerURL":"%s","Username":"tester","Secret":"${secret}"}\\n' "$server" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hubuser","Secret":"hubpass"}\\n' "$server" ;;
  broken.example) echo "error getting credentials - err: exit status 1, out: keychain locked" ; exit 1 ;;
  garbled.example) echo "not json ${secret}" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
    const path = join(binDir, `docker-credential-${name}`);
    await writeFile(path, script);
    await chmod(path, 0o755);
    vi.stubEnv('PATH', `${binDir}${delimiter}${process.env.PATH ?? ''}`);
    return asked;
  }

  it('asks credHelpers[host] with the host on stdin', async () => {
    const asked = await installHelper();
    await writeConfig({ credHelpers: { '127.0.0.1:5001': 'test' } });
    expect(await dockerConfigCredentials({ configDir }).get('127.0.0.1:5001')).toEqual({ username: 'tester', password: secret });
    expect(await readFile(asked, 'utf8')).toBe('127.0.0.1:5001\n');
  });

  it('asks the credsStore for every registry, with Docker Hub as its index URL', async () => {
    const asked = await installHelper();
    await writeConfig({ auths: { 'https://index.docker.io/v1/': {} }, credsStore: 'test' });
    expect(await dockerConfigCredentials({ configDir }).get('docker.io')).toEqual({ username: 'hubuser', password: 'hubpass' });
    expect(await readFile(asked, 'utf8')).toBe('https://index.docker.io/v1/\n');
  });

  it('prefers credHelpers over credsStore and auths', async () => {
    await installHelper();
    await writeConfig({ auths: { '127.0.0.1:5001': { auth: b64('file:pw') } }, credsStore: 'absent', credHelpers: { '127.0.0.1:5001': 'test' } });
    expect(await dockerConfigCredentials({ configDir }).get('127.0.0.1:5001')).toEqual({ username: 'tester', password: secret });
  });

  it('gives null when the helper has no credentials for the server', async () => {
    await installHelper();
    await writeConfig({ credsStore: 'test' });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toBeNull();
  });

  it('gives null when the helper is not installed', async () => {
    vi.stubEnv('PATH', binDir);
    await writeConfig({ credsStore: 'nowhere-to-be-found' });
    expect(await dockerConfigCredentials({ configDir }).get('ghcr.io')).toBeNull();
  });

  it('fails with the helper and its message when it fails for another reason', async () => {
    await installHelper();
    await writeConfig({ credsStore: 'test' });
    const error = await rejection(dockerConfigCredentials({ configDir }).get('broken.example'));
    expect(error.message).toBe('docker-credential-test get exited with 1 for broken.example: error getting credentials - err: exit status 1, out: keychain locked');
  });

  it('fails without quoting an answer that is not JSON', async () => {
    await installHelper();
    await writeConfig({ credsStore: 'test' });
    const error = await rejection(dockerConfigCredentials({ configDir }).get('garbled.example'));
    expect(error.message).toMatch(/docker-credential-test get answered for garbled\.example with something that is not JSON/);
  });

  it('refuses a helper name that is not a plain name', async () => {
    await writeConfig({ credsStore: '../../bin/sh' });
    const error = await rejection(dockerConfigCredentials({ configDir }).get('ghcr.io'));
    expect(error.message).toContain('expected a helper name');
  });
});
