// Whether a newly started colour is healthy: before traffic moves to it, and while it is watched
// after the switch. And, when it is not, what its health probes and log said, secrets redacted and
// terminal control sequences removed.

import { readFile } from 'node:fs/promises';
import { DockerError, type Docker } from '../adapters/docker.js';
import { execArgs, logsArgs, redactSecrets, upServiceArgs, type ComposeTarget } from '../core/compose-commands.js';
import { stripTerminalControls } from '../core/terminal-text.js';
import { listContainers, listServices, type ComposeModel } from './compose-project.js';

/** Starts `service` and waits for its health check; returns why it is not healthy, or undefined. */
export async function startHealthy(docker: Docker, target: ComposeTarget, service: string, waitTimeoutSeconds: number): Promise<string | undefined> {
  try {
    await docker.run(upServiceArgs(target, service, waitTimeoutSeconds));
    // The engine's own word, not compose's: `up --wait` has been seen to return while a new
    // container was still starting (compose 2.26, under load). And only a probe of the container's
    // current run counts (`listServices`): the engine keeps the status across a restart.
    const started = (await listServices(docker, target, [service]))[0];
    if (started?.Health !== 'healthy') {
      throw new Error(`${service} reports ${started?.Health || started?.State || 'no container'} after compose's wait, not healthy`);
    }
    return undefined;
  } catch (error) {
    if (error instanceof DockerError) return `compose: ${lastLine(error.stderr) || `exit ${error.exitCode}`}`;
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Polls the new colour for `seconds`: its container must keep running, not turn unhealthy, and
 * pass its own health command, run every second, since the engine's health status only changes
 * after `retries` failures, which can outlast the watch. Two failures in a row fail it, so one
 * slow answer does not. Returns why it failed, or undefined.
 */
export async function watch(docker: Docker, target: ComposeTarget, service: string, model: ComposeModel, seconds: number): Promise<string | undefined> {
  const test = model.services?.[service]?.healthcheck?.test;
  const probe = test?.[0] === 'CMD-SHELL' ? ['sh', '-c', test.slice(1).join(' ')] : test?.[0] === 'CMD' ? test.slice(1) : undefined;
  const until = Date.now() + seconds * 1000;
  let failures = 0;
  while (Date.now() < until) {
    const entry = (await listServices(docker, target, [service]).catch(() => []))[0];
    if (!entry || entry.State !== 'running') return `${service} is ${entry?.State ?? 'gone'}`;
    // A status left from before a restart reads `starting` here: the probe below still runs.
    if (entry.Health === 'unhealthy') return `${service} is unhealthy`;
    if (probe) {
      const ok = await docker.run(execArgs(target, service, probe)).then(() => true, () => false);
      failures = ok ? 0 : failures + 1;
      if (failures >= 2) return `its health check failed ${failures} times in a row`;
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, until - Date.now()))));
  }
  return undefined;
}

/** The last health probe outputs and the log of a service's container, for a rollback's reason. */
export async function healthTail(docker: Docker, target: ComposeTarget, service: string, model: ComposeModel): Promise<string> {
  try {
    const entry = (await listContainers(docker, target, [service]))[0];
    if (!entry?.ID) return '';
    const { stdout } = await docker.run(['inspect', '--format', '{{json .State.Health}}', entry.ID]);
    const health = JSON.parse(stdout) as { Status?: string; Log?: Array<{ ExitCode: number; Output: string; End: string }> } | null;
    const lines = (health?.Log ?? []).slice(-5).map((l) => `  ${l.End} exit ${l.ExitCode}: ${stripTerminalControls(l.Output).trim().split('\n').slice(-3).join(' | ')}`);
    const logs = await docker.run(logsArgs(target, service)).then((r) => stripTerminalControls(r.stdout).trim(), () => '');
    return redactSecrets([`  status: ${health?.Status ?? 'unknown'}`, ...lines, ...(logs ? ['  container log:', ...logs.split('\n').map((l) => `    ${l}`)] : [])].join('\n'), await secretValues(model));
  } catch {
    // The reason is worth more without the tail than not at all.
    return '';
  }
}

/** A release may print its own secrets: every value the project mounts is redacted from the tail. */
async function secretValues(model: ComposeModel): Promise<string[]> {
  const out: string[] = [];
  for (const s of Object.values(model.secrets ?? {})) {
    if (s.file) out.push(await readFile(s.file, 'utf8').catch(() => ''));
  }
  return out;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-1)[0]?.trim() ?? '';
}
