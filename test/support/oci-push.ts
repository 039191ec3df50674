import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

// Populates a real registry through the distribution API alone, so that registry tests need no
// engine and no build: blobs by POST + PUT (monolithic upload), manifests by PUT. Every image is a
// tiny but valid one: one gzipped empty-tar layer and a config whose labels the test chooses.

export interface PushTarget {
  /** host:port of a loopback registry, e.g. 127.0.0.1:5000 (spoken to over plain http). */
  registry: string;
  repository: string;
  /** Basic credentials, for an htpasswd registry. */
  auth?: { username: string; password: string };
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

export const ociIndexType = 'application/vnd.oci.image.index.v1+json';
export const ociManifestType = 'application/vnd.oci.image.manifest.v1+json';
export const dockerListType = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const dockerManifestType = 'application/vnd.docker.distribution.manifest.v2+json';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function headers(target: PushTarget, extra: Record<string, string> = {}): Record<string, string> {
  if (!target.auth) return extra;
  const basic = Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64');
  return { ...extra, authorization: `Basic ${basic}` };
}

async function expectStatus(response: Response, expected: number, what: string): Promise<void> {
  if (response.status === expected) return;
  throw new Error(`${what}: expected HTTP ${expected}, got ${response.status}: ${(await response.text()).slice(0, 500)}`);
}

/** Uploads `bytes` as a blob (POST to open an upload, PUT ?digest= to close it). */
export async function pushBlob(target: PushTarget, bytes: Uint8Array, mediaType = 'application/octet-stream'): Promise<Descriptor> {
  const base = `http://${target.registry}`;
  const digest = sha256(bytes);
  const opened = await fetch(`${base}/v2/${target.repository}/blobs/uploads/`, { method: 'POST', headers: headers(target) });
  await expectStatus(opened, 202, `POST /v2/${target.repository}/blobs/uploads/`);
  await opened.body?.cancel();
  const location = new URL(opened.headers.get('location') ?? '', base);
  location.searchParams.set('digest', digest);
  const closed = await fetch(location, {
    method: 'PUT',
    headers: headers(target, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }),
    body: bytes,
  });
  await expectStatus(closed, 201, `PUT blob ${digest}`);
  await closed.body?.cancel();
  return { mediaType, digest, size: bytes.length };
}

/** PUTs a manifest or index (as given, serialised once) under `reference`, a tag or its digest. */
export async function pushManifest(target: PushTarget, reference: string, manifest: object, mediaType: string): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const response = await fetch(`http://${target.registry}/v2/${target.repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: headers(target, { 'content-type': mediaType }),
    body: bytes,
  });
  await expectStatus(response, 201, `PUT /v2/${target.repository}/manifests/${reference}`);
  await response.body?.cancel();
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

export interface ImageSpec {
  /** config.Labels of the image config (what `docker inspect` shows as Labels). */
  labels?: Record<string, string>;
  /** Annotations on the image manifest itself. */
  annotations?: Record<string, string>;
  architecture?: string;
  os?: string;
  /** `docker` for Docker v2 media types; OCI by default. */
  format?: 'oci' | 'docker';
  /** Tag to put on the manifest; by default it is pushed by digest only (as buildx does for an index's children). */
  tag?: string;
}

/** A one-layer image: config blob + layer blob + image manifest. */
export async function pushImage(target: PushTarget, spec: ImageSpec = {}): Promise<Descriptor> {
  const docker = spec.format === 'docker';
  const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
  const layer = await pushBlob(target, gzipSync(tar), docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip');
  const architecture = spec.architecture ?? 'amd64';
  const os = spec.os ?? 'linux';
  const configJson = {
    architecture,
    os,
    config: { Labels: spec.labels ?? null },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  };
  const config = await pushBlob(
    target,
    Buffer.from(JSON.stringify(configJson)),
    docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
  );
  const mediaType = docker ? dockerManifestType : ociManifestType;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: [layer],
    ...(spec.annotations && { annotations: spec.annotations }),
  };
  const pushed = await pushManifest(target, spec.tag ?? sha256(Buffer.from(JSON.stringify(manifest))), manifest, mediaType);
  return { ...pushed, platform: { architecture, os } };
}

export interface IndexSpec {
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  format?: 'oci' | 'docker';
}

/** An index (or Docker manifest list) over already pushed manifests, tagged `tag`. */
export async function pushIndex(target: PushTarget, tag: string, spec: IndexSpec): Promise<Descriptor> {
  const mediaType = spec.format === 'docker' ? dockerListType : ociIndexType;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: spec.manifests,
    ...(spec.annotations && { annotations: spec.annotations }),
  };
  return pushManifest(target, tag, index, mediaType);
}

/**
 * What buildx pushes: one image per platform, an attestation manifest (`unknown/unknown`) and an
 * index over them. The labels go on every config, the annotations on the index.
 */
export async function pushMultiArch(
  target: PushTarget,
  tag: string,
  spec: { labels?: Record<string, string>; indexAnnotations?: Record<string, string>; manifestAnnotations?: Record<string, string>; attestationFirst?: boolean } = {},
): Promise<Descriptor> {
  const images: Descriptor[] = [];
  for (const architecture of ['amd64', 'arm64']) {
    images.push(await pushImage(target, { architecture, labels: spec.labels, annotations: spec.manifestAnnotations }));
  }
  const attestation = await pushImage(target, { architecture: 'unknown', os: 'unknown' });
  const attestationEntry: Descriptor = {
    ...attestation,
    annotations: { 'vnd.docker.reference.digest': images[0]!.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
  };
  const manifests = spec.attestationFirst ? [attestationEntry, ...images] : [...images, attestationEntry];
  return pushIndex(target, tag, { manifests, annotations: spec.indexAnnotations });
}
