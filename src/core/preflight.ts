/**
 * The deploy pre-flight, pure part: the result model, the severity policy per environment, the
 * parsers of the raw host facts (cgroups, `ss`, /proc/net/tcp, `docker ps`, image manifests) and
 * the decisions made on them. The facts are gathered by src/adapters/host-probes.ts; nothing here
 * touches the host, so every rule is tested with tables of captured real outputs.
 */

export type Severity = 'error' | 'warning';

/** One check of the pre-flight. A failed check with severity `error` stops the deploy. */
export interface CheckResult {
  /** What was checked, e.g. `memory-cgroup`, `port 8002`, `image ghcr.io/o/s:v1`, `secret api_token`. */
  name: string;
  ok: boolean;
  severity: Severity;
  message: string;
  /** What to do about a failure: a command or a setting. */
  fix?: string;
}

export type PreflightEnvironment = 'dev' | 'prod';

export type CheckKind = 'compose-config' | 'image' | 'memory-cgroup' | 'disk' | 'port' | 'secret';

/**
 * How bad a failed check is in an environment. A missing memory cgroup only drops the limits (the
 * engine warns and starts the container without them): tolerable on dev, a hard error on prod.
 * Everything else would make the deploy itself fail, so it is an error everywhere.
 */
export function severityFor(kind: CheckKind, env: PreflightEnvironment): Severity {
  if (kind === 'memory-cgroup') return env === 'prod' ? 'error' : 'warning';
  return 'error';
}

/** True when no failed check is an error: the deploy may go ahead (warnings are shown). */
export function preflightPassed(results: readonly CheckResult[]): boolean {
  return !results.some((r) => !r.ok && r.severity === 'error');
}

function result(kind: CheckKind, env: PreflightEnvironment, name: string, ok: boolean, message: string, fix?: string): CheckResult {
  return { name, ok, severity: severityFor(kind, env), message, ...(fix !== undefined && !ok && { fix }) };
}

// ---------------------------------------------------------------------------------------------
// Memory cgroup

export interface CgroupFiles {
  /** /proc/self/cgroup */
  procSelfCgroup: string;
  /** /proc/cgroups, when the file exists (kernels may drop it on cgroup v2 only systems). */
  procCgroups?: string | undefined;
  /** cgroup.controllers of the unified hierarchy (/sys/fs/cgroup, or /sys/fs/cgroup/unified in hybrid mode). */
  controllers?: string | undefined;
}

export interface MemoryCgroupFact {
  /** v2: unified only; v1: legacy hierarchies (possibly with an empty unified one: "hybrid"). */
  version: 'v1' | 'v2';
  enabled: boolean;
  /** Which line or file said so, for the message. */
  evidence: string;
}

/**
 * Whether the memory controller is usable. cgroup v2 (a single `0::/…` line in /proc/self/cgroup):
 * `memory` listed in cgroup.controllers. v1 or hybrid: the `memory` row of /proc/cgroups is enabled
 * and mounted (hierarchy ≠ 0), or the controller sits in the unified hierarchy. A Raspberry Pi
 * boots with `cgroup_disable=memory`: the row reads `memory 0 … 0` and cgroup.controllers lacks it.
 */
export function parseMemoryCgroup(files: CgroupFiles): MemoryCgroupFact {
  const lines = files.procSelfCgroup.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw new Error('/proc/self/cgroup is empty; expected lines like `0::/` (v2) or `4:memory:/` (v1)');
  const v2Only = lines.every((l) => l.startsWith('0::'));
  const unified = (files.controllers ?? '').split(/\s+/).filter(Boolean);
  if (v2Only) {
    if (files.controllers === undefined) {
      throw new Error('cgroup v2 host without a readable cgroup.controllers; expected /sys/fs/cgroup/cgroup.controllers');
    }
    const enabled = unified.includes('memory');
    return { version: 'v2', enabled, evidence: `cgroup.controllers: ${unified.join(' ') || '(empty)'}` };
  }
  if (unified.includes('memory')) return { version: 'v1', enabled: true, evidence: 'memory in the unified hierarchy (cgroup.controllers)' };
  const row = (files.procCgroups ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[0] === 'memory');
  if (!row) return { version: 'v1', enabled: false, evidence: '/proc/cgroups has no memory row' };
  const [, hierarchy, , enabledCol] = row;
  const enabled = enabledCol === '1' && hierarchy !== '0';
  return { version: 'v1', enabled, evidence: `/proc/cgroups: ${row.join(' ')} (subsys hierarchy num_cgroups enabled)` };
}

