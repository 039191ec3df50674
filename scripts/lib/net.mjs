// Small network helpers shared by the benchmarks (bench/) and the demo (scripts/demo/).
import { createServer, request } from 'node:http';

/** GET http://127.0.0.1:PORT/PATH on a new connection; resolves { status, body }, rejects on a network error or the timeout. */
export function httpGet(port, path, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port nothing listens on right now on 127.0.0.1, picked by the kernel (ephemeral range, so never 8002/8003). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
