import { execFile } from 'node:child_process';

// The third-party actions our workflows use, as the interpreter (interpreter.ts) runs them here,
// each with the reason it is not the real thing. A `uses:` not in this table makes the run throw,
// so a new step can never be skipped silently.

/** What a stand-in step is given and may produce. */
export interface StandInStep {
  /** `with:`, evaluated (strings, as the runner passes inputs). */
  inputs: Record<string, string>;
  /** The step's environment (workflow, job and step `env:`), evaluated. */
  env: Record<string, string>;
  /** The job's workspace. */
  workspace: string;
  /** The `github` context of the run. */
  github: { ref: string; sha: string; repository: string };
  /** The clone URL of the repository under test (a file:// URL). */
  repositoryUrl: string;
  /** The runner labels of the job, to tell the Pi from a hosted runner. */
  runsOn: string[];
  options: StandInOptions;
  log(line: string): void;
}

export interface StandInResult {
  /** 0 passes the step; anything else fails it. */
  exitCode: number;
  outputs?: Record<string, string>;
  /** What the stand-in did, for the test to read. */
  note: string;
}

/** A vulnerability the trivy stand-in reports for an image. */
export interface Finding {
  id: string;
  severity: 'UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** Has a fixed version; `ignore-unfixed: true` hides findings without one. */
  fixed: boolean;
}

export interface StandInOptions {
  /** The findings trivy would report for `image-ref` (`name@sha256:…`); none by default. */
  trivyFindings?: (imageRef: string) => Finding[];
}

export interface StandIn {
  /** Why this action does not run for real in the scenarios. */
  reason: string;
  /** Inputs it understands; any other input fails the step (as a typo would go unnoticed otherwise). */
  inputs: readonly string[];
  run(step: StandInStep): Promise<StandInResult> | StandInResult;
}

