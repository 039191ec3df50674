import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DockerError, type Docker } from '../../src/adapters/docker.js';
import { healthTail, startHealthy } from '../../src/flows/deploy-health.js';

// The health verdicts and the health log as the deploy reports them, on a fake engine: what compose
// and the engine answer is scripted per command (up, ps, inspect, logs).

const target = { file: '/c/docker-compose.yml', project: 'synapse' };
const service = 'synapse-prod-blue';
const psLine = (health: string) => JSON.stringify({ Service: service, Name: `synapse-${service}-1`, ID: 'c0ffee', State: 'running', Health: health, Image: 'x', Status: 'Up 3 seconds' });

/** `docker inspect`'s `{{.Id}} {{json .State}}` line: started at T0, last probe at `probe` (T0 + 1 s by default). */
const stateLine = (health: string, probe = '2026-01-01T00:00:01Z') =>
  `c0ffee00 ${JSON.stringify({ Status: 'running', StartedAt: '2026-01-01T00:00:00Z', Health: { Status: health, Log: [{ Start: probe, End: probe, ExitCode: 0, Output: '' }] } })}`;

function fakeDocker(answers: Partial<Record<'up' | 'ps' | 'state' | 'inspect' | 'logs', () => string>>): Docker {
  return {
    async run(args) {
      // The health the flows read: compose's ps, then the engine's state of each container.
      if (args.includes('inspect') && args.some((a) => a.includes('{{json .State}}'))) {
        if (answers.state) return { stdout: answers.state(), stderr: '' };
        const ps = answers.ps ? (JSON.parse(answers.ps()) as { Health: string }) : undefined;
        return { stdout: stateLine(ps?.Health ?? ''), stderr: '' };
      }
      const command = (['up', 'ps', 'inspect', 'logs'] as const).find((c) => args.includes(c));
      const answer = command && answers[command];
      if (!answer) throw new Error(`unexpected docker ${args.join(' ')}`);
      return { stdout: answer(), stderr: '' };
    },
  };
}

describe('startHealthy', () => {
  test('compose returned but the engine says starting: the reason is the message, with no "Error: " prefix', async () => {
    const docker = fakeDocker({ up: () => '', ps: () => psLine('starting') });
    expect(await startHealthy(docker, target, service, 5)).toBe(`${service} reports starting after compose's wait, not healthy`);
  });

  test("compose's failure: its last line, without the terminal control codes compose 2.26 writes with --no-color", async () => {
    const docker = fakeDocker({
      up: () => {
        throw new DockerError(['compose', 'up'], 1, `\x1b[2K Container ${service}  Starting\r\n\x1b[1A\x1b[2K Container ${service}  Waiting\n\x1b[2Kcontainer ${service} is unhealthy\x1b[0m\n`);
      },
    });
    expect(await startHealthy(docker, target, service, 5)).toBe(`compose: container ${service} is unhealthy`);
  });

  test('healthy: no reason', async () => {
    expect(await startHealthy(fakeDocker({ up: () => '', ps: () => psLine('healthy') }), target, service, 5)).toBeUndefined();
  });

  test('compose and the engine say healthy, but from a probe before the container restarted: starting, not healthy', async () => {
    const docker = fakeDocker({ up: () => '', ps: () => psLine('healthy'), state: () => stateLine('healthy', '2025-12-31T23:59:59.999999999Z') });
    expect(await startHealthy(docker, target, service, 5)).toBe(`${service} reports starting after compose's wait, not healthy`);
  });
});

describe('healthTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'release-flow-health-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('probe outputs and container log without control codes (newlines kept), secrets redacted', async () => {
    const secretFile = join(dir, 'api_token');
    writeFileSync(secretFile, 'token-s3cret\n');
    const health = {
      Status: 'unhealthy',
      Log: [
        { ExitCode: 1, End: '2026-01-01T00:00:01Z', Output: '\x1b[31mwget: server returned error\x1b[0m\n' },
        { ExitCode: 1, End: '2026-01-01T00:00:02Z', Output: 'line one\r\n\x1b[2Kline two\n' },
      ],
    };
    const docker = fakeDocker({
      ps: () => psLine('unhealthy'),
      inspect: () => JSON.stringify(health),
      logs: () => `${service}-1  | \x1b[2K\x1b[1Astarting\r\n${service}-1  | \x1b[32musing token-s3cret\x1b[0m\n${service}-1  | \ttabbed\n`,
    });
    const tail = await healthTail(docker, target, service, { secrets: { api_token: { file: secretFile } } });
    expect(tail).toBe(
      [
        '  status: unhealthy',
        '  2026-01-01T00:00:01Z exit 1: wget: server returned error',
        '  2026-01-01T00:00:02Z exit 1: line one | line two',
        '  container log:',
        `    ${service}-1  | starting`,
        `    ${service}-1  | using ***`,
        `    ${service}-1  | \ttabbed`,
      ].join('\n'),
    );
    expect(tail).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