export const memoryCgroupFix =
  'add `cgroup_enable=memory cgroup_memory=1` to the kernel command line (/boot/firmware/cmdline.txt on Raspberry Pi OS, one line) and reboot';

/**
 * `engineMemoryLimit` is `docker info`'s MemoryLimit when known: the engine's own view wins over
 * the files (a rootless or remote engine may see other cgroups than this process).
 */
export function checkMemoryCgroup(fact: MemoryCgroupFact, env: PreflightEnvironment, engineMemoryLimit?: boolean): CheckResult {
  const enabled = engineMemoryLimit ?? fact.enabled;
  const consequence = env === 'prod' ? 'prod needs them' : 'dev runs without them';
  const message = enabled
    ? `memory cgroup enabled (cgroup ${fact.version}; ${fact.evidence})`
    : `memory cgroup disabled (cgroup ${fact.version}; ${fact.evidence}${engineMemoryLimit === false ? '; docker info: MemoryLimit false' : ''}): compose would silently drop the memory limits; ${consequence}`;
  return result('memory-cgroup', env, 'memory-cgroup', enabled, message, memoryCgroupFix);
}

// ---------------------------------------------------------------------------------------------
// Listening TCP sockets

export interface SocketProcess {
  name: string;
  pid: number;
}

export interface TcpListener {
  /** Local address as the kernel has it: `0.0.0.0`, `127.0.0.1`, `::`, `::1`, `*` (any, both families). */
  address: string;
  port: number;
  /** Empty when not visible (ss without privileges, another user's process). */
  processes: SocketProcess[];
}

/** `users:(("caddy",pid=123,fd=7),("caddy",pid=124,fd=7))` → processes, duplicates dropped. */
export function parseSsUsers(text: string): SocketProcess[] {
  const out: SocketProcess[] = [];
  for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)) {
    const process = { name: m[1] ?? '', pid: Number(m[2]) };
    if (!out.some((p) => p.pid === process.pid)) out.push(process);
  }
  return out;
}

/** `127.0.0.1:5000`, `[::]:80`, `*:22`, `127.0.0.53%lo:53`, `[fe80::1%eth0]:80` → address and port. */
export function parseSocketAddress(text: string): { address: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^\s]*?)):(\d+|\*)$/.exec(text);
  if (!m || m[3] === '*') throw new Error(`socket address ${JSON.stringify(text)} is not valid; expected ADDRESS:PORT or [IPV6]:PORT`);
  const raw = (m[1] ?? m[2] ?? '').replace(/%.*$/, '');
  return { address: normalizeAddress(raw), port: Number(m[3]) };
}

function normalizeAddress(address: string): string {
  if (address === '' || address === '*') return '*';
  if (address.toLowerCase().startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  return address.toLowerCase();
}

/**
 * `ss -ltnpH` (listening TCP, numeric, processes, no header): one line per socket,
 * `LISTEN 0 4096 127.0.0.1:5000 0.0.0.0:* users:(("docker-registry",pid=18612,fd=3))`.
 * Lines of other states (an `ss -tanpH` output) are skipped.
 */
export function parseSsListeners(output: string): TcpListener[] {
  const listeners: TcpListener[] = [];
  for (const line of output.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[0] !== 'LISTEN') continue;
    const { address, port } = parseSocketAddress(cols[3] ?? '');
    listeners.push({ address, port, processes: parseSsUsers(cols.slice(5).join(' ')) });
  }
  return listeners;
}

