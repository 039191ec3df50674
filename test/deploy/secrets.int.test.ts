import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stateFilePath } from '../../src/adapters/state-file.js';
import { runCli } from '../../src/cli/run.js';
import { requireTestBed } from '../bed/check.js';
import { cleanEnv, composeFile, composeProject, docker, requireProxyImage, type ComposeProject } from '../compose/helpers.js';

// The api_token secret is a file mounted at /run/secrets/api_token, never an environment value:
// a canary written to it must not show up in anything a deploy prints, records or configures,
// even when the release itself prints it to its log and fails (the rollback quotes that log).

const log = (line: string) => console.info(`[secrets] ${line}`);
const engineCpus = Number(docker('info', '--format', '{{.NCPU}}'));

let image: string;
let project: ComposeProject;
let leakyContext: string;
const canary = `canary-${randomBytes(12).toString('hex')}`;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: cleanEnv(), cwd: project.dir, now: () => new Date() });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const deployArgs = (v: string, ...extra: string[]) => ['deploy', '--env', 'prod', '--version', v, '--image', image, '--compose', composeFile, '--project', project.name, '--env-file', join(project.dir, '.env'), '--watch', '1', '--json', ...extra];

/** Every regular file under `dir`, but `skip`. */
function files(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    const st = statSync(path);
    if (st.isDirectory()) out.push(...files(path, skip));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

describe('no secret leaks from a prod deploy', () => {
  beforeAll(async () => {
    const bed = requireTestBed();
    requireProxyImage();
    image = `${bed.registry}/release-flow-test/secrets-synapse`;
    // v2 prints its token to its log and never becomes healthy: the rollback reason quotes the log.
    leakyContext = mkdtempSync(join(tmpdir(), 'release-flow-secrets-leaky-'));
    cpSync(bed.serviceContext, leakyContext, { recursive: true });
    const entry = join(leakyContext, 'entrypoint.sh');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('echo ok >/www/health', 'echo "token is $(cat /run/secrets/api_token)"; echo "raw:"; cat /run/secrets/api_token'));
    for (const [major, context] of [[1, bed.serviceContext], [2, leakyContext]] as const) {
      docker('build', '-q', '--build-arg', `SERVICE_VERSION=${major}.0.0`, '-t', `${image}:v${major}.0.0`, context);
      docker('push', '-q', `${image}:v${major}.0.0`);
    }
    project = await composeProject(engineCpus < 3 ? { vars: { SYNAPSE_CPU_LIMIT: String(engineCpus) } } : {});
    writeFileSync(join(project.secretsDir, 'api_token'), `${canary}\n`, { mode: 0o600 });
  }, 180_000);
  afterAll(async () => {
    await project?.destroy();
    if (leakyContext) rmSync(leakyContext, { recursive: true, force: true });
  });

  test('a canary in the api_token file is in no output, state, file or container configuration', async () => {
    const ok = await cli(...deployArgs('v1.0.0'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outcome: 'success', version: '1.0.0' });

    const leaky = await cli(...deployArgs('v2.0.0', '--wait-timeout', '5'));
    expect(leaky.code, leaky.stderr).toBe(1);
    expect(JSON.parse(leaky.stdout)).toMatchObject({ outcome: 'rolled-back', version: '2.0.0' });
    // The container log was quoted, and redacted.
    expect(leaky.stderr).toMatch(/container log:/);
    expect(leaky.stderr).toContain('token is ***');
    log(leaky.stderr.slice(leaky.stderr.indexOf('release-flow deploy:')));

    // The secret really is in the container, as a file.
    const containers = (await project.composeOk('--profile', 'rollout', 'ps', '-a', '-q')).split('\n').filter(Boolean);
    expect(containers.length).toBeGreaterThanOrEqual(3);
    const blue = (await project.composeOk('ps', '-q', 'synapse-prod-blue')).split('\n')[0]!;
    expect(docker('exec', blue, 'cat', '/run/secrets/api_token')).toBe(canary);
    // And the leaky release did print it (so the redaction above was tested, not vacuous).
    const green = (await project.composeOk('--profile', 'rollout', 'ps', '-a', '-q', 'synapse-prod-green')).split('\n')[0]!;
    expect(docker('logs', green)).toContain(canary);

    for (const [what, text] of [
      ['deploy v1 stdout (JSON)', ok.stdout],
      ['deploy v1 stderr (log)', ok.stderr],
      ['deploy v2 stdout (JSON)', leaky.stdout],
      ['deploy v2 stderr (log, rollback reason)', leaky.stderr],
      ['state file', readFileSync(stateFilePath(project.dataDir), 'utf8')],
    ] as const) {
      expect(text.includes(canary), `${what} holds the secret`).toBe(false);
    }
    // Nothing the deploy wrote outside the secrets directory: .env, upstreams, backups, lock records.
    const written = files(project.dir, project.secretsDir);
    expect(written).toContain(stateFilePath(project.dataDir));
    for (const file of written) expect(readFileSync(file).includes(canary), `${file} holds the secret`).toBe(false);

    for (const id of containers) {
      const raw = docker('inspect', id);
      const c = (JSON.parse(raw) as Array<{ Name: string; Config: { Env: string[] | null; Labels: Record<string, string> }; Mounts: Array<{ Source: string; Destination: string }> }>)[0]!;
      expect(raw.includes(canary), `docker inspect ${c.Name} holds the secret`).toBe(false);
      expect((c.Config.Env ?? []).some((e) => e.includes(canary))).toBe(false);
      if (!c.Name.endsWith('synapse-prod-1')) {
        expect(c.Config.Env).toContain('SYNAPSE_API_TOKEN_FILE=/run/secrets/api_token');
        expect(c.Mounts).toContainEqual(expect.objectContaining({ Source: join(project.secretsDir, 'api_token'), Destination: '/run/secrets/api_token' }));
      }
    }
  }, 120_000);
});
