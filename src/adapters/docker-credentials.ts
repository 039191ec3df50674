import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

/** Where registry credentials come from; `registry` is an ImageName's registry (`ghcr.io`, `docker.io`). */
export interface CredentialSource {
  /** null when there are none for that registry: the client then tries anonymously. */
  get(registry: string): Promise<Credentials | null>;
}

/** Credentials were configured but could not be read; the message never holds a secret. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export interface DockerConfigOptions {
  /** Default: $DOCKER_CONFIG, else ~/.docker (where `docker login` writes config.json). */
  configDir?: string;
  /** A credential helper that has not answered by then fails. Default 30000. */
  helperTimeoutMs?: number;
}

// Docker keys Docker Hub's credentials by its v1 index URL, whatever name the image uses.
const dockerHubServer = 'https://index.docker.io/v1/';
const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// docker-credential-helpers' fixed answer when it has nothing for a server (any helper, any OS).
const notFoundMessage = 'credentials not found';

/** Plain fields of config.json as `docker login` writes it; anything else in the file is ignored. */
interface DockerConfigFile {
  auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown } | undefined>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

/**
 * Reads credentials the way the docker CLI does: a per-registry `credHelpers` entry wins, then the
 * global `credsStore`, then the base64 `auth` of `auths` in config.json. The file is read on each
 * call, so a `docker login` made meanwhile is seen.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  return {
    async get(registry) {
      const configDir = options.configDir ?? (process.env.DOCKER_CONFIG || join(homedir(), '.docker'));
      const file = join(configDir, 'config.json');
      const config = await readConfig(file);
      if (!config) return null;
      const server = serverAddress(registry);
      const helper = helperFor(config, registry, server, file);
      if (helper) return runHelper(helper, server, options.helperTimeoutMs ?? 30_000);
      return fromAuths(config, registry, file);
    },
  };
}

/** The address docker passes to helpers and uses as the `auths` key: the host, or Hub's index URL. */
export function serverAddress(registry: string): string {
  return dockerHubHosts.has(registry) ? dockerHubServer : registry;
}

async function readConfig(file: string): Promise<DockerConfigFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be an `auth` value.
    throw new CredentialsError(`${file} is not valid JSON; expected the docker CLI's config file (fix it, or run \`docker login\` again)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CredentialsError(`${file} holds ${Array.isArray(parsed) ? 'an array' : typeof parsed}; expected a JSON object as \`docker login\` writes it`);
  }
  return parsed as DockerConfigFile;
}

/** The helper's name (`osxkeychain` for docker-credential-osxkeychain), or null to use `auths`. */
function helperFor(config: DockerConfigFile, registry: string, server: string, file: string): string | null {
  const helpers = config.credHelpers ?? {};
  const perRegistry = matchingKey(Object.keys(helpers), registry, server);
  const name = perRegistry === undefined ? config.credsStore : helpers[perRegistry];
  if (name === undefined || name === '') return null;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.-]*$/.test(name)) {
    throw new CredentialsError(`${file}: the credential helper for ${registry} is ${JSON.stringify(name)}; expected a helper name such as "osxkeychain" or "pass"`);
  }
  return name;
}

/** The key docker would use: exact match first, then any key whose host part is the registry's. */
function matchingKey(keys: string[], registry: string, server: string): string | undefined {
  const wanted = dockerHubHosts.has(registry) ? dockerHubHosts : new Set([registry]);
  return keys.find((key) => key === server || key === registry) ?? keys.find((key) => wanted.has(hostOf(key)));
}

/** `https://ghcr.io/v2/` → `ghcr.io`, as the docker CLI's ConvertToHostname does. */
function hostOf(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
}

function fromAuths(config: DockerConfigFile, registry: string, file: string): Credentials | null {
  const auths = config.auths ?? {};
  const key = matchingKey(Object.keys(auths), registry, serverAddress(registry));
  const entry = key === undefined ? undefined : auths[key];
  if (!entry) return null;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new CredentialsError(`${file}: auths["${key}"].auth is not base64 of "user:password"; run \`docker login ${registry}\` again`);
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  // Older clients and other tools write the two fields apart.
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  // An empty entry is what `docker login` leaves beside a credential store: nothing here.
  return null;
}

/** Runs `docker-credential-<name> get` with the server on stdin, per the docker-credential-helpers protocol. */
function runHelper(name: string, server: string, timeoutMs: number): Promise<Credentials | null> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr = (stderr + data).slice(-4096)));
    // A helper that exits before reading stdin makes the write fail; its exit status tells why.
    child.stdin.on('error', () => {});
    child.stdin.end(server);
    child.once('error', (error: NodeJS.ErrnoException) => {
      // No such helper installed: docker itself then has nothing either, so neither do we.
      if (error.code === 'ENOENT') resolve(null);
      else reject(new CredentialsError(`${program} get could not run for ${server}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(parseHelperOutput(program, server, stdout));
        } catch (error) {
          reject(error as Error);
        }
        return;
      }
      // Helpers print their error on stdout; on success stdout holds the secret, never quoted here.
      const said = firstLine(stdout) || firstLine(stderr);
      if (said.toLowerCase().includes(notFoundMessage)) {
        resolve(null);
        return;
      }
      const why = signal ? `was stopped (${signal}${signal === 'SIGTERM' ? `, no answer within ${timeoutMs}ms` : ''})` : `exited with ${code}`;
      reject(new CredentialsError(`${program} get ${why} for ${server}${said && !said.includes('Secret') ? `: ${said}` : ''}`));
    });
  });
}

function parseHelperOutput(program: string, server: string, stdout: string): Credentials | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new CredentialsError(`${program} get answered for ${server} with something that is not JSON; expected {"Username": …, "Secret": …}`);
  }
  const { Username: username, Secret: password } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new CredentialsError(`${program} get answered for ${server} without string "Username" and "Secret" fields`);
  }
  if (username === '' && password === '') return null;
  return { username, password };
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').trim().slice(0, 200);
}
