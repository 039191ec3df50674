import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A docker client configuration directory of the test's own (DOCKER_CONFIG), so that `docker login`
// in a test never reads or changes the machine's login state (~/.docker/config.json).

export interface DockerConfigDir {
  dir: string;
  /** `docker --config DIR login REGISTRY -u USER --password-stdin`. */
  login(registry: string, user: string, password: string): void;
  cleanup(): void;
}

export function tempDockerConfig(): DockerConfigDir {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'release-flow-docker-config-')));
  return {
    dir,
    login(registry, user, password) {
      execFileSync('docker', ['--config', dir, 'login', registry, '-u', user, '--password-stdin'], {
        input: password,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 30_000,
      });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
