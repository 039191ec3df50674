import { describe, expect, test } from 'vitest';
import { statusText, uptimeText, type StatusReport } from '../../src/flows/status.js';

describe('uptimeText: compose says "Up" once, the status line says it once too', () => {
  test.each([
    ['Up 29 seconds (healthy)', 'up 29 seconds, healthy'],
    ['Up About a minute (health: starting)', 'up about a minute, health: starting'],
    ['Up 5 minutes (unhealthy)', 'up 5 minutes, unhealthy'],
    ['Up 2 hours', 'up 2 hours'],
    ['Up Less than a second', 'up less than a second'],
    ['Restarting (1) 3 seconds ago', 'Restarting (1) 3 seconds ago'],
  ])('%s', (status, expected) => {
    expect(uptimeText(status)).toBe(expected);
  });
});

describe('statusText', () => {
  test('a line per environment, with "up" printed once', () => {
    const report: StatusReport = {
      stateFile: '/opt/synapse/release-flow-state.json',
      environments: [
        { env: 'dev', version: null, digest: null, health: 'absent', uptime: null },
        { env: 'prod', version: '1.0.0', digest: 'sha256:abc', health: 'healthy', uptime: 'Up 29 seconds (healthy)', colour: 'blue', standby: { colour: 'green', health: 'healthy', version: '2.0.0' } },
      ],
    };
    expect(statusText(report)).toBe(
      ['state: /opt/synapse/release-flow-state.json', 'dev   -          absent', 'prod  1.0.0      healthy    colour blue up 29 seconds, healthy sha256:abc', ''].join('\n'),
    );
    expect(statusText(report)).not.toMatch(/up Up/i);
  });
});
