import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The container test bed as tests see it: `requireTestBed()` checks, synchronously, that the
// engine, buildx, compose, the registries and the env file written by test/bed/engine.sh are all
// there, and returns what tests need. When anything is missing it THROWS: a test that needs the
// bed fails with the reason and the fix (`bash test/bed/engine.sh`); it is never skipped.
//
//   import { requireTestBed } from '../bed/check.js';
//   const bed = requireTestBed();             // at the top of a describe, or in beforeAll
//   docker('buildx', 'build', '--platform', 'linux/amd64,linux/arm64',
//          '-t', `${bed.registry}/svc:1.2.0`, '--push', bed.serviceContext);

export interface TestBed {
  /** The env file engine.sh wrote (KEY=value lines). */
  envFile: string;
  /** Scratch directory of the bed ($RELEASE_FLOW_BED_DIR, default /tmp/release-flow-bed). */
  bedDir: string;
  /** Engine version as `docker info` reports it, e.g. `26.1.5+dfsg1`. */
  dockerVersion: string;
  /** First line of `docker buildx version`. */
  buildxVersion: string;
  /** `docker compose version --short`, e.g. `2.26.1-4`. */
  composeVersion: string;
  /** Storage driver, e.g. `overlayfs` (always with the containerd image store). */
  storageDriver: string;
  /** Anonymous registry, `127.0.0.1:5000`: image references are `${registry}/name:tag`. */
  registry: string;
  /** Registry with htpasswd authentication, `127.0.0.1:5001`. */
  authRegistry: string;
  /** User for `authRegistry` (`tester`). */
  authUser: string;
  /** Password for `authRegistry`, read from `authPasswordFile`. */
  authPassword: string;
  /** File holding the password: `docker login --password-stdin < file`. */
  authPasswordFile: string;
  /** Build context of the test service (test/fixtures/service), busybox binaries in place. */
  serviceContext: string;
  /** The platform run through QEMU (linux/arm64 on an amd64 machine); engine.sh proved it runs. */
  foreignPlatform: string;
}

const FIX = 'run `bash test/bed/engine.sh` (as root) to set up the container test bed';
const here = dirname(fileURLToPath(import.meta.url));

let cached: TestBed | undefined;

/** Path of the env file engine.sh writes: $RELEASE_FLOW_BED_DIR/env. */
export function testBedEnvFile(): string {
  return join(process.env.RELEASE_FLOW_BED_DIR || '/tmp/release-flow-bed', 'env');
}

/** KEY=value lines; blank lines and `#` comments ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && m[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2].trim();
  }
  return out;
}

function fail(what: string, detail?: string): never {
  const more = detail ? `\n${detail.trim().split('\n').slice(-8).join('\n')}` : '';
  throw new Error(`Container test bed: ${what}.${more}\nFix: ${FIX}.`);
}

/** Runs a command; returns trimmed stdout, or fails the bed check with `what` and the stderr. */
function run(what: string, file: string, args: string[], timeout = 30_000): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; stdout?: string; signal?: string };
    if (e.code === 'ENOENT') fail(`${what}: '${file}' is not installed`);
    if (e.signal === 'SIGTERM') fail(`${what}: '${file} ${args.join(' ')}' did not answer within ${timeout / 1000} s`);
    fail(`${what}: '${file} ${args.join(' ')}' failed`, e.stderr || e.stdout || e.message);
  }
}

/** HTTP status of GET url (0 when nothing answers), checked from a child node, synchronously. */
function httpStatus(url: string, authorization?: string): number {
  const script = `
    const headers = process.argv[2] ? { authorization: process.argv[2] } : {};
    fetch(process.argv[1], { headers, signal: AbortSignal.timeout(5000) })
      .then((r) => console.log(r.status), () => console.log(0));`;
  const args = ['-e', script, url];
  if (authorization) args.push(authorization);
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 15_000 }).trim();
  return Number(out) || 0;
}

