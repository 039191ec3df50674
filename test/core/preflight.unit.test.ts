import { describe, expect, it } from 'vitest';
import {
  addressesOverlap,
  checkComposeConfig,
  checkDisk,
  checkDiskUnknown,
  checkImage,
  checkMemoryCgroup,
  checkPort,
  checkSecretFile,
  classifyPort,
  composeConfigArgs,
  containersFromPs,
  hostPlatform,
  imageInspectPlatformArgs,
  listenersFromProc,
  parseMemoryCgroup,
  parsePlatform,
  parseProcNetTcp,
  parsePsPorts,
  parseSocketAddress,
  parseSsListeners,
  platformRuns,
  platformsFromImageConfig,
  platformsFromRawManifest,
  preflightPassed,
  psPortsArgs,
  pullNeedBytes,
  requiredFreeBytes,
  severityFor,
  socketInode,
} from '../../src/core/preflight.js';
import type { CgroupFiles, ContainerPorts, TcpListener } from '../../src/core/preflight.js';

// v1: captured on the CI host (Debian, hybrid: legacy hierarchies plus an empty unified one).
// The others are written in the kernel's exact format for the documented cases: Raspberry Pi OS
// buster (v1, booted with cgroup_disable=memory), Pi OS bookworm (v2, memory off by default, then
// on after cgroup_enable=memory cgroup_memory=1) and a v2 container.
const procCgroupsV1Ci = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t3\t1
cpu\t1\t3\t1
cpuacct\t2\t3\t1
blkio\t7\t3\t1
memory\t4\t217\t1
devices\t5\t3\t1
freezer\t6\t3\t1
net_cls\t0\t3\t1
perf_event\t0\t3\t1
net_prio\t0\t3\t1
hugetlb\t0\t3\t1
pids\t8\t3\t1
`;
const selfCgroupV1Ci = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/283bf8ece1bf2bd1a595c9a08a2e5416
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;
const procCgroupsPiBusterOff = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t6\t1\t1
cpu\t3\t62\t1
cpuacct\t3\t62\t1
blkio\t7\t62\t1
memory\t0\t70\t0
devices\t4\t62\t1
freezer\t5\t1\t1
net_cls\t2\t1\t1
pids\t8\t68\t1
`;
const selfCgroupPiBuster = `8:pids:/user.slice/user-1000.slice/session-1.scope
7:blkio:/user.slice
6:cpuset:/
5:freezer:/
4:devices:/user.slice
3:cpu,cpuacct:/user.slice
2:net_cls:/
1:name=systemd:/user.slice/user-1000.slice/session-1.scope
0::/user.slice/user-1000.slice/session-1.scope
`;
const procCgroupsPiBookwormOff = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t0\t98\t1
cpu\t0\t98\t1
cpuacct\t0\t98\t1
blkio\t0\t98\t1
memory\t0\t98\t0
devices\t0\t98\t1
freezer\t0\t98\t1
net_cls\t0\t98\t1
perf_event\t0\t98\t1
net_prio\t0\t98\t1
pids\t0\t98\t1
`;
const selfCgroupV2 = '0::/user.slice/user-1000.slice/session-3.scope\n';

describe('parseMemoryCgroup', () => {
  const cases: { name: string; files: CgroupFiles; version: 'v1' | 'v2'; enabled: boolean; evidence: RegExp }[] = [
    { name: 'v1 hybrid CI host', files: { procSelfCgroup: selfCgroupV1Ci, procCgroups: procCgroupsV1Ci, controllers: 'hugetlb\n' }, version: 'v1', enabled: true, evidence: /memory 4 217 1/ },
    { name: 'v1 Pi buster, memory disabled', files: { procSelfCgroup: selfCgroupPiBuster, procCgroups: procCgroupsPiBusterOff }, version: 'v1', enabled: false, evidence: /memory 0 70 0/ },
    {
      name: 'v1 enabled but not mounted (hierarchy 0)',
      files: { procSelfCgroup: selfCgroupPiBuster, procCgroups: 'memory\t0\t1\t1\n' },
      version: 'v1',
      enabled: false,
      evidence: /memory 0 1 1/,
    },
    { name: 'v1 without a memory row', files: { procSelfCgroup: selfCgroupPiBuster, procCgroups: 'cpu\t3\t1\t1\n' }, version: 'v1', enabled: false, evidence: /no memory row/ },
    {
      name: 'v2 Pi bookworm default (memory off)',
      files: { procSelfCgroup: selfCgroupV2, procCgroups: procCgroupsPiBookwormOff, controllers: 'cpuset cpu io pids\n' },
      version: 'v2',
      enabled: false,
      evidence: /cpuset cpu io pids/,
    },
    {
      name: 'v2 Pi bookworm with cgroup_enable=memory',
      files: { procSelfCgroup: selfCgroupV2, controllers: 'cpuset cpu io memory pids\n' },
      version: 'v2',
      enabled: true,
      evidence: /memory/,
    },
    {
      name: 'v2 Ubuntu 24.04 in a container (root cgroup)',
      files: { procSelfCgroup: '0::/\n', controllers: 'cpuset cpu io memory hugetlb pids rdma misc\n' },
      version: 'v2',
      enabled: true,
      evidence: /hugetlb/,
    },
    { name: 'v2 with empty controllers', files: { procSelfCgroup: '0::/\n', controllers: '\n' }, version: 'v2', enabled: false, evidence: /\(empty\)/ },
  ];
  it.each(cases)('$name', ({ files, version, enabled, evidence }) => {
    const fact = parseMemoryCgroup(files);
    expect(fact).toMatchObject({ version, enabled });
    expect(fact.evidence).toMatch(evidence);
  });

  it('v2 /proc/cgroups is ignored: the controllers file decides', () => {
    // On v2 /proc/cgroups says `enabled 1` with hierarchy 0 even when the controller is usable.
    expect(parseMemoryCgroup({ procSelfCgroup: selfCgroupV2, procCgroups: 'memory\t0\t98\t1\n', controllers: 'cpu memory' }).enabled).toBe(true);
  });

  it('says what it expected when a file is unusable', () => {
    expect(() => parseMemoryCgroup({ procSelfCgroup: '' })).toThrow(/expected lines like/);
    expect(() => parseMemoryCgroup({ procSelfCgroup: '0::/' })).toThrow(/expected \/sys\/fs\/cgroup\/cgroup.controllers/);
  });
});

describe('severity', () => {
  it.each([
    ['memory-cgroup', 'prod', 'error'],
    ['memory-cgroup', 'dev', 'warning'],
    ['port', 'dev', 'error'],
    ['port', 'prod', 'error'],
    ['image', 'dev', 'error'],
    ['disk', 'dev', 'error'],
    ['secret', 'dev', 'error'],
    ['compose-config', 'prod', 'error'],
  ] as const)('%s on %s is %s', (kind, env, severity) => {
    expect(severityFor(kind, env)).toBe(severity);
  });

  it('memory cgroup missing: error with the fix on prod, warning on dev; engine view wins', () => {
    const off = parseMemoryCgroup({ procSelfCgroup: selfCgroupV2, controllers: 'cpuset cpu io pids' });
    const prod = checkMemoryCgroup(off, 'prod');
    expect(prod).toMatchObject({ name: 'memory-cgroup', ok: false, severity: 'error' });
    expect(prod.message).toMatch(/silently drop the memory limits; prod needs them/);
    expect(prod.fix).toMatch(/cgroup_enable=memory cgroup_memory=1/);
    const dev = checkMemoryCgroup(off, 'dev');
    expect(dev).toMatchObject({ ok: false, severity: 'warning' });
    expect(preflightPassed([dev])).toBe(true);
    expect(preflightPassed([prod])).toBe(false);
    const on = parseMemoryCgroup({ procSelfCgroup: '0::/', controllers: 'memory' });
    expect(checkMemoryCgroup(on, 'prod').ok).toBe(true);
    expect(checkMemoryCgroup(on, 'prod').fix).toBeUndefined();
    expect(checkMemoryCgroup(on, 'prod', false)).toMatchObject({ ok: false, message: expect.stringMatching(/docker info: MemoryLimit false/) });
  });
});

// `ss -ltnpH` (iproute2 6.1) lines: the first two captured on the CI host (the owner of :2024 is
// not visible there); the others in the same format for a Pi running docker-proxy, caddy, nginx,
// sshd, systemd-resolved and node (dual-stack `*`, `[::]`, `%lo` scope, v4-mapped, several owners).
const ssOutput = [
  'LISTEN 0      4096   127.0.0.1:5000 0.0.0.0:* users:(("docker-registry",pid=18612,fd=3))',
  'LISTEN 0      128      0.0.0.0:2024 0.0.0.0:*                                           ',
  'LISTEN 0      4096         0.0.0.0:8002      0.0.0.0:*    users:(("docker-proxy",pid=2211,fd=4))',
  'LISTEN 0      4096            [::]:8002         [::]:*    users:(("docker-proxy",pid=2218,fd=4))',
  'LISTEN 0      4096               *:443              *:*    users:(("caddy",pid=123,fd=7))',
  'LISTEN 0      511        127.0.0.1:8080      0.0.0.0:*    users:(("nginx",pid=902,fd=6),("nginx",pid=901,fd=6),("nginx",pid=900,fd=6))',
  'LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=640,fd=3))',
  'LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=640,fd=4))',
  'LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*    users:(("systemd-resolve",pid=512,fd=14))',
  'LISTEN 0      511            [::1]:3000         [::]:*    users:(("node",pid=4242,fd=21))',
  'LISTEN 0      511   [::ffff:127.0.0.1]:3001     *:*    users:(("node",pid=4243,fd=22))',
  'ESTAB  0      0      10.0.0.5:22   10.0.0.9:50122 users:(("sshd",pid=700,fd=4))',
  '',
].join('\n');

describe('ss parsing', () => {
  const listeners = parseSsListeners(ssOutput);
  it.each([
    ['127.0.0.1', 5000, [{ name: 'docker-registry', pid: 18612 }]],
    ['0.0.0.0', 2024, []],
    ['0.0.0.0', 8002, [{ name: 'docker-proxy', pid: 2211 }]],
    ['::', 8002, [{ name: 'docker-proxy', pid: 2218 }]],
    ['*', 443, [{ name: 'caddy', pid: 123 }]],
    ['127.0.0.1', 8080, [{ name: 'nginx', pid: 902 }, { name: 'nginx', pid: 901 }, { name: 'nginx', pid: 900 }]],
    ['127.0.0.53', 53, [{ name: 'systemd-resolve', pid: 512 }]],
    ['::1', 3000, [{ name: 'node', pid: 4242 }]],
    ['127.0.0.1', 3001, [{ name: 'node', pid: 4243 }]],
  ] as const)('%s:%i', (address, port, processes) => {
    expect(listeners.filter((l) => l.address === address && l.port === port)).toEqual([{ address, port, processes }]);
  });

  it('keeps only LISTEN lines', () => {
    expect(listeners).toHaveLength(11);
    expect(listeners.some((l) => l.port === 50122)).toBe(false);
  });

  it('parses addresses and says what it expected otherwise', () => {
    expect(parseSocketAddress('[fe80::1%eth0]:80')).toEqual({ address: 'fe80::1', port: 80 });
    expect(() => parseSocketAddress('0.0.0.0:*')).toThrow(/expected ADDRESS:PORT/);
  });
});

// /proc/net/tcp: the first line captured on the CI host (registry on 127.0.0.1:5000); the others
// in the same format: sshd on 0.0.0.0:22 and [::]:22, node on [::1]:3000, a v4-mapped and a
// link-local listener, and an established connection. (The int test decodes this host's live files.)
const procNetTcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1356656 1 0000000002357567 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22101 1 0000000000000000 100 0 0 10 0
   2: 0500000A:0016 0900000A:C3CA 01 00000000:00000000 02:0009B2F8 00000000     0        0 55012 4 0000000000000000 20 4 31 10 -1
`;
const procNetTcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22103 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77001 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77002 1 0000000000000000 100 0 0 10 0
   3: 000080FE00000000FF0302B201D3EFFE:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77003 1 0000000000000000 100 0 0 10 0