export interface ProcNetTcpEntry {
  address: string;
  port: number;
  inode: number;
}

/**
 * Listening sockets (state 0A) of /proc/net/tcp or /proc/net/tcp6. Addresses are hex in host
 * byte order per 32-bit word (little-endian on arm64 and amd64): `0100007F:1388` is 127.0.0.1:5000.
 */
export function parseProcNetTcp(text: string, family: 4 | 6): ProcNetTcpEntry[] {
  const entries: ProcNetTcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== '0A') continue;
    const [hexAddress = '', hexPort = ''] = (cols[1] ?? '').split(':');
    entries.push({ address: decodeProcAddress(hexAddress, family), port: parseInt(hexPort, 16), inode: Number(cols[9]) });
  }
  return entries;
}

function decodeProcAddress(hex: string, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(chunk.slice(i, i + 2), 16));
  }
  if (family === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** `socket:[123456]` (a /proc/<pid>/fd link) → 123456; anything else → undefined. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** /proc/net/tcp entries with the processes whose fds hold their inode. */
export function listenersFromProc(entries: readonly ProcNetTcpEntry[], owners: ReadonlyMap<number, SocketProcess[]>): TcpListener[] {
  return entries.map((e) => ({ address: e.address, port: e.port, processes: owners.get(e.inode) ?? [] }));
}

// ---------------------------------------------------------------------------------------------
// Published ports of containers and port conflicts

export interface PublishedPort {
  /** Host address, `0.0.0.0`, `::` or a specific one. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: string;
}

export interface ContainerPorts {
  id: string;
  name: string;
  /** com.docker.compose.project, empty for a container compose did not start. */
  project: string;
  service: string;
  ports: PublishedPort[];
}

/** The `docker ps` format `containersFromPs` reads: tab-separated, one container a line. */
export const psPortsFormat =
  '{{.ID}}\t{{.Names}}\t{{.Label "com.docker.compose.project"}}\t{{.Label "com.docker.compose.service"}}\t{{.Ports}}';

/** argv of `docker ps` for the running containers' published ports, of one compose project or all. */
export function psPortsArgs(project?: string): string[] {
  return ['ps', ...(project ? ['--filter', `label=com.docker.compose.project=${project}`] : []), '--no-trunc', '--format', psPortsFormat];
}

/**
 * `docker ps`'s Ports column: `0.0.0.0:8002->8002/tcp, :::8002->8002/tcp`, ranges
 * `127.0.0.1:8000-8001->80-81/tcp`, and exposed-only `8002/tcp` (skipped: nothing on the host).
 */
export function parsePsPorts(text: string): PublishedPort[] {
  const ports: PublishedPort[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(.*):(\d+)(?:-(\d+))?->(\d+)(?:-(\d+))?\/(\w+)$/.exec(item);
    if (!m) continue;
    const hostIp = normalizeAddress((m[1] ?? '').replace(/^\[(.*)\]$/, '$1'));
    const first = Number(m[2]);
    const last = m[3] ? Number(m[3]) : first;
    const containerFirst = Number(m[4]);
    for (let port = first; port <= last; port++) {
      ports.push({ hostIp: hostIp === '*' ? '0.0.0.0' : hostIp, hostPort: port, containerPort: containerFirst + (port - first), protocol: m[6] ?? 'tcp' });
    }
  }
  return ports;
}

export function containersFromPs(output: string): ContainerPorts[] {
  return output
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [id = '', name = '', project = '', service = '', ports = ''] = line.split('\t');
      return { id, name, project, service, ports: parsePsPorts(ports) };
    });
}

function isWildcard(address: string): boolean {
  return address === '*' || address === '0.0.0.0' || address === '::';
}

