import { execFile } from 'node:child_process';
import { readdir, readFile, readlink, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  classifyPort,
  composeConfigArgs,
  containersFromPs,
  imageInspectPlatformArgs,
  imagetoolsConfigArgs,
  imagetoolsRawArgs,
  listenersFromProc,
  parseMemoryCgroup,
  parsePlatform,
  parseProcNetTcp,
  parseSsListeners,
  platformsFromImageConfig,
  platformsFromRawManifest,
  psPortsArgs,
  socketInode,
} from '../core/preflight.js';
import type {
  ComposeFiles,
  ContainerPorts,
  ImageFact,
  MemoryCgroupFact,
  PortState,
  SecretFileFact,
  SocketProcess,
  TcpListener,
  WantedPort,
} from '../core/preflight.js';
import { createDocker, DockerError } from './docker.js';
import type { Docker } from './docker.js';

const execFileAsync = promisify(execFile);

/** What `docker info` says about the engine the deploy talks to. */
export interface EngineInfo {
  /** `uname -m` of the engine's host: `x86_64`, `aarch64`, `armv7l`. */
  architecture: string;
  osType: string;
  /** False when the engine found no memory cgroup (it then ignores memory limits). */
  memoryLimit: boolean;
  /** Where images live (`/var/lib/docker`): the filesystem whose free space a pull needs. */
  dockerRootDir: string;
}

export interface DiskSpace {
  path: string;
  /** Bytes available to an unprivileged writer (statfs bavail × bsize). */
  availableBytes: number;
  totalBytes: number;
}

export interface ListenersFact {
  listeners: TcpListener[];
  /** `ss` (iproute2) or `proc` (/proc/net/tcp{,6} and /proc/<pid>/fd, when ss is missing or fails). */
  source: 'ss' | 'proc';
}

export type ComposeConfigOutcome = { ok: true } | { ok: false; stderr: string };

/** The host facts of the deploy pre-flight. Decisions on them are in core/preflight.ts. */
export interface HostProbes {
  memoryCgroup(): Promise<MemoryCgroupFact>;
  engineInfo(): Promise<EngineInfo>;
  freeDisk(path: string): Promise<DiskSpace>;
  tcpListeners(): Promise<ListenersFact>;
  /** Running containers with their published ports: of one compose project, or all of them. */
  publishedPorts(project?: string): Promise<ContainerPorts[]>;
  /** Free, held by `project`'s own containers, or in conflict (naming the process or container). */
  portState(wanted: WantedPort, project: string): Promise<PortState>;
  /** `local`: `docker image inspect`; `registry`: `docker buildx imagetools inspect` (nothing pulled). */
  imagePlatforms(ref: string, where: 'local' | 'registry'): Promise<ImageFact>;
  /** stat only: the content of a secret is never read. */
  secretFile(path: string): Promise<SecretFileFact>;
  /** `docker compose -f … config -q`; `env` holds the interpolation variables of this run. */
  composeConfig(compose: ComposeFiles, options?: { env?: Record<string, string>; cwd?: string }): Promise<ComposeConfigOutcome>;
}

export interface HostProbesOptions {
  docker?: Docker;
  /** Prefix of /proc and /sys (tests point it at a copy); default `/`. */
  root?: string;
  /** The `ss` binary; a path that does not exist forces the /proc fallback. */
  ssPath?: string;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
}