/** Asynchronous, so a load loop in the same process keeps running while a job checks out. */
function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      'git',
      args,
      { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (error, stdout, stderr) => (error ? fail(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || error.message}`)) : done(stdout.trim())),
    );
  });
}

/**
 * actions/checkout, as it lays out a new workspace: `git init`, fetch (all branches and tags with
 * `fetch-depth: 0`, else the one ref at that depth), then the ref (a branch checked out as a local
 * branch, a tag or sha detached). The workspace is new for every job, as on a hosted runner.
 */
async function checkout(step: StandInStep): Promise<StandInResult> {
  const ref = step.inputs.ref || step.github.ref;
  const depth = Number(step.inputs['fetch-depth'] ?? '1');
  if (!Number.isInteger(depth) || depth < 0) throw new Error(`actions/checkout: fetch-depth ${JSON.stringify(step.inputs['fetch-depth'])} is not a number`);
  const dir = step.workspace;
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  await git(dir, ['remote', 'add', 'origin', step.repositoryUrl]);
  const isTag = ref.startsWith('refs/tags/');
  const isBranch = ref.startsWith('refs/heads/');
  const isSha = /^[0-9a-f]{40}$/.test(ref);
  let target: string;
  if (isBranch) target = `refs/remotes/origin/${ref.slice('refs/heads/'.length)}`;
  else if (isTag || isSha) target = ref;
  else if (!ref.startsWith('refs/')) {
    // A short name: the branch of that name, or else the tag, as checkout resolves it.
    const branches = await git(dir, ['ls-remote', '--heads', 'origin', ref]);
    target = branches ? `refs/remotes/origin/${ref}` : `refs/tags/${ref}`;
  } else throw new Error(`actions/checkout stand-in: ref ${ref} is not a branch, tag or sha`);
  if (depth === 0) {
    await git(dir, ['fetch', '--quiet', '--prune', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
  } else {
    const spec = target.startsWith('refs/remotes/origin/') ? `+refs/heads/${target.slice('refs/remotes/origin/'.length)}:${target}` : isSha ? ref : `+${target}:${target}`;
    await git(dir, ['fetch', '--quiet', '--no-tags', `--depth=${depth}`, 'origin', spec]);
  }
  // Without `ref`, checkout takes the triggering commit (github.sha), not whatever the ref is now.
  const commit = !step.inputs.ref && step.github.sha ? step.github.sha : target;
  if (target.startsWith('refs/remotes/origin/')) await git(dir, ['checkout', '--quiet', '-B', target.slice('refs/remotes/origin/'.length), commit]);
  else await git(dir, ['checkout', '--quiet', '--detach', commit]);
  const head = await git(dir, ['rev-parse', 'HEAD']);
  return { exitCode: 0, note: `checked out ${ref} (${head.slice(0, 7)}) with fetch-depth ${depth}` };
}

/** Runs `image-ref`'s manifest request against the registry, as trivy's pull would start. */
async function manifestExists(imageRef: string): Promise<boolean> {
  const m = /^([^/]+)\/(.+)@(sha256:[0-9a-f]{64})$/.exec(imageRef);
  if (!m) return false;
  const [, host, repository, digest] = m;
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return response.status === 200;
}

const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export const standIns: Record<string, StandIn> = {
  'actions/checkout': {
    reason: 'GitHub clones from github.com; here the workspace is a fresh clone of the scenario repository (a local bare remote)',
    inputs: ['ref', 'fetch-depth', 'persist-credentials', 'token', 'clean', 'fetch-tags'],
    run: checkout,
  },
  'docker/setup-qemu-action': {
    reason: 'the test bed has QEMU binfmt for arm64 installed already (test/bed/engine.sh)',
    inputs: ['platforms', 'image', 'cache-image'],
    run: () => ({ exitCode: 0, note: 'no-op: QEMU is set up by the test bed' }),
  },
  'docker/setup-buildx-action': {
    reason: 'the test bed engine has buildx with the containerd image store, the builder the image action uses',
    inputs: ['driver', 'install', 'use', 'version', 'platforms'],
    run: () => ({ exitCode: 0, note: 'no-op: buildx comes with the test bed' }),
  },
  'docker/login-action': {
    reason: 'the bed registry (127.0.0.1:5000) is anonymous, so a login changes nothing; the stand-in checks what the login would need',
    inputs: ['registry', 'username', 'password', 'logout', 'ecr'],
    run: ({ inputs }) => {
      // login-action itself refuses an empty username or password ("Username and password required").
      if (!inputs.username || !inputs.password) return { exitCode: 1, note: `login to ${inputs.registry || 'Docker Hub'} refused: username and password required` };
      return { exitCode: 0, note: `login to ${inputs.registry || 'Docker Hub'} as ${inputs.username} (no-op on the anonymous bed registry)` };
    },
  },
  'aquasecurity/trivy-action': {
    reason: "trivy needs its vulnerability database from the internet; the stand-in pulls nothing but checks the image exists by digest and reports the findings the test gives",
    inputs: ['image-ref', 'severity', 'ignore-unfixed', 'exit-code', 'format', 'vuln-type', 'scan-type', 'output'],
    async run({ inputs, options }) {
      const imageRef = inputs['image-ref'] ?? '';
      if (!/^[^@\s]+@sha256:[0-9a-f]{64}$/.test(imageRef)) return { exitCode: 1, note: `image-ref ${JSON.stringify(imageRef)} is not an image pinned by digest (name@sha256:…)` };
      if (!(await manifestExists(imageRef))) return { exitCode: 1, note: `image-ref ${imageRef}: no such manifest in the registry (trivy could not pull it)` };
      const severities = (inputs.severity || SEVERITIES.join(',')).split(',').map((s) => s.trim().toUpperCase());
      const unknown = severities.filter((s) => !SEVERITIES.includes(s));
      if (unknown.length) return { exitCode: 1, note: `severity ${unknown.join(', ')} is not one of ${SEVERITIES.join(', ')}` };
      const ignoreUnfixed = inputs['ignore-unfixed'] === 'true';
      const findings = (options.trivyFindings?.(imageRef) ?? []).filter((f) => severities.includes(f.severity) && (!ignoreUnfixed || f.fixed));
      const exitCode = findings.length > 0 ? Number(inputs['exit-code'] || '0') : 0;
      return {
        exitCode,
        note: `scanned ${imageRef} for ${severities.join(',')}${ignoreUnfixed ? ' (fixed only)' : ''}: ${findings.length ? findings.map((f) => `${f.id} ${f.severity}`).join(', ') : 'no findings'}; exit-code ${inputs['exit-code'] ?? '0'} -> ${exitCode}`,
      };
    },
  },
};