/** Whether a bind of `wanted` would fail with EADDRINUSE because of a socket on `held` (same port). */
export function addressesOverlap(wanted: string, held: string): boolean {
  const a = normalizeAddress(wanted);
  const b = normalizeAddress(held);
  if (a === b || isWildcard(a) && isWildcard(b)) return true;
  const family = (x: string) => (x.includes(':') ? 6 : 4);
  // 0.0.0.0 clashes with every IPv4 address, `::` (dual-stack) with all, `*` with all.
  if (a === '*' || b === '*' || a === '::' || b === '::') return true;
  if (a === '0.0.0.0') return family(b) === 4;
  if (b === '0.0.0.0') return family(a) === 4;
  return false;
}

export interface WantedPort {
  port: number;
  /** Host address compose publishes on; `0.0.0.0` (all) when the service gives none. */
  hostIp?: string | undefined;
}

export type PortState =
  | { state: 'free' }
  | { state: 'ours'; containers: string[] }
  | { state: 'conflict'; holders: string[] };

const PROXY = 'docker-proxy';

/**
 * Who holds `wanted`: nobody, our compose project's containers (a redeploy replaces them), or
 * something else. A listener counts as ours only when every process on it is docker-proxy (or
 * invisible) and a container of `project` publishes that port; a proxy for another project's
 * container is a conflict that names the container.
 */
