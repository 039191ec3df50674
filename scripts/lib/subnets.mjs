// Free private subnets for throwaway compose projects: the test helpers, the benchmarks and the
// demo each run a copy of compose/docker-compose.yml, whose default /16 may already be taken.
import { spawnSync } from 'node:child_process';

const ipv4 = (address) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** The first and last address of a CIDR block, as numbers. */
function cidrRange(cidr) {
  const [address = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4(address) / size) * size;
  return [start, start + size - 1];
}

/** `count` distinct 172.28-31.x.0/24 blocks that overlap none of `taken` (CIDR strings). */
export function pickFreeSubnets(taken, count = 1) {
  const used = taken.map(cidrRange);
  const picked = [];
  for (let attempt = 0; attempt < 500 && picked.length < count; attempt++) {
    const candidate = `172.${28 + Math.floor(Math.random() * 4)}.${Math.floor(Math.random() * 256)}.0/24`;
    const [a, b] = cidrRange(candidate);
    if (used.some(([c, d]) => a <= d && c <= b)) continue;
    picked.push(candidate);
    used.push([a, b]);
  }
  if (picked.length < count) throw new Error('no free /24 in 172.28.0.0/14 on this engine');
  return picked;
}

/**
 * `count` 172.28-31.x.0/24 blocks that overlap no network the engine has now. (Compose allocates
 * its default networks as whole /16s from 172.17-31, so a /24 is checked against them all.)
 */
export function freeEngineSubnets(count = 1) {
  const docker = (args) => {
    const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  const ids = docker(['network', 'ls', '-q']).split('\n').filter(Boolean);
  const taken = ids.length
    ? docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids])
        .split(/\s+/)
        .filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s))
    : [];
  return pickFreeSubnets(taken, count);
}
