import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { TestBed } from '../bed/check.js';
import { composeFile, composeProject, docker, repoRoot, runAsync, cleanEnv, type ComposeProject, type RunResult } from '../compose/helpers.js';
import { createBareRemote, createTestRepo, type BareRemote, type TestRepo } from '../support/git-repo.js';
import { runCliAsync } from '../support/run-cli-async.js';

// What the workflow scenarios (scenarios.int.test.ts) run against: the consumer workflow of the
// README adapted to the test bed, a service repository with its origin, and the "Pi": a compose
// project of its own on the real engine.

const here = dirname(fileURLToPath(import.meta.url));
export const consumerFixture = join(here, 'fixtures', 'consumer.yml');
export const ownWorkflows = join(repoRoot, '.github', 'workflows');

/**
 * The consumer workflow with the test bed's values put into the `with:` of its jobs (the image on
 * the bed registry, the compose project of the "Pi", a short watch). Everything else is the
 * fixture's; the interpreter checks every key against the called workflow's inputs, so a value
 * set here for an input a workflow no longer has fails the run.
 */
export function adaptConsumer(dir: string, withByJob: Record<string, Record<string, string | boolean>>): string {
  const doc = parseDocument(readFileSync(consumerFixture, 'utf8'));
  for (const [job, values] of Object.entries(withByJob)) {
    if (!doc.hasIn(['jobs', job, 'uses'])) throw new Error(`consumer.yml has no job ${job} calling a workflow`);
    for (const [key, value] of Object.entries(values)) doc.setIn(['jobs', job, 'with', key], value);
  }
  const path = join(dir, 'consumer.yml');
  writeFileSync(path, doc.toString());
  return path;
}

/**
 * A copy of .github/workflows with `mutate` applied to one file's YAML document (for the drift
 * tests: a broken workflow must break a scenario). Returns the directory.
 */
export function mutatedWorkflows(dir: string, file: string, mutate: (doc: ReturnType<typeof parseDocument>) => void): string {
  const out = join(dir, `workflows-${randomBytes(3).toString('hex')}`);
  mkdirSync(out);
  for (const name of readdirSync(ownWorkflows)) copyFileSync(join(ownWorkflows, name), join(out, name));
  const doc = parseDocument(readFileSync(join(out, file), 'utf8'));
  const before = doc.toString();
  mutate(doc);
  if (doc.toString() === before) throw new Error(`the mutation of ${file} changed nothing`);
  writeFileSync(join(out, file), doc.toString());
  return out;
}

/** The index of the step with `id` in a job of a workflow document. */
export function stepIndex(doc: ReturnType<typeof parseDocument>, job: string, id: string): number {
  const steps = doc.getIn(['jobs', job, 'steps']) as { items: Array<{ get(key: string): unknown }> } | undefined;
  const index = steps?.items.findIndex((item) => item.get('id') === id) ?? -1;
  if (index === -1) throw new Error(`no step ${id} in job ${job}`);
  return index;
}

/** The service repository: a developer's clone and the origin the workflows check out from. */
export interface ServiceRepo {
  work: TestRepo;
  origin: BareRemote;
  /** Commits a change of the service; the image's /version answers `stamp` (the service's code changed). */
  change(message: string, stamp: string): string;
  /** `git push origin main`; returns the pushed sha. */
  pushMain(): string;
  /** `release-flow release --push` in the clone: notes, commit, tag, pushed atomically. Returns the tag and its commit. */
  release(): Promise<{ tag: string; sha: string; version: string }>;
  /** A file as it is at `ref` in the origin. */
  show(ref: string, path: string): string;
  cleanup(): void;
}

export function serviceRepository(bed: TestBed): ServiceRepo {
  const origin = createBareRemote();
  const work = createTestRepo();
  const dockerfile = readFileSync(join(bed.serviceContext, 'Dockerfile'), 'utf8');
  if (!/^ARG SERVICE_VERSION=.*$/m.test(dockerfile)) throw new Error('test/fixtures/service/Dockerfile has no ARG SERVICE_VERSION line');
  copyFileSync(join(bed.serviceContext, 'entrypoint.sh'), join(work.dir, 'entrypoint.sh'));
  chmodSync(join(work.dir, 'entrypoint.sh'), 0o755);
  // The busybox binaries are committed here (the fixture ignores them), so a checkout can build.
  for (const arch of ['amd64', 'arm64']) copyFileSync(join(bed.serviceContext, `busybox-${arch}`), join(work.dir, `busybox-${arch}`));
  writeFileSync(join(work.dir, '.gitignore'), '*.tmp\n');
  work.git('add', 'entrypoint.sh', 'busybox-amd64', 'busybox-arm64', '.gitignore');
  work.git('remote', 'add', 'origin', origin.url);
  const repo: ServiceRepo = {
    work,
    origin,
    change: (message, stamp) => work.commit(message, { file: 'Dockerfile', content: dockerfile.replace(/^ARG SERVICE_VERSION=.*$/m, `ARG SERVICE_VERSION=${stamp}`) }),
    pushMain() {
      work.git('push', '--quiet', 'origin', 'main');
      return work.head();
    },
    async release() {
      const r = await runCliAsync(['release', '--push', '--json'], { cwd: work.dir });
      if (r.code !== 0) throw new Error(`release-flow release --push failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
      const out = JSON.parse(r.stdout) as { tag: string; version: string };
      return { tag: out.tag, version: out.version, sha: work.git('rev-parse', `${out.tag}^{commit}`) };
    },
    show: (ref, path) => work.git('--git-dir', origin.dir, 'show', `${ref}:${path}`),
    cleanup() {
      work.cleanup();
      origin.cleanup();
    },
  };
  return repo;
}

/** The "Pi": the synapse compose project in a directory of its own, as it would sit at /opt/synapse. */
export interface PiHost {
  project: ComposeProject;
  /** <dir>/compose/docker-compose.yml, with its .env beside it and configs/ next to compose/. */
  composeFile: string;
  envFile: string;
  /** docker compose with this host's file, project and .env. */
  compose(...args: string[]): Promise<RunResult>;
  destroy(): Promise<void>;
}

export async function piHost(): Promise<PiHost> {
  const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));
  const project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
  mkdirSync(join(project.dir, 'compose'));
  const file = join(project.dir, 'compose', 'docker-compose.yml');
  const envFile = join(project.dir, 'compose', '.env');
  cpSync(composeFile, file);
  cpSync(join(project.dir, '.env'), envFile);
  cpSync(join(repoRoot, 'configs'), join(project.dir, 'configs'), { recursive: true });
  const env = cleanEnv();
  const compose = (...args: string[]) => runAsync('docker', ['compose', '-f', file, '-p', project.name, '--env-file', envFile, ...args], { env });
  return {
    project,
    composeFile: file,
    envFile,
    compose,
    async destroy() {
      await compose('--profile', 'rollout', 'down', '-v', '--remove-orphans', '--timeout', '3');
      await project.destroy();
    },
  };
}

export function tempDir(label: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `release-flow-${label}-`)));
}

export const removeDir = (dir: string | undefined) => dir && rmSync(dir, { recursive: true, force: true });

/** Removes the engine's local copies of an image (what compose pulled for the Pi), so scenarios leave nothing behind. */
export async function removeLocalImages(name: string): Promise<void> {
  const local = await runAsync('docker', ['image', 'ls', '-q', '--no-trunc', '--filter', `reference=${name}`]);
  const ids = [...new Set(local.stdout.split('\n').filter(Boolean))];
  if (ids.length) await runAsync('docker', ['image', 'rm', '-f', ...ids]);
}