export function classifyPort(wanted: WantedPort, listeners: readonly TcpListener[], containers: readonly ContainerPorts[], project: string): PortState {
  const hostIp = wanted.hostIp ?? '0.0.0.0';
  const publishing = (c: ContainerPorts) => c.ports.some((p) => p.protocol === 'tcp' && p.hostPort === wanted.port && addressesOverlap(hostIp, p.hostIp));
  const ours = containers.filter((c) => c.project === project && publishing(c)).map((c) => c.name);
  const theirs = containers.filter((c) => c.project !== project && publishing(c));
  const holders: string[] = [];
  for (const l of listeners) {
    if (l.port !== wanted.port || !addressesOverlap(hostIp, l.address)) continue;
    const at = `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
    const foreign = l.processes.filter((p) => p.name !== PROXY);
    if (foreign.length > 0) {
      holders.push(...foreign.map((p) => `${p.name} (pid ${p.pid}) on ${at}`));
    } else if (ours.length === 0) {
      const who = l.processes.length > 0 ? l.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ') : 'a process this user cannot see (run as root to name it)';
      const containersText = theirs.length > 0 ? ` for container ${theirs.map((c) => c.name + (c.project ? ` (compose project ${c.project})` : '')).join(', ')}` : '';
      holders.push(`${who}${containersText} on ${at}`);
    }
  }
  // A container publishing the port without a visible listener (userland proxy off: iptables only).
  if (holders.length === 0 && theirs.length > 0 && !listeners.some((l) => l.port === wanted.port && addressesOverlap(hostIp, l.address))) {
    holders.push(...theirs.map((c) => `container ${c.name}${c.project ? ` (compose project ${c.project})` : ''}`));
  }
  if (holders.length > 0) return { state: 'conflict', holders: [...new Set(holders)] };
  return ours.length > 0 ? { state: 'ours', containers: ours } : { state: 'free' };
}

export function checkPort(wanted: WantedPort, state: PortState, env: PreflightEnvironment): CheckResult {
  const at = `${wanted.hostIp ?? '0.0.0.0'}:${wanted.port}`;
  const name = `port ${wanted.port}`;
  switch (state.state) {
    case 'free':
      return result('port', env, name, true, `${at} is free`);
    case 'ours':
      return result('port', env, name, true, `${at} is held by our own container ${state.containers.join(', ')} (replaced by the deploy)`);
    case 'conflict':
      return result(
        'port',
        env,
        name,
        false,
        `${at} is in use by ${state.holders.join('; ')}; expected it free or held by this compose project's containers`,
        `stop that process or container, or publish the service on another port`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Free disk

export interface DiskNeed {
  /** Bytes the pull will write (compressed layers plus their unpacked size). */
  neededBytes: number;
  /** Extra fraction kept free on top of the need (default 0.2). */
  marginRatio?: number;
  /** Minimum bytes left free after the pull whatever the need (default 512 MiB). */
  minFreeBytes?: number;
}

/** needed + max(needed × margin, minimum free): what must be available before the pull. */
export function requiredFreeBytes(need: DiskNeed): number {
  if (!Number.isFinite(need.neededBytes) || need.neededBytes < 0) {
    throw new Error(`needed bytes ${need.neededBytes} is not valid; expected a number >= 0`);
  }
  const margin = need.neededBytes * (need.marginRatio ?? 0.2);
  return Math.ceil(need.neededBytes + Math.max(margin, need.minFreeBytes ?? 512 * 1024 ** 2));
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function diskFix(path: string): string {
  return `free space on ${path} (\`docker image prune\`, \`docker builder prune\`) or move Docker's data-root`;
}

export function checkDisk(path: string, availableBytes: number, need: DiskNeed, env: PreflightEnvironment): CheckResult {
  const required = requiredFreeBytes(need);
  const ok = availableBytes >= required;
  const wanted = `${formatBytes(required)} (pull ${formatBytes(need.neededBytes)} plus margin)`;
  const message = ok ? `${formatBytes(availableBytes)} free on ${path}; ${wanted} needed` : `${formatBytes(availableBytes)} free on ${path}; expected at least ${wanted}`;
  return result('disk', env, 'disk', ok, message, diskFix(path));
}

/**
 * A warning, never an error: free space that cannot be measured here (an engine on another host,
 * a data root this user cannot see, a registry that will not list sizes) must not block a deploy
 * the pull itself may well manage.
 */
export function checkDiskUnknown(path: string, reason: string, env: PreflightEnvironment): CheckResult {
  return { ...result('disk', env, 'disk', false, `free space on ${path} for the pull could not be checked: ${reason}`, diskFix(path)), severity: 'warning' };
}

/** Layers unpack to about this many times their compressed size (gzip of binaries and libraries). */
export const UNPACKED_RATIO = 3;

/** A platform of a pushed image and its compressed size, as the registry lists it (`linux/arm64`, or `unknown` for a single manifest). */
export interface PlatformBytes {
  platform: string;
  size: number;
}

/**
 * What pulling an image writes: the compressed layers of the platform this host runs plus their
 * unpacked size. A single manifest names no platform, and an image without this host's platform
 * fails the image check anyway: both count the largest platform, so the estimate never falls short.
 */
export function pullNeedBytes(platforms: readonly PlatformBytes[], host: Platform): number {
  const runs = (p: PlatformBytes) => p.platform.includes('/') && platformRuns(host, parsePlatform(p.platform));
  const sizes = platforms.filter(runs).map((p) => p.size);
  const compressed = Math.max(0, ...(sizes.length > 0 ? sizes : platforms.map((p) => p.size)));
  return compressed * (1 + UNPACKED_RATIO);
}

// ---------------------------------------------------------------------------------------------
// Image platforms

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

/**
 * Architecture names as `uname -m`, Node's process.arch, Go/OCI and Debian spell them → OCI
 * (architecture and the variant the name implies).
 */
export function normalizeArchitecture(name: string): { architecture: string; variant?: string } {
  const n = name.trim().toLowerCase();
  switch (n) {
    case 'x86_64':
    case 'x64':
    case 'amd64':
      return { architecture: 'amd64' };
    case 'aarch64':
    case 'arm64':
    case 'arm64/v8':
    case 'armv8':
    case 'armv8l':
      return { architecture: 'arm64' };
    case 'armv7l':
    case 'armv7':
    case 'armhf':
    case 'arm/v7':
      return { architecture: 'arm', variant: 'v7' };
    case 'armv6l':
    case 'armv6':
    case 'armel':
    case 'arm/v6':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return { architecture: 'arm' };
    case 'i386':
    case 'i686':
    case 'x86':
    case 'ia32':
    case '386':
      return { architecture: '386' };
    default:
      return { architecture: n };
  }
}

/** `linux/arm64`, `linux/arm/v7`, `linux/arm64/v8` → Platform. */
export function parsePlatform(text: string): Platform {
  const [os = '', ...rest] = text.trim().split('/');
  if (!os || rest.length === 0) throw new Error(`platform ${JSON.stringify(text)} is not valid; expected OS/ARCH[/VARIANT] such as linux/arm64`);
  const arch = normalizeArchitecture(rest.join('/'));
  const variant = arch.architecture === 'arm64' ? undefined : (rest[1] ?? arch.variant);
  return { os, architecture: arch.architecture, ...(variant && { variant }) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The host as a platform, from `docker info`'s Architecture or `uname -m`: `x86_64` → linux/amd64,
 * `aarch64` → linux/arm64, `armv7l` → linux/arm/v7.
 */
export function hostPlatform(machine: string, os = 'linux'): Platform {
  const arch = normalizeArchitecture(machine);
  return { os, architecture: arch.architecture, ...(arch.variant && { variant: arch.variant }) };
}

/** Whether the host runs an image of `image` natively: same OS and architecture; an ARM host runs older variants (v7 runs v6). */
export function platformRuns(host: Platform, image: Platform): boolean {
  if (host.os !== image.os) return false;
  const hostArch = normalizeArchitecture(host.architecture).architecture;
  const imageArch = normalizeArchitecture(image.architecture).architecture;
  if (hostArch !== imageArch) return false;
  if (imageArch !== 'arm' || !image.variant || !host.variant) return true;
  return Number(image.variant.replace(/^v/, '')) <= Number(host.variant.replace(/^v/, ''));
}

const attestationType = 'vnd.docker.reference.type';

/**
 * The platforms of an image from `docker buildx imagetools inspect --raw`: an OCI index or Docker
 * manifest list lists them (attestation manifests, `unknown/unknown`, are skipped); a single
 * manifest carries none and returns undefined (its config says: see `platformsFromImageConfig`).
 */
export function platformsFromRawManifest(raw: string): Platform[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`image manifest is not JSON; expected the output of \`docker buildx imagetools inspect --raw\`, got ${JSON.stringify(raw.slice(0, 80))}`);
  }
  const manifests = (json as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) return undefined;
  const platforms: Platform[] = [];
  for (const m of manifests as { platform?: { os?: string; architecture?: string; variant?: string }; annotations?: Record<string, string> }[]) {
    const p = m.platform;
    if (!p?.os || !p.architecture || p.os === 'unknown' || m.annotations?.[attestationType]) continue;
    platforms.push({ os: p.os, architecture: p.architecture, ...(p.variant && { variant: p.variant }) });
  }
  return platforms;
}

/**
 * `docker buildx imagetools inspect --format '{{json .Image}}'`: one config (`{"architecture":…,"os":…}`)
 * for a single manifest, or a map `"linux/amd64" → config` for an index.
 */
export function platformsFromImageConfig(text: string): Platform[] {
  const json = JSON.parse(text) as Record<string, unknown>;
  const one = (c: unknown): Platform | undefined => {
    const { os, architecture, variant } = (c ?? {}) as { os?: string; architecture?: string; variant?: string };
    return os && architecture ? { os, architecture, ...(variant && { variant }) } : undefined;
  };
  const single = one(json);
  if (single) return [single];
  return Object.values(json).map(one).filter((p): p is Platform => p !== undefined && p.os !== 'unknown');
}

/** `docker image inspect --format …` (see `imageInspectPlatformArgs`): `linux/arm64` or `linux/arm/v7`. */
export function imageInspectPlatformArgs(ref: string): string[] {
  return ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}', ref];
}

export function imagetoolsRawArgs(ref: string): string[] {
  return ['buildx', 'imagetools', 'inspect', '--raw', ref];
}

export function imagetoolsConfigArgs(ref: string): string[] {
  return ['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', ref];
}

export type ImageFact = { found: true; platforms: Platform[]; where: 'local' | 'registry' } | { found: false; reason: string };

export function checkImage(ref: string, fact: ImageFact, host: Platform, env: PreflightEnvironment): CheckResult {
  const name = `image ${ref}`;
  if (!fact.found) {
    return result('image', env, name, false, `${ref} not found: ${fact.reason}`, 'check the reference and tag, push the image, or `docker login` to its registry');
  }
  const list = fact.platforms.map(formatPlatform).join(', ') || 'none';
  const ok = fact.platforms.some((p) => platformRuns(host, p));
  const message = ok
    ? `${ref} (${fact.where}) has ${formatPlatform(host)} among ${list}`
    : `${ref} (${fact.where}) is built for ${list}; expected ${formatPlatform(host)} (this host)`;
  return result('image', env, name, ok, message, `build and push the image for ${formatPlatform(host)} (\`--platform ${formatPlatform(host)}\`)`);
}

// ---------------------------------------------------------------------------------------------
// Secret files and compose config

/** What `stat` says about a secret file. Its content is never read. */
export type SecretFileFact =
  | { kind: 'file'; size: number }
  | { kind: 'missing' }
  | { kind: 'not-a-file'; type: string }
  | { kind: 'inaccessible'; reason: string };

export function checkSecretFile(secret: string, path: string, fact: SecretFileFact, env: PreflightEnvironment): CheckResult {
  const name = `secret ${secret}`;
  const fix = `write the secret to ${path} (one file, mode 600, owned by the deploy user)`;
  switch (fact.kind) {
    case 'file':
      return fact.size > 0
        ? result('secret', env, name, true, `${path} exists (${fact.size} bytes)`)
        : result('secret', env, name, false, `${path} is empty; expected the secret's value`, fix);
    case 'missing':
      return result('secret', env, name, false, `${path} does not exist; expected a non-empty file`, fix);
    case 'not-a-file':
      return result('secret', env, name, false, `${path} is a ${fact.type}; expected a regular non-empty file`, fix);
    case 'inaccessible':
      return result('secret', env, name, false, `${path} cannot be checked (${fact.reason}); expected a readable path`, `give the deploy user access to ${path}`);
  }
}

export interface ComposeFiles {
  files: readonly string[];
  projectName?: string | undefined;
  profiles?: readonly string[] | undefined;
  envFiles?: readonly string[] | undefined;
}

/** argv of `docker compose … config -q`: validates the files and their interpolation, prints nothing. */
export function composeConfigArgs(compose: ComposeFiles): string[] {
  if (compose.files.length === 0) throw new Error('compose files: [] is not valid; expected at least one compose file');
  const args = ['compose'];
  for (const file of compose.files) args.push('-f', file);
  if (compose.projectName) args.push('--project-name', compose.projectName);
  for (const profile of compose.profiles ?? []) args.push('--profile', profile);
  for (const envFile of compose.envFiles ?? []) args.push('--env-file', envFile);
  args.push('config', '-q');
  return args;
}

export function checkComposeConfig(files: readonly string[], outcome: { ok: true } | { ok: false; stderr: string }, env: PreflightEnvironment): CheckResult {
  const which = files.join(', ');
  if (outcome.ok) return result('compose-config', env, 'compose-config', true, `${which}: valid`);
  const detail = outcome.stderr.trim().split('\n').slice(-5).join('\n') || 'no message';
  return result('compose-config', env, 'compose-config', false, `${which} is not a valid compose configuration: ${detail}`, `fix the file, then \`docker compose ${files.map((f) => `-f ${f}`).join(' ')} config -q\``);
}
