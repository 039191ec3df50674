import { createConnection, createServer, type Server, type Socket } from 'node:net';

// A TCP forwarder on 127.0.0.1 in front of a real service (a registry), which a test can take down
// and bring back up: down, nothing listens on its port (connections are refused, as when the service
// is stopped), and every open connection is ended gracefully. It can also go down by itself at an
// exact point of a conversation: right after the answer to the first HTTP request whose request
// line matches a pattern has been passed on. That makes "the registry went away between these two
// calls" deterministic, which killing a process at the right moment never is.

export interface TcpGate {
  /** `127.0.0.1:PORT`. */
  host: string;
  port: number;
  /** Request lines seen (`PUT /v2/…/manifests/v1 HTTP/1.1`), in order. */
  requests: string[];
  /** True while it refuses connections. */
  readonly isDown: boolean;
  /** Goes down once the answer to the next request whose request line matches `pattern` is passed on; resolves then. */
  downAfterAnswerTo(pattern: RegExp): Promise<void>;
  /**
   * Holds every request whose request line matches `pattern` (and whatever follows it on its
   * connection) until `release` resolves, then passes it all on in order: makes two clients'
   * calls interleave in the order a test needs.
   */
  hold(pattern: RegExp, release: Promise<void>): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const requestLine = /(?:^|\r\n)((?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+ HTTP\/1\.[01])\r\n/g;

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let isDown = false;
  let trigger: { pattern: RegExp; fired: () => void } | null = null;
  const holds: { pattern: RegExp; released: boolean; waiting: Array<() => void> }[] = [];

  const server: Server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    sockets.add(client);
    sockets.add(upstream);
    /** Set when this connection carried the triggering request: its next answer takes the gate down. */
    let armed = false;
    /** Chunks held back on this connection, in order; null while nothing is held. */
    let held: Buffer[] | null = null;
    client.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString('latin1').matchAll(requestLine)) {
        requests.push(match[1]!);
        if (trigger && trigger.pattern.test(match[1]!)) armed = true;
        const hold = holds.find((h) => !h.released && h.pattern.test(match[1]!));
        if (hold && held === null) {
          const queue: Buffer[] = [];
          held = queue;
          hold.waiting.push(() => {
            held = null;
            for (const part of queue) upstream.write(part);
          });
        }
      }
      if (held) held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!armed) {
        client.write(chunk);
        return;
      }
      armed = false;
      const fired = trigger?.fired;
      trigger = null;
      client.write(chunk, () => {
        void goDown().then(() => fired?.());
      });
    });
    const drop = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });

  let port = 0;
  await listen();
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;

  async function goDown(): Promise<void> {
    if (isDown) return;
    isDown = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Graceful: what was already written still reaches the peer before the FIN.
    for (const socket of sockets) socket.end();
    setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, 2000).unref();
    await closed;
  }

  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    get isDown() {
      return isDown;
    },
    downAfterAnswerTo(pattern) {
      return new Promise<void>((resolve) => {
        trigger = { pattern, fired: resolve };
      });
    },
    hold(pattern, release) {
      const entry = { pattern, released: false, waiting: [] as Array<() => void> };
      holds.push(entry);
      void release.then(() => {
        entry.released = true;
        for (const flush of entry.waiting.splice(0)) flush();
      });
    },
    down: goDown,
    async up() {
      if (!isDown) return;
      await listen();
      isDown = false;
    },
    async close() {
      trigger = null;
      await goDown();
    },
  };
}
