/**
 * A minimal static file server for the reference web UI (`walletctl ui`, issue 17). It exists so
 * the UI runs on an origin of its own: the daemon serves no HTML, so a bug in a page can never
 * run script on walletd's origin. node:http only, loopback only, GET and HEAD only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Content types of the files a built UI holds; anything else is served as bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Headers on every answer: no framing (a send form must not be clickjacked), no sniffing. */
const SAFETY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A running static server. */
export interface StaticServer {
  /** The origin it serves, e.g. `http://127.0.0.1:7381` (the value for `rpc.allowedOrigins`). */
  origin: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * The file under `root` that a URL path names, or null when it would leave `root` (`..`,
 * encoded `%2e%2e`, a backslash, a NUL) or cannot be decoded. `/` names `index.html`.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((part) => part === '..')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  return file === base || file.startsWith(`${base}${sep}`) ? file : null;
}

function answer(res: ServerResponse, status: number, body: string | Buffer, type: string, head: boolean): void {
  res.writeHead(status, { ...SAFETY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return answer(res, 405, 'method not allowed\n', CONTENT_TYPES['.txt']!, false);
  }
  const file = resolveStaticPath(root, req.url ?? '/');
  if (file === null) return answer(res, 400, 'bad path\n', CONTENT_TYPES['.txt']!, head);
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    const body = await readFile(file);
    return answer(res, 200, body, CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', head);
  } catch {
    // A browser asks for /favicon.ico on its own; "no icon" is an answer, not an error to log.
    if (req.url?.split('?')[0] === '/favicon.ico') {
      res.writeHead(204, SAFETY_HEADERS);
      return void res.end();
    }
    return answer(res, 404, 'not found\n', CONTENT_TYPES['.txt']!, head);
  }
}

/** Serves `root` on `host:port` (port 0 picks a free one); resolves once it listens. */
export async function serveStatic(root: string, opts: { host?: string; port?: number } = {}): Promise<StaticServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(root, req, res).catch(() => answer(res, 500, 'internal error\n', CONTENT_TYPES['.txt']!, false));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    origin: `http://${shown}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
