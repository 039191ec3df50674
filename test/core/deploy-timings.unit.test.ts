import { describe, expect, test } from 'vitest';
import { deployTimings } from '../../src/core/deploy-timings.js';

const names = { watch: '--watch', lockTimeout: '--lock-timeout', waitTimeout: '--wait-timeout' };

describe('deployTimings', () => {
  test.each([
    [{}, {}],
    [{ watch: '', lockTimeout: '', waitTimeout: '' }, {}],
    [{ watch: '0' }, { watchSeconds: 0 }],
    [{ watch: '2.5' }, { watchSeconds: 2.5 }],
    [{ lockTimeout: '1.5' }, { lockTimeoutMs: 1500 }],
    [{ waitTimeout: '0' }, { waitTimeoutSeconds: 1 }],
    [{ waitTimeout: '6.2' }, { waitTimeoutSeconds: 7 }],
  ])('%j → %j', (raw, expected) => {
    expect(deployTimings(raw, names)).toEqual(expected);
  });

  test.each([
    [{ watch: 'soon' }, /--watch: "soon" is not valid; expected a number of seconds >= 0/],
    [{ lockTimeout: '-1' }, /--lock-timeout: "-1"/],
    [{ waitTimeout: 'Infinity' }, /--wait-timeout: "Infinity"/],
  ])('%j is refused, naming the input', (raw, message) => {
    expect(() => deployTimings(raw, names)).toThrow(message);
  });
});