/**
 * Checks the container test bed and returns it; throws an Error that names what is missing and
 * says to run `bash test/bed/engine.sh` otherwise. The first success is cached for the process.
 */
export function requireTestBed(): TestBed {
  if (cached) return cached;

  const dockerVersion = run('no Docker engine answers', 'docker', ['info', '--format', '{{.ServerVersion}}']);
  if (!dockerVersion) fail("no Docker engine answers ('docker info' printed no server version)");
  const major = Number(dockerVersion.split('.')[0]);
  if (!(major >= 26)) fail(`the Docker engine is ${dockerVersion}; 26 or newer is needed`);
  const storage = run('no Docker engine answers', 'docker', ['info', '--format', '{{.Driver}} {{json .DriverStatus}}']);
  if (!storage.includes('io.containerd.snapshotter')) {
    fail(`the Docker engine does not use the containerd image store (storage: ${storage}), so it cannot build multi-platform images`);
  }
  const buildxVersion = run('the docker buildx plugin is missing', 'docker', ['buildx', 'version']).split('\n')[0] ?? '';
  const composeVersion = run('the docker compose plugin is missing', 'docker', ['compose', 'version', '--short']);

  const envFile = testBedEnvFile();
  if (!existsSync(envFile)) fail(`${envFile} does not exist (engine.sh writes it when the bed is ready)`);
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  const need = (key: string): string => env[key] || fail(`${envFile} has no ${key}`);
  const registry = need('RELEASE_FLOW_REGISTRY');
  const authRegistry = need('RELEASE_FLOW_AUTH_REGISTRY');
  const authUser = need('RELEASE_FLOW_AUTH_USER');
  const authPasswordFile = need('RELEASE_FLOW_AUTH_PASSWORD_FILE');
  if (env.RELEASE_FLOW_ARM64 !== 'ok') fail(`${envFile} does not record a working ${env.RELEASE_FLOW_FOREIGN_PLATFORM ?? 'linux/arm64'} run`);
  let authPassword: string;
  try {
    authPassword = readFileSync(authPasswordFile, 'utf8').trim();
  } catch (error) {
    fail(`cannot read the auth registry's password file ${authPasswordFile}`, String(error));
  }
  if (!authPassword) fail(`the auth registry's password file ${authPasswordFile} is empty`);

  const anon = httpStatus(`http://${registry}/v2/`);
  if (anon !== 200) fail(`the registry ${registry} does not answer GET /v2/ with 200 (got ${anon || 'no answer'})`);
  const denied = httpStatus(`http://${authRegistry}/v2/`);
  if (denied !== 401) fail(`the auth registry ${authRegistry} does not answer 401 without credentials (got ${denied || 'no answer'})`);
  const basic = `Basic ${Buffer.from(`${authUser}:${authPassword}`).toString('base64')}`;
  const allowed = httpStatus(`http://${authRegistry}/v2/`, basic);
  if (allowed !== 200) fail(`the auth registry ${authRegistry} refuses ${authUser} with the password in ${authPasswordFile} (got ${allowed || 'no answer'})`);

  const serviceContext = resolve(here, '../fixtures/service');
  for (const arch of ['amd64', 'arm64']) {
    const bin = join(serviceContext, `busybox-${arch}`);
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      fail(`${bin} is missing (test/bed/fetch-busybox.sh puts it there; engine.sh runs it)`);
    }
  }

  cached = {
    envFile,
    bedDir: env.RELEASE_FLOW_BED_DIR || dirname(envFile),
    dockerVersion,
    buildxVersion,
    composeVersion,
    storageDriver: storage.split(' ')[0] ?? '',
    registry,
    authRegistry,
    authUser,
    authPassword,
    authPasswordFile,
    serviceContext,
    foreignPlatform: env.RELEASE_FLOW_FOREIGN_PLATFORM || 'linux/arm64',
  };
  return cached;
}