export function createHostProbes(options: HostProbesOptions = {}): HostProbes {
  const docker = options.docker ?? createDocker();
  const root = options.root ?? '/';
  const at = (path: string) => join(root, path);
  const ssPath = options.ssPath ?? 'ss';

  async function memoryCgroup(): Promise<MemoryCgroupFact> {
    const procSelfCgroup = await readFile(at('proc/self/cgroup'), 'utf8');
    const procCgroups = await readOptional(at('proc/cgroups'));
    const controllers = (await readOptional(at('sys/fs/cgroup/cgroup.controllers'))) ?? (await readOptional(at('sys/fs/cgroup/unified/cgroup.controllers')));
    return parseMemoryCgroup({ procSelfCgroup, procCgroups, controllers });
  }

  async function engineInfo(): Promise<EngineInfo> {
    const { stdout } = await docker.run(['info', '--format', '{{.Architecture}}\t{{.OSType}}\t{{.MemoryLimit}}\t{{.DockerRootDir}}']);
    const [architecture = '', osType = '', memoryLimit = '', dockerRootDir = ''] = stdout.trim().split('\t');
    if (!architecture || !['true', 'false'].includes(memoryLimit)) {
      throw new Error(`docker info printed ${JSON.stringify(stdout.trim())}; expected ARCHITECTURE<TAB>OSTYPE<TAB>true|false<TAB>ROOTDIR`);
    }
    return { architecture, osType, memoryLimit: memoryLimit === 'true', dockerRootDir };
  }

  async function freeDisk(path: string): Promise<DiskSpace> {
    const s = await statfs(path).catch((error: unknown) => {
      throw new Error(`free disk of ${path}: ${String(error)}; expected an existing path on the filesystem to check`, { cause: error });
    });
    return { path, availableBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  }

  async function listenersFromSs(): Promise<TcpListener[] | undefined> {
    try {
      const { stdout } = await execFileAsync(ssPath, ['-ltnpH'], { maxBuffer: 16 * 1024 * 1024 });
      return parseSsListeners(stdout);
    } catch {
      return undefined;
    }
  }

  async function socketOwners(inodes: ReadonlySet<number>): Promise<Map<number, SocketProcess[]>> {
    const owners = new Map<number, SocketProcess[]>();
    const pids = (await readdir(at('proc'))).filter((name) => /^\d+$/.test(name));
    await Promise.all(
      pids.map(async (pid) => {
        let fds: string[];
        try {
          fds = await readdir(at(`proc/${pid}/fd`));
        } catch {
          return; // another user's process, or gone
        }
        let name: string | undefined;
        for (const fd of fds) {
          const inode = socketInode(await readlink(at(`proc/${pid}/fd/${fd}`)).catch(() => ''));
          if (inode === undefined || !inodes.has(inode)) continue;
          name ??= ((await readOptional(at(`proc/${pid}/comm`))) ?? '?').trim();
          const list = owners.get(inode) ?? [];
          if (!list.some((p) => p.pid === Number(pid))) list.push({ name, pid: Number(pid) });
          owners.set(inode, list);
        }
      }),
    );
    return owners;
  }

  async function listenersFromProcFs(): Promise<TcpListener[]> {
    const v4 = await readOptional(at('proc/net/tcp'));
    const v6 = await readOptional(at('proc/net/tcp6'));
    if (v4 === undefined && v6 === undefined) throw new Error(`neither ss nor ${at('proc/net/tcp')} is available; expected iproute2's ss or a /proc filesystem`);
    const entries = [...parseProcNetTcp(v4 ?? '', 4), ...parseProcNetTcp(v6 ?? '', 6)];
    const owners = await socketOwners(new Set(entries.map((e) => e.inode).filter((i) => i !== 0)));
    return listenersFromProc(entries, owners);
  }

  async function tcpListeners(): Promise<ListenersFact> {
    const fromSs = await listenersFromSs();
    if (fromSs) return { listeners: fromSs, source: 'ss' };
    return { listeners: await listenersFromProcFs(), source: 'proc' };
  }

  async function publishedPorts(project?: string): Promise<ContainerPorts[]> {
    const { stdout } = await docker.run(psPortsArgs(project));
    return containersFromPs(stdout);
  }

  async function portState(wanted: WantedPort, project: string): Promise<PortState> {
    const [{ listeners }, containers] = await Promise.all([tcpListeners(), publishedPorts()]);
    return classifyPort(wanted, listeners, containers, project);
  }

  async function imagePlatforms(ref: string, where: 'local' | 'registry'): Promise<ImageFact> {
    try {
      if (where === 'local') {
        const { stdout } = await docker.run(imageInspectPlatformArgs(ref));
        return { found: true, where, platforms: [parsePlatform(stdout.trim())] };
      }
      const { stdout } = await docker.run(imagetoolsRawArgs(ref));
      const platforms = platformsFromRawManifest(stdout) ?? platformsFromImageConfig((await docker.run(imagetoolsConfigArgs(ref))).stdout);
      return { found: true, where, platforms };
    } catch (error) {
      if (error instanceof DockerError) return { found: false, reason: lastLine(error.stderr) || error.message };
      throw error;
    }
  }

  async function secretFile(path: string): Promise<SecretFileFact> {
    try {
      const s = await stat(path);
      if (s.isFile()) return { kind: 'file', size: s.size };
      const type = s.isDirectory() ? 'directory' : s.isFIFO() ? 'named pipe' : s.isSocket() ? 'socket' : s.isCharacterDevice() || s.isBlockDevice() ? 'device' : 'special file';
      return { kind: 'not-a-file', type };
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return { kind: 'missing' };
      return { kind: 'inaccessible', reason: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  }

  async function composeConfig(compose: ComposeFiles, runOptions: { env?: Record<string, string>; cwd?: string } = {}): Promise<ComposeConfigOutcome> {
    try {
      await docker.run(composeConfigArgs(compose), runOptions);
      return { ok: true };
    } catch (error) {
      if (error instanceof DockerError && error.exitCode !== null) return { ok: false, stderr: error.stderr };
      throw error;
    }
  }

  return { memoryCgroup, engineInfo, freeDisk, tcpListeners, publishedPorts, portState, imagePlatforms, secretFile, composeConfig };
}
