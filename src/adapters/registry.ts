import { createHash } from 'node:crypto';
import { InputError } from '../core/errors.js';
import { isValidTag } from '../core/image-ref.js';
import type { ImageName } from '../core/image-ref.js';
import { revisionLabel } from '../core/oci-labels.js';
import type { CredentialSource, Credentials } from './docker-credentials.js';
import { formatDelay, retryAfterMs, retryPolicy, withRetries } from './retry.js';
import type { AttemptFailure, RetryOptions, RetryPolicy } from './retry.js';

export interface ManifestRef {
  /** `sha256:…` of the manifest or index the tag points at: what `image@digest` pins. */
  digest: string;
  mediaType: string;
}

export interface RegistryClient {
  /** HEAD of the tag's manifest; null when the tag does not exist (404). */
  resolveTag(image: ImageName, tag: string): Promise<ManifestRef | null>;
  /**
   * The `org.opencontainers.image.revision` of the image a tag points at: from the index's
   * annotations, else from the first platform manifest's annotations, else its config's labels.
   * null when the tag does not exist; `revision: null` when the image has no such label.
   */
  revisionOf(image: ImageName, tag: string): Promise<{ digest: string; revision: string | null } | null>;
  /** Each platform of a pushed image (index or single manifest, by digest) with its compressed size. */
  platformsOf(image: ImageName, digest: string): Promise<PlatformSize[]>;
  /**
   * Points `tag` at the manifest or index `digest` of the same repository, as `crane tag` does: its
   * bytes are read by digest (and checked against it) and PUT under the tag as they are, with their
   * media type, so the tag gets exactly `digest` (where `docker buildx imagetools create` wraps a
   * single manifest in a new index). Fails unless the registry answers that it stored `digest`.
   */
  pointTag(image: ImageName, tag: string, digest: string): Promise<ManifestRef>;
}

export interface PlatformSize {
  /** `linux/arm64`, with the variant when there is one. */
  platform: string;
  digest: string;
  /** Config plus layers, as pulled (compressed) bytes. */
  size: number;
}

/**
 * Retried: 5xx, 429, network errors and timeouts, waiting for Retry-After when the registry sends
 * one. Defaults: `retries` 3, `retryBaseDelayMs` 500, `maxRetryDelayMs` 10000 (Retry-After
 * included), `requestTimeoutMs` 30000 for a request, body included.
 */
export interface RegistryClientOptions extends RetryOptions {
  /** Used when a registry asks for authentication; anonymous access is tried first. */
  credentials?: CredentialSource;
}

