/** The `org.opencontainers.image.*` facts of a build, from the repository context. */
export interface ImageFacts {
  title: string;
  description?: string | undefined;
  /** The repository's URL, e.g. https://github.com/owner/synapse. */
  source?: string | undefined;
  url?: string | undefined;
  version: string;
  revision: string;
  /** RFC 3339, e.g. the commit's date, so that a rebuild of the same commit has the same labels. */
  created: string;
  licenses?: string | undefined;
}

export const revisionLabel = 'org.opencontainers.image.revision';

/** OCI labels (and annotations: the same keys) for the per-platform manifests and the index. */
export function ociLabels(facts: ImageFacts, extra: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of ['title', 'description', 'source', 'url', 'version', 'revision', 'created', 'licenses'] as const) {
    const value = facts[key];
    if (value) labels[`org.opencontainers.image.${key}`] = value;
  }
  // Extra labels may add or override any fact but the revision: the registry checks (an immutable
  // tag re-run, `latest` only moving forward) read the commit from it.
  const merged = { ...labels, ...extra };
  if (facts.revision) merged[revisionLabel] = facts.revision;
  return merged;
}
