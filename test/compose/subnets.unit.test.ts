import { describe, expect, test } from 'vitest';
import { pickFreeSubnets } from '../../scripts/lib/subnets.mjs';

describe('pickFreeSubnets', () => {
  test('picks distinct /24s in 172.28.0.0/14 that overlap nothing taken', () => {
    const taken = ['172.28.0.0/16', '172.29.0.0/16', '172.30.5.0/24', '10.0.0.0/8'];
    const picked = pickFreeSubnets(taken, 20);
    expect(new Set(picked).size).toBe(20);
    for (const subnet of picked) {
      expect(subnet).toMatch(/^172\.(30|31)\.\d{1,3}\.0\/24$/);
      expect(subnet).not.toBe('172.30.5.0/24');
    }
  });

  test('fails when the whole range is taken', () => {
    expect(() => pickFreeSubnets(['172.16.0.0/12'])).toThrow(/no free \/24/);
  });
});