/** A registry call that failed for good; the message never contains a password or token. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    /** HTTP status of the last answer, or undefined when none arrived. */
    readonly status?: number,
    /** e.g. "HEAD /v2/owner/app/manifests/v1.0.0" */
    readonly call?: string,
  ) {
    super(message);
  }
}

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest].join(', ');
const indexTypes: ReadonlySet<string> = new Set([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const imageManifestTypes: ReadonlySet<string> = new Set([mediaTypes.ociManifest, mediaTypes.dockerManifest]);

// The distribution spec lets registries refuse manifests over 4 MiB; config blobs are small JSON.
// Anything far bigger is not what we asked for and is not read into memory.
const maxBodyBytes = 16 * 1024 * 1024;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The base URL of a registry's API: plain http for loopback, as Docker treats those as insecure. */
export function registryBaseUrl(registry: string): string {
  if (registry === 'docker.io' || registry === 'index.docker.io') return 'https://registry-1.docker.io';
  return `${isLoopbackHost(registry) ? 'http' : 'https'}://${registry}`;
}

/** `localhost`, 127.0.0.0/8 or [::1], with or without a port. */
export function isLoopbackHost(hostWithPort: string): boolean {
  const host = hostWithPort.startsWith('[') ? hostWithPort.slice(0, hostWithPort.indexOf(']') + 1) : hostWithPort.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}

export interface AuthChallenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header (RFC 9110 §11.6.1), which may hold several challenges. */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const token = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
  let at = 0;
  const skip = (pattern: RegExp): void => {
    while (at < header.length && pattern.test(header[at]!)) at++;
  };
  while (at < header.length) {
    skip(/[\s,]/);
    token.lastIndex = at;
    const name = token.exec(header)?.[0];
    if (name === undefined) break;
    at += name.length;
    skip(/\s/);
    if (header[at] !== '=') {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    at++;
    skip(/\s/);
    let value = '';
    if (header[at] === '"') {
      for (at++; at < header.length && header[at] !== '"'; at++) value += header[at] === '\\' ? (header[++at] ?? '') : header[at];
      at++;
    } else {
      const end = header.slice(at).search(/[\s,]/);
      value = end === -1 ? header.slice(at) : header.slice(at, at + end);
      at += value.length;
    }
    const current = challenges.at(-1);
    if (current) current.params[name.toLowerCase()] = value;
  }
  return challenges;
}

export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const policy = retryPolicy(options, { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 });
  // Every password, basic string and token the client handles, so no message can carry one.
  // Strings under 4 characters are skipped: masking them would garble messages, not protect anything.
  const secrets = new Set<string>();
  const keepSecret = (secret: string): void => {
    if (secret.length >= 4) secrets.add(secret);
  };
  const redact = (text: string): string => [...secrets].reduce((out, secret) => out.replaceAll(secret, '***'), text);
  const log = (line: string): void => options.log?.(redact(line));
  const fail = (message: string, status?: number, call?: string): RegistryError => new RegistryError(redact(message), status, call);
  const http: Http = { policy, log, fail };

  /** Authorization header values by registry and scope, for the client's life. */
  const authorizations = new Map<string, string>();
  const credentialLookups = new Map<string, Promise<Credentials | null>>();

  function credentialsFor(registry: string): Promise<Credentials | null> {
    let lookup = credentialLookups.get(registry);
    if (!lookup) {
      lookup = (options.credentials?.get(registry) ?? Promise.resolve(null)).then((found) => {
        if (found) {
          keepSecret(found.password);
          keepSecret(basic(found).slice('Basic '.length));
        }
        return found;
      });
      credentialLookups.set(registry, lookup);
    }
    return lookup;
  }

  /** One call of the registry API, authenticating as the registry asks; 401/403 throw. */
  async function send(image: ImageName, request: ApiRequest): Promise<Reply> {
    const { method, path, access = 'pull' } = request;
    const scope = `repository:${image.repository}:${access === 'push' ? 'pull,push' : 'pull'}`;
    const key = `${image.registry} ${scope}`;
    const call = `${method} ${path}`;
    const url = registryBaseUrl(image.registry) + path;
    const headers = (authorization: string | undefined): Record<string, string> => ({
      ...(request.accept && { accept: request.accept }),
      ...(request.contentType && { 'content-type': request.contentType }),
      ...(authorization && { authorization }),
    });
    const where = `registry ${image.registry}`;
    let reply = await exchange(http, where, call, url, method, headers(authorizations.get(key)), request.body);
    // A 401 with a cached token means it expired: challenge again, once.
    if (reply.status === 401) {
      const authorization = await authenticate(image, scope, reply.headers.get('www-authenticate') ?? '', access);
      authorizations.set(key, authorization);
      reply = await exchange(http, where, call, url, method, headers(authorization), request.body);
    }
    if (reply.status === 401 || reply.status === 403) {
      throw await notAuthorized(image, access, reply.status, call);
    }
    return reply;
  }

  async function notAuthorized(image: ImageName, access: Access, status: number | undefined, call?: string): Promise<RegistryError> {
    const had = await credentialsFor(image.registry).catch(() => null);
    const login = image.registry === 'docker.io' ? 'docker login' : `docker login ${image.registry}`;
    const why = had
      ? `the credentials for ${image.registry} were refused${access === 'push' ? ', or may not push to this repository' : ''}`
      : `no credentials for ${image.registry} were found`;
    const what = access === 'push' ? `push to ${image.name}` : `read ${image.name}`;
    return fail(`not authorized to ${what}: run \`${login}\` (${why})`, status, call);
  }

  /** The Authorization header value that answers the registry's challenge. */
  async function authenticate(image: ImageName, scope: string, header: string, access: Access): Promise<string> {
    const challenges = parseAuthChallenges(header);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer) return bearerToken(image, scope, bearer.params, access);
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      const credentials = await credentialsFor(image.registry);
      if (!credentials) throw await notAuthorized(image, access, 401);
      return basic(credentials);
    }
    const offered = challenges.map((challenge) => challenge.scheme).join(', ') || 'no WWW-Authenticate challenge';
    throw fail(`registry ${image.registry} asked for authentication (${offered}); expected a Bearer or Basic challenge`, 401);
  }

  /** The token flow of the distribution spec: GET realm?service&scope, with Basic when we have credentials. */
  async function bearerToken(image: ImageName, scope: string, params: Record<string, string>, access: Access): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(params.realm ?? '');
      if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw fail(`registry ${image.registry} sent a Bearer challenge whose realm ${JSON.stringify(params.realm ?? '')} is not an http(s) URL`, 401);
    }
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', scope);
    const credentials = await credentialsFor(image.registry);
    if (credentials && realm.protocol === 'http:' && !isLoopbackHost(realm.host)) {
      throw fail(`registry ${image.registry} sent its token realm over plain http (${realm.origin}); refusing to send credentials there`, 401);
    }
    const where = `token server ${realm.host}`;
    const call = `GET ${realm.pathname}`;
    const reply = await exchange(http, where, call, realm.href, 'GET', credentials ? { authorization: basic(credentials) } : {});
    if (reply.status === 401 || reply.status === 403) throw await notAuthorized(image, access, reply.status, call);
    if (reply.status !== 200) throw unexpected(where, call, reply);
    const body = parseJson(reply.body) as { token?: unknown; access_token?: unknown } | undefined;
    const token = [body?.token, body?.access_token].find((value): value is string => typeof value === 'string' && value !== '');
    if (token === undefined) throw fail(`${where} answered ${call} without a "token" or "access_token"`, reply.status, call);
    keepSecret(token);
    return `Bearer ${token}`;
  }

  function unexpected(where: string, call: string, reply: Reply): RegistryError {
    return fail(`${where} answered ${statusText(reply)} to ${call}${errorDetail(reply)}`, reply.status, call);
  }

  async function resolveTag(image: ImageName, tag: string): Promise<ManifestRef | null> {
    if (!isValidTag(tag)) throw new InputError('tag', tag, 'a tag of letters, digits, _ . and - (at most 128, not starting with . or -)');
    const path = `/v2/${image.repository}/manifests/${tag}`;
    const reply = await send(image, { method: 'HEAD', path, accept: manifestAccept });
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw unexpected(`registry ${image.registry}`, `HEAD ${path}`, reply);
    const digest = reply.headers.get('docker-content-digest');
    const mediaType = contentType(reply);
    if (digest && digestPattern.test(digest) && mediaType) return { digest, mediaType };
    // The spec only says SHOULD for both headers on HEAD: read the manifest and hash it instead.
    const manifest = await getManifest(image, tag, undefined);
    return { digest: manifest.digest, mediaType: manifest.mediaType };
  }

  /** GET a manifest by tag or digest; the content is checked against the digest asked or announced. */
  async function getManifest(image: ImageName, reference: string, expectedDigest: string | undefined, access: Access = 'pull'): Promise<Manifest> {
    const path = `/v2/${image.repository}/manifests/${reference}`;
    const reply = await send(image, { method: 'GET', path, accept: manifestAccept, access });
    if (reply.status !== 200) throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
    const announced = reply.headers.get('docker-content-digest') ?? undefined;
    const digest = verifiedDigest(reply.body, expectedDigest ?? announced, `${image.name}@${reference}`);
    const json = parseJson(reply.body);
    if (typeof json !== 'object' || json === null) throw fail(`registry ${image.registry} answered GET ${path} with a body that is not a JSON manifest`, 200, `GET ${path}`);
    const body = json as ManifestBody;
    const mediaType = (typeof body.mediaType === 'string' && body.mediaType) || contentType(reply) || (Array.isArray(body.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest);
    return { digest, mediaType, body, bytes: reply.body };
  }

  async function getConfigBlob(image: ImageName, digest: string): Promise<unknown> {
    const path = `/v2/${image.repository}/blobs/${digest}`;
    const reply = await send(image, { method: 'GET', path });
    if (reply.status !== 200) throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
    verifiedDigest(reply.body, digest, `${image.name}@${digest}`);
    return parseJson(reply.body);
  }

  /** Rejects content that is not what was asked for: fail closed rather than trust a bad answer. */
  function verifiedDigest(body: Buffer, expected: string | undefined, what: string): string {
    const sha256 = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (expected === undefined) return sha256;
    const algorithm = expected.slice(0, expected.indexOf(':'));
    if (algorithm !== 'sha256' && algorithm !== 'sha512') return expected;
    const actual = algorithm === 'sha256' ? sha256 : `sha512:${createHash('sha512').update(body).digest('hex')}`;
    if (actual !== expected) throw fail(`the registry sent content for ${what} whose digest is ${actual}, not ${expected}`);
    return expected;
  }

  function descriptorDigest(image: ImageName, descriptor: Descriptor | undefined, what: string): string {
    const digest = descriptor?.digest;
    if (typeof digest !== 'string' || !digestPattern.test(digest)) {
      throw fail(`${image.name}: ${what} has no valid digest (${JSON.stringify(digest)}); expected algorithm:hex such as sha256:…`);
    }
    return digest;
  }

  async function revisionOf(image: ImageName, tag: string): Promise<{ digest: string; revision: string | null } | null> {
    // HEAD first, so that 404 on it stays the one answer meaning "no such tag"; then read by
    // digest, so that the content is the very one whose digest is reported even if the tag moves.
    const ref = await resolveTag(image, tag);
    if (!ref) return null;
    const top = await getManifest(image, ref.digest, ref.digest);
    const fromTop = annotation(top.body);
    if (fromTop !== null) return { digest: ref.digest, revision: fromTop };

    let manifest = top;
    if (indexTypes.has(top.mediaType)) {
      const entries = Array.isArray(top.body.manifests) ? top.body.manifests : [];
      const first = entries.find(isPlatformManifest);
      if (!first) return { digest: ref.digest, revision: null };
      const digest = descriptorDigest(image, first, `the first platform manifest of ${tag}`);
      manifest = await getManifest(image, digest, digest);
      const fromManifest = annotation(manifest.body);
      if (fromManifest !== null) return { digest: ref.digest, revision: fromManifest };
    }
    if (!imageManifestTypes.has(manifest.mediaType)) {
      throw fail(`${image.name}:${tag} leads to a manifest of type ${manifest.mediaType}; expected an image manifest (${[...imageManifestTypes].join(' or ')})`);
    }
    const configDigest = descriptorDigest(image, manifest.body.config, `the config of ${manifest.digest}`);
    const config = (await getConfigBlob(image, configDigest)) as { config?: { Labels?: Record<string, unknown> | null } } | undefined;
    const label = config?.config?.Labels?.[revisionLabel];
    return { digest: ref.digest, revision: typeof label === 'string' && label !== '' ? label : null };
  }

  async function platformsOf(image: ImageName, digest: string): Promise<PlatformSize[]> {
    const top = await getManifest(image, digest, digest);
    const entries = indexTypes.has(top.mediaType) ? (top.body.manifests ?? []).filter(isPlatformManifest) : [{ digest, platform: undefined }];
    const sizes: PlatformSize[] = [];
    for (const entry of entries) {
      const entryDigest = descriptorDigest(image, entry, `a platform manifest of ${digest}`);
      const manifest = entryDigest === digest ? top : await getManifest(image, entryDigest, entryDigest);
      const parts = [manifest.body.config, ...(manifest.body.layers ?? [])];
      const size = parts.reduce((sum, part) => sum + (typeof part?.size === 'number' ? part.size : 0), 0);
      const p = entry.platform;
      const platform = p ? [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string' && x).join('/') : 'unknown';
      sizes.push({ platform, digest: entryDigest, size });
    }
    return sizes;
  }

  async function pointTag(image: ImageName, tag: string, digest: string): Promise<ManifestRef> {
    if (!isValidTag(tag)) throw new InputError('tag', tag, 'a tag of letters, digits, _ . and - (at most 128, not starting with . or -)');
    if (!digestPattern.test(digest)) throw new InputError('digest', digest, 'a digest such as sha256:<64 hex digits>');
    // Read with the push scope too: one token serves both calls, and a registry that will not let
    // us push says so before anything is written.
    const manifest = await getManifest(image, digest, digest, 'push');
    const path = `/v2/${image.repository}/manifests/${tag}`;
    const call = `PUT ${path}`;
    const reply = await send(image, { method: 'PUT', path, access: 'push', body: manifest.bytes, contentType: manifest.mediaType });
    if (reply.status !== 201 && reply.status !== 200) throw unexpected(`registry ${image.registry}`, call, reply);
    // The spec does not make the header a MUST on PUT: without it, ask where the tag now points.
    const stored = reply.headers.get('docker-content-digest') ?? (await resolveTag(image, tag))?.digest;
    if (stored !== digest) {
      throw fail(
        `registry ${image.registry} stored ${image.name}:${tag} as ${stored ?? 'nothing'} after ${call} of the bytes of ${digest}; expected it to keep that digest`,
        reply.status,
        call,
      );
    }
    return { digest, mediaType: manifest.mediaType };
  }

  return { resolveTag, revisionOf, platformsOf, pointTag };
}

/** What a call needs of the repository: `push` asks for `pull,push`. */
type Access = 'pull' | 'push';

interface ApiRequest {
  method: 'GET' | 'HEAD' | 'PUT';
  path: string;
  accept?: string;
  access?: Access;
  body?: Buffer;
  contentType?: string;
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
  annotations?: Record<string, unknown>;
}

interface ManifestBody {
  mediaType?: unknown;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, unknown>;
}

interface Manifest {
  digest: string;
  mediaType: string;
  body: ManifestBody;
  /** As served: what hashes to `digest`. */
  bytes: Buffer;
}

function annotation(body: ManifestBody): string | null {
  const value = body.annotations?.[revisionLabel];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** buildx lists attestations (provenance, SBOM) as `unknown/unknown` manifests in the index. */
function isPlatformManifest(entry: Descriptor): boolean {
  if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return false;
  return !(entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown');
}

function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function contentType(reply: Reply): string | undefined {
  return reply.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

function statusText(reply: Reply): string {
  return `${reply.status}${reply.statusText ? ` ${reply.statusText}` : ''}`;
}

/** The distribution spec's error body, `{"errors":[{"code","message"}]}`, as one short line. */
function errorDetail(reply: Reply): string {
  const body = parseJson(reply.body) as { errors?: { code?: unknown; message?: unknown }[] } | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const text = errors
    .map((error) => [error.code, error.message].filter((part) => typeof part === 'string' && part !== '').join(': '))
    .filter((line) => line !== '')
    .join('; ');
  return text ? `: ${text.slice(0, 300)}` : '';
}

// --- HTTP with bounded retries ------------------------------------------------------------------

interface Http {
  policy: RetryPolicy;
  log: (line: string) => void;
  fail: (message: string, status?: number, call?: string) => RegistryError;
}

interface Reply {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

/** Thrown inside an attempt so that the shared loop retries an answer with a retryable status. */
class RetryableReply {
  constructor(readonly reply: Reply) {}
}

interface ExchangeFailure extends AttemptFailure {
  /** What went wrong, for the log and the final error: `503 Service Unavailable`, `ECONNREFUSED`. */
  what: string;
  status: number | undefined;
  /** Thrown as it is when the failure is not retryable. */
  error: unknown;
}

/**
 * One request, retried on 5xx, 429, network errors and timeouts with exponential backoff; any
 * other status is returned for the caller to judge. The body is read inside the attempt, so a
 * connection cut mid-body is retried too.
 */
function exchange(http: Http, where: string, call: string, url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  return withRetries(
    http.policy,
    async (signal) => {
      const response = await fetch(url, { method, headers, signal, ...(body && { body }) });
      // On HEAD, Content-Length is the manifest's size and no body follows.
      const length = method === 'HEAD' ? 0 : Number(response.headers.get('content-length') ?? 0);
      if (length > maxBodyBytes) {
        await response.body?.cancel();
        throw http.fail(`${where} answered ${call} with ${length} bytes; expected a manifest or config of at most ${maxBodyBytes}`, response.status, call);
      }
      const reply = { status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
      if (isRetryable(reply.status)) throw new RetryableReply(reply);
      return reply;
    },
    {
      classify: (error): ExchangeFailure => {
        const reply = error instanceof RetryableReply ? error.reply : undefined;
        const what = reply ? statusText(reply) : networkFailure(error, http.policy.timeoutMs);
        return {
          what,
          status: reply?.status,
          error,
          summary: `${where}: ${what} on ${call}`,
          retryable: !(error instanceof RegistryError),
          delayHintMs: retryAfterMs(reply?.headers.get('retry-after')),
        };
      },
      giveUp: (failure, attempts) =>
        failure.retryable ? http.fail(`${where} did not answer ${call} after ${attempts} attempts (last: ${failure.what})`, failure.status, call) : failure.error,
      log: http.log,
    },
  );
}

function isRetryable(status: number): boolean {
  return status >= 500 || status === 429;
}

/** fetch reports "fetch failed" with the reason in `cause` (ECONNREFUSED, ECONNRESET…). */
function networkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${formatDelay(timeoutMs)}`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
