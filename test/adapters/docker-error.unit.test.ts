import { expect, test } from 'vitest';
import { DockerError } from '../../src/adapters/docker.js';

test('a DockerError carries compose stderr without terminal control codes, in its message and its stderr', () => {
  const error = new DockerError(['compose', 'up', '--wait'], 1, '\u001b[2K\u001b[1A container synapse-prod-blue is unhealthy\r\n\u001b[31mError\u001b[0m: application not healthy\n');
  expect(error.stderr).not.toMatch(/\u001b/);
  expect(error.message).not.toMatch(/\u001b/);
  expect(error.stderr).toContain('Error: application not healthy');
  expect(error.message).toMatch(/^docker compose up --wait failed \(exit 1\):\n.*container synapse-prod-blue is unhealthy\nError: application not healthy$/s);
});