`;

describe('/proc/net/tcp parsing', () => {
  it('decodes listening IPv4 sockets and skips the others', () => {
    expect(parseProcNetTcp(procNetTcp, 4)).toEqual([
      { address: '127.0.0.1', port: 5000, inode: 1356656 },
      { address: '0.0.0.0', port: 22, inode: 22101 },
    ]);
  });

  it('decodes IPv6: ::, ::1, v4-mapped, link-local', () => {
    expect(parseProcNetTcp(procNetTcp6, 6)).toEqual([
      { address: '::', port: 22, inode: 22103 },
      { address: '::1', port: 3000, inode: 77001 },
      { address: '127.0.0.1', port: 3001, inode: 77002 },
      { address: 'fe80::b202:3ff:feef:d301', port: 8080, inode: 77003 },
    ]);
  });

  it('joins socket inodes with the processes holding them', () => {
    expect(socketInode('socket:[22101]')).toBe(22101);
    expect(socketInode('pipe:[22101]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
    const owners = new Map([[22101, [{ name: 'sshd', pid: 640 }]]]);
    expect(listenersFromProc(parseProcNetTcp(procNetTcp, 4), owners)).toEqual([
      { address: '127.0.0.1', port: 5000, processes: [] },
      { address: '0.0.0.0', port: 22, processes: [{ name: 'sshd', pid: 640 }] },
    ]);
  });
});

describe('docker ps ports', () => {
  it.each([
    ['0.0.0.0:8002->8002/tcp, :::8002->8002/tcp', [['0.0.0.0', 8002, 8002], ['::', 8002, 8002]]],
    ['0.0.0.0:8002->8002/tcp, [::]:8002->8002/tcp', [['0.0.0.0', 8002, 8002], ['::', 8002, 8002]]],
    ['127.0.0.1:8000-8001->80-81/tcp', [['127.0.0.1', 8000, 80], ['127.0.0.1', 8001, 81]]],
    ['8002/tcp', []],
    ['', []],
    ['0.0.0.0:5353->53/udp', [['0.0.0.0', 5353, 53]]],
  ] as const)('%j', (text, expected) => {
    expect(parsePsPorts(text).map((p) => [p.hostIp, p.hostPort, p.containerPort])).toEqual(expected);
  });

  it('reads containers and builds the argv', () => {
    const out = 'abc123\tsynapse-synapse-dev-1\tsynapse\tsynapse-dev\t0.0.0.0:8003->8002/tcp, :::8003->8002/tcp\ndef\tlonely\t\t\t\n';
    expect(containersFromPs(out)).toEqual([
      {
        id: 'abc123',
        name: 'synapse-synapse-dev-1',
        project: 'synapse',
        service: 'synapse-dev',
        ports: [
          { hostIp: '0.0.0.0', hostPort: 8003, containerPort: 8002, protocol: 'tcp' },
          { hostIp: '::', hostPort: 8003, containerPort: 8002, protocol: 'tcp' },
        ],
      },
      { id: 'def', name: 'lonely', project: '', service: '', ports: [] },
    ]);
    expect(psPortsArgs('synapse').slice(0, 3)).toEqual(['ps', '--filter', 'label=com.docker.compose.project=synapse']);
    expect(psPortsArgs()).not.toContain('--filter');
  });
});

describe('port conflicts', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1', true],
    ['127.0.0.1', '0.0.0.0', true],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '10.0.0.5', false],
    ['0.0.0.0', '::', true],
    ['0.0.0.0', '::1', false],
    ['::1', '::', true],
    ['192.168.1.10', '*', true],
  ])('%s vs %s: %s', (a, b, overlap) => {
    expect(addressesOverlap(a, b)).toBe(overlap);
  });

  const listeners = parseSsListeners(ssOutput);
  const containers: ContainerPorts[] = containersFromPs(
    [
      'a1\tsynapse-synapse-prod-1\tsynapse\tsynapse-prod\t0.0.0.0:8002->80/tcp, :::8002->80/tcp',
      'b2\tother-web-1\tother\tweb\t127.0.0.1:9000->80/tcp',
    ].join('\n'),
  );
  const hidden: TcpListener[] = [{ address: '127.0.0.1', port: 9000, processes: [] }];

  it.each([
    ['free port', { port: 8081 }, listeners, 'free', []],
    ['our docker-proxy', { port: 8002 }, listeners, 'ours', ['synapse-synapse-prod-1']],
    ['caddy on *:443', { port: 443 }, listeners, 'conflict', ['caddy (pid 123) on *:443']],
    ['nginx on loopback vs all', { port: 8080 }, listeners, 'conflict', ['nginx (pid 902) on 127.0.0.1:8080', 'nginx (pid 901) on 127.0.0.1:8080', 'nginx (pid 900) on 127.0.0.1:8080']],
    ['loopback listener vs another address', { port: 8080, hostIp: '192.168.1.10' }, listeners, 'free', []],
    ['sshd on 0.0.0.0 and [::]', { port: 22 }, listeners, 'conflict', ['sshd (pid 640) on 0.0.0.0:22', 'sshd (pid 640) on [::]:22']],
    ['node on [::1] vs 127.0.0.1', { port: 3000, hostIp: '127.0.0.1' }, listeners, 'free', []],
    ['owner not visible', { port: 2024 }, listeners, 'conflict', ['a process this user cannot see (run as root to name it) on 0.0.0.0:2024']],
    ['another project, proxy hidden', { port: 9000 }, hidden, 'conflict', ['a process this user cannot see (run as root to name it) for container other-web-1 (compose project other) on 127.0.0.1:9000']],
    ['another project, no userland proxy', { port: 9000 }, [], 'conflict', ['container other-web-1 (compose project other)']],
    ['ours, no userland proxy', { port: 8002 }, [], 'ours', ['synapse-synapse-prod-1']],
  ] as const)('%s', (_, wanted, ls, state, names) => {
    const got = classifyPort(wanted, ls, containers, 'synapse');
    expect(got.state).toBe(state);
    if (got.state === 'conflict') expect(got.holders).toEqual(names);
    if (got.state === 'ours') expect(got.containers).toEqual(names);
  });

  it('a docker-proxy of another project names the proxy and the container', () => {
    const got = classifyPort({ port: 8002 }, listeners, containers, 'staging');
    expect(got).toEqual({
      state: 'conflict',
      holders: [
        'docker-proxy (pid 2211) for container synapse-synapse-prod-1 (compose project synapse) on 0.0.0.0:8002',
        'docker-proxy (pid 2218) for container synapse-synapse-prod-1 (compose project synapse) on [::]:8002',
      ],
    });
  });

  it('a conflict result names the process and says what was expected', () => {
    const r = checkPort({ port: 443 }, classifyPort({ port: 443 }, listeners, containers, 'synapse'), 'prod');
    expect(r).toMatchObject({ name: 'port 443', ok: false, severity: 'error' });
    expect(r.message).toBe("0.0.0.0:443 is in use by caddy (pid 123) on *:443; expected it free or held by this compose project's containers");
    expect(r.fix).toBeDefined();
    expect(checkPort({ port: 8002 }, { state: 'ours', containers: ['c'] }, 'prod')).toMatchObject({ ok: true, message: expect.stringMatching(/our own container c/) });
  });
});

describe('free disk', () => {
  const MiB = 1024 ** 2;
  const GiB = 1024 ** 3;
  it.each([
    [{ neededBytes: 0 }, 512 * MiB],
    [{ neededBytes: 100 * MiB }, 612 * MiB],
    [{ neededBytes: 10 * GiB }, 12 * GiB],
    [{ neededBytes: 1 * GiB, marginRatio: 0.5, minFreeBytes: 0 }, 1.5 * GiB],
    [{ neededBytes: 1 * GiB, marginRatio: 0, minFreeBytes: 0 }, 1 * GiB],
  ])('%j needs %i bytes free', (need, required) => {
    expect(requiredFreeBytes(need)).toBe(required);
  });

  it('rejects a bad need', () => {
    expect(() => requiredFreeBytes({ neededBytes: -1 })).toThrow(/expected a number >= 0/);
    expect(() => requiredFreeBytes({ neededBytes: Number.NaN })).toThrow(/expected a number >= 0/);
  });

  it('judges with the margin, at the boundary', () => {
    const need = { neededBytes: 1 * GiB };
    expect(checkDisk('/var/lib/docker', 1.5 * GiB, need, 'prod')).toMatchObject({ ok: true, message: '1.5 GiB free on /var/lib/docker; 1.5 GiB (pull 1.0 GiB plus margin) needed' });
    const short = checkDisk('/var/lib/docker', 1.5 * GiB - 1, need, 'dev');
    expect(short).toMatchObject({ name: 'disk', ok: false, severity: 'error' });
    expect(short.message).toMatch(/expected at least 1.5 GiB/);
    expect(short.fix).toMatch(/docker image prune/);
  });

  const amd64 = hostPlatform('x86_64');
  const arm64 = hostPlatform('aarch64');
  const armv7 = hostPlatform('armv7l');
  const index = [
    { platform: 'linux/amd64', size: 40 * MiB },
    { platform: 'linux/arm64', size: 30 * MiB },
  ];
  it.each([
    ['the host platform of an index', index, arm64, 30 * MiB],
    ['the other platform of the same index', index, amd64, 40 * MiB],
    ['a variant the host runs', [{ platform: 'linux/arm/v6', size: 10 * MiB }, { platform: 'linux/amd64', size: 50 * MiB }], armv7, 10 * MiB],
    ['a single manifest (no platform named): its size', [{ platform: 'unknown', size: 25 * MiB }], arm64, 25 * MiB],
    ['no platform for this host: the largest, never less', index, armv7, 40 * MiB],
    ['nothing listed', [], amd64, 0],
  ])('pullNeedBytes: %s (compressed plus unpacked)', (_, platforms, host, compressed) => {
    expect(pullNeedBytes(platforms, host)).toBe(compressed * 4);
  });

  it('the pull need and the free space decide together; the message names both and the fix', () => {
    const need = { neededBytes: pullNeedBytes(index, arm64) };
    expect(checkDisk('/var/lib/docker', 2 * GiB, need, 'prod')).toMatchObject({ ok: true, severity: 'error' });
    const full = checkDisk('/var/lib/docker', 300 * MiB, need, 'prod');
    expect(full).toMatchObject({ ok: false, severity: 'error', message: '300.0 MiB free on /var/lib/docker; expected at least 632.0 MiB (pull 120.0 MiB plus margin)' });
    expect(full.fix).toBe("free space on /var/lib/docker (`docker image prune`, `docker builder prune`) or move Docker's data-root");
    expect(checkDisk('/var/lib/docker', 2 * GiB, { ...need, minFreeBytes: 4 * GiB }, 'dev')).toMatchObject({ ok: false, message: expect.stringMatching(/expected at least 4.1 GiB/) });
  });

  it('free space that cannot be measured is a warning that names the path and why, not an error', () => {
    const unknown = checkDiskUnknown('/var/lib/docker', 'ENOENT', 'prod');
    expect(unknown).toMatchObject({ name: 'disk', ok: false, severity: 'warning', message: 'free space on /var/lib/docker for the pull could not be checked: ENOENT' });
    expect(unknown.fix).toMatch(/docker image prune/);
    expect(preflightPassed([unknown])).toBe(true);
  });
});

describe('image platforms', () => {
  it.each([
    ['x86_64', 'linux/amd64'],
    ['amd64', 'linux/amd64'],
    ['x64', 'linux/amd64'],
    ['aarch64', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['armv7l', 'linux/arm/v7'],
    ['armv6l', 'linux/arm/v6'],
  ])('host %s is %s', (machine, platform) => {
    expect(hostPlatform(machine)).toEqual(parsePlatform(platform));
  });

  it.each([
    ['aarch64', 'linux/arm64', true],
    ['aarch64', 'linux/arm64/v8', true],
    ['arm64', 'linux/amd64', false],
    ['x86_64', 'linux/amd64', true],
    ['x86_64', 'linux/arm64', false],
    ['armv7l', 'linux/arm/v7', true],
    ['armv7l', 'linux/arm/v6', true],
    ['armv6l', 'linux/arm/v7', false],
    ['aarch64', 'linux/arm/v7', false],
    ['x86_64', 'windows/amd64', false],
  ])('host %s runs %s: %s', (machine, platform, runs) => {
    expect(platformRuns(hostPlatform(machine), parsePlatform(platform))).toBe(runs);
  });

  // Captured: the bed registry's manifest list (docker media types), and an OCI index of buildx
  // with provenance (attestation manifests for unknown/unknown).
  const manifestList = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
  "manifests": [
    { "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": "sha256:8cb0", "size": 1225, "platform": { "architecture": "amd64", "os": "linux" } },
    { "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": "sha256:bf9c", "size": 1225, "platform": { "architecture": "arm64", "os": "linux" } }
  ]
}`;
  const ociIndex = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:1', size: 1, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:2', size: 1, platform: { architecture: 'arm64', os: 'linux' } },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:3',
        size: 1,
        annotations: { 'vnd.docker.reference.digest': 'sha256:2', 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      },
    ],
  });
  const singleManifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: 'sha256:c' }, layers: [] });

  it('reads an index or manifest list, skipping attestations; a single manifest has none', () => {
    expect(platformsFromRawManifest(manifestList)).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
    expect(platformsFromRawManifest(ociIndex)).toEqual([{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm64' }]);
    expect(platformsFromRawManifest(singleManifest)).toBeUndefined();
    expect(() => platformsFromRawManifest('no such manifest')).toThrow(/expected the output of `docker buildx imagetools inspect --raw`/);
  });

  it('reads image configs (single or per platform)', () => {
    expect(platformsFromImageConfig('{"architecture":"arm64","os":"linux","config":{}}')).toEqual([{ os: 'linux', architecture: 'arm64' }]);
    expect(platformsFromImageConfig('{"linux/amd64":{"architecture":"amd64","os":"linux"},"linux/arm/v7":{"architecture":"arm","os":"linux","variant":"v7"}}')).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
  });

  it('judges an image against the host', () => {
    const pi = hostPlatform('aarch64');
    const both = platformsFromRawManifest(manifestList) ?? [];
    expect(checkImage('ghcr.io/o/s:v1', { found: true, where: 'registry', platforms: both }, pi, 'prod')).toMatchObject({
      name: 'image ghcr.io/o/s:v1',
      ok: true,
      message: 'ghcr.io/o/s:v1 (registry) has linux/arm64 among linux/amd64, linux/arm64',
    });
    const amd = checkImage('ghcr.io/o/s:v1', { found: true, where: 'local', platforms: [parsePlatform('linux/amd64')] }, pi, 'prod');
    expect(amd).toMatchObject({ ok: false, severity: 'error', message: 'ghcr.io/o/s:v1 (local) is built for linux/amd64; expected linux/arm64 (this host)' });
    expect(amd.fix).toMatch(/--platform linux\/arm64/);
    const missing = checkImage('ghcr.io/o/s:v9', { found: false, reason: 'ghcr.io/o/s:v9: not found' }, pi, 'dev');
    expect(missing).toMatchObject({ ok: false, severity: 'error', message: 'ghcr.io/o/s:v9 not found: ghcr.io/o/s:v9: not found' });
    expect(imageInspectPlatformArgs('x:1')).toEqual(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}', 'x:1']);
  });

  it('parsePlatform says what it expected', () => {
    expect(() => parsePlatform('arm64')).toThrow(/expected OS\/ARCH\[\/VARIANT\]/);
  });
});

describe('secrets and compose config', () => {
  it.each([
    [{ kind: 'file', size: 32 }, true, /exists \(32 bytes\)/],
    [{ kind: 'file', size: 0 }, false, /is empty; expected the secret's value/],
    [{ kind: 'missing' }, false, /does not exist; expected a non-empty file/],
    [{ kind: 'not-a-file', type: 'directory' }, false, /is a directory; expected a regular non-empty file/],
    [{ kind: 'inaccessible', reason: 'EACCES' }, false, /cannot be checked \(EACCES\)/],
  ] as const)('%j', (fact, ok, message) => {
    const r = checkSecretFile('api_token', '/opt/synapse/secrets/api_token', fact, 'prod');
    expect(r).toMatchObject({ name: 'secret api_token', ok, severity: 'error' });
    expect(r.message).toMatch(message);
    expect(r.fix === undefined).toBe(ok);
  });

  it('builds the compose config argv', () => {
    expect(composeConfigArgs({ files: ['compose/docker-compose.yml'] })).toEqual(['compose', '-f', 'compose/docker-compose.yml', 'config', '-q']);
    expect(composeConfigArgs({ files: ['a.yml', 'b.yml'], projectName: 'synapse', profiles: ['rollout'], envFiles: ['.env'] })).toEqual([
      'compose', '-f', 'a.yml', '-f', 'b.yml', '--project-name', 'synapse', '--profile', 'rollout', '--env-file', '.env', 'config', '-q',
    ]);
    expect(() => composeConfigArgs({ files: [] })).toThrow(/expected at least one compose file/);
  });

  it('reports compose config failures with the last lines of stderr', () => {
    expect(checkComposeConfig(['a.yml'], { ok: true }, 'prod')).toMatchObject({ ok: true, name: 'compose-config' });
    const bad = checkComposeConfig(['a.yml'], { ok: false, stderr: 'services.web Additional property imgae is not allowed\n' }, 'prod');
    expect(bad).toMatchObject({ ok: false, severity: 'error', message: 'a.yml is not a valid compose configuration: services.web Additional property imgae is not allowed' });
    expect(bad.fix).toBe('fix the file, then `docker compose -f a.yml config -q`');
  });
});
