import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

// Reads what a loopback registry really holds, through the distribution API alone, for assertions:
// tags, raw manifests (as `docker buildx imagetools inspect --raw` shows them), config and layer
// blobs. Deliberately independent of src/adapters/registry.ts, so a test never checks the product's
// reading with the product's reader.

export interface RegistryRepo {
  /** host:port of a loopback registry, spoken to over plain http. */
  registry: string;
  /** e.g. `release-flow-test/img-1a2b3c`. */
  repository: string;
  /** Basic credentials for an htpasswd registry. */
  auth?: { username: string; password: string } | undefined;
}

export const manifestAccept = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface RawManifest {
  digest: string;
  mediaType: string;
  /** The bytes as served. */
  raw: string;
  json: {
    mediaType?: string;
    manifests?: OciDescriptor[];
    config?: OciDescriptor;
    layers?: OciDescriptor[];
    annotations?: Record<string, string>;
  };
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
  history?: { created_by?: string }[];
}

function headers(repo: RegistryRepo, extra: Record<string, string> = {}): Record<string, string> {
  if (!repo.auth) return extra;
  return { ...extra, authorization: `Basic ${Buffer.from(`${repo.auth.username}:${repo.auth.password}`).toString('base64')}` };
}

const base = (repo: RegistryRepo) => `http://${repo.registry}/v2/${repo.repository}`;

/** The repository's tags, sorted; [] when the repository does not exist (NAME_UNKNOWN). */
export async function listTags(repo: RegistryRepo): Promise<string[]> {
  const response = await fetch(`${base(repo)}/tags/list?n=1000`, { headers: headers(repo) });
  const body = await response.text();
  if (response.status === 404) return [];
  if (response.status !== 200) throw new Error(`GET tags/list of ${repo.registry}/${repo.repository}: HTTP ${response.status}: ${body.slice(0, 300)}`);
  const tags = (JSON.parse(body) as { tags?: string[] | null }).tags ?? [];
  return [...tags].sort();
}

/** The digest a tag points at (HEAD), or null when there is no such tag. */
export async function tagDigest(repo: RegistryRepo, tag: string): Promise<string | null> {
  const response = await fetch(`${base(repo)}/manifests/${tag}`, { method: 'HEAD', headers: headers(repo, { accept: manifestAccept }) });
  if (response.status === 404) return null;
  if (response.status !== 200) throw new Error(`HEAD manifests/${tag} of ${repo.registry}/${repo.repository}: HTTP ${response.status}`);
  const digest = response.headers.get('docker-content-digest');
  if (!digest) throw new Error(`HEAD manifests/${tag}: no Docker-Content-Digest`);
  return digest;
}

/** Every tag with the digest it points at. */
export async function tagDigests(repo: RegistryRepo): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const tag of await listTags(repo)) out[tag] = (await tagDigest(repo, tag))!;
  return out;
}

/** A manifest or index by tag or digest, its digest computed from the bytes served. */
export async function getManifest(repo: RegistryRepo, reference: string): Promise<RawManifest> {
  const response = await fetch(`${base(repo)}/manifests/${reference}`, { headers: headers(repo, { accept: manifestAccept }) });
  const raw = await response.text();
  if (response.status !== 200) throw new Error(`GET manifests/${reference} of ${repo.registry}/${repo.repository}: HTTP ${response.status}: ${raw.slice(0, 300)}`);
  const json = JSON.parse(raw) as RawManifest['json'];
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  return { digest, mediaType: json.mediaType ?? response.headers.get('content-type') ?? '', raw, json };
}

export async function getBlob(repo: RegistryRepo, digest: string): Promise<Buffer> {
  const response = await fetch(`${base(repo)}/blobs/${digest}`, { headers: headers(repo) });
  if (response.status !== 200) throw new Error(`GET blobs/${digest} of ${repo.registry}/${repo.repository}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) throw new Error(`blob ${digest} came back as ${actual}`);
  return bytes;
}

export interface PlatformImage {
  platform: string;
  descriptor: OciDescriptor;
  manifest: RawManifest;
  configRaw: string;
  config: ImageConfig;
}

/** The index a tag (or digest) names, and for each platform entry its manifest and config. */
export async function readImageIndex(repo: RegistryRepo, reference: string): Promise<{ index: RawManifest; images: PlatformImage[] }> {
  const index = await getManifest(repo, reference);
  const images: PlatformImage[] = [];
  for (const descriptor of index.json.manifests ?? []) {
    const manifest = await getManifest(repo, descriptor.digest);
    const configRaw = manifest.json.config ? (await getBlob(repo, manifest.json.config.digest)).toString('utf8') : '{}';
    const p = descriptor.platform;
    images.push({
      platform: p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unknown',
      descriptor,
      manifest,
      configRaw,
      config: JSON.parse(configRaw) as ImageConfig,
    });
  }
  return { index, images };
}

/** Every layer of an image manifest, uncompressed (gzip layers are gunzipped, others kept as they are). */
export async function layerContents(repo: RegistryRepo, manifest: RawManifest): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const layer of manifest.json.layers ?? []) {
    const bytes = await getBlob(repo, layer.digest);
    out.push(layer.mediaType.endsWith('gzip') ? gunzipSync(bytes) : bytes);
  }
  return out;
}
