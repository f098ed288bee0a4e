/**
 * `walletctl ui` (issue 17, SPEC §9): the real bin serves the built web UI from 127.0.0.1 with
 * the right content types and no way out of its folder, and prints an `rpc.allowedOrigins`
 * entry that walletd's own config loader accepts, in the file form and the environment form.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { resolveStaticPath } from '../../src/cli/static-server.ts';
import { ensureUiDist, UI_DIST } from '../web/browser.ts';
import { walletctl } from './run-walletctl.ts';

const BIN = fileURLToPath(new URL('../../bin/walletctl.mjs', import.meta.url));
let child: ChildProcess;
let banner: string;
let origin: string;

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port: Number(port), path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  ensureUiDist();
  child = spawn(process.execPath, [BIN, '--url', 'http://127.0.0.1:7390', 'ui', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ctrl-C')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`walletctl ui exited ${code}: ${out}`)));
  });
  origin = /walletd web UI: (http:\/\/127\.0\.0\.1:\d+)\//.exec(banner)![1]!;
}, 60_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('walletctl ui', () => {
  it('prints the URL (with the daemon to use) and a config entry walletd accepts', async () => {
    expect(banner).toContain(`${origin}/?daemon=${encodeURIComponent('http://127.0.0.1:7390')}`);
    const fileLine = banner.split('\n').find((l) => l.trim().startsWith('"rpc"'))!;
    const dir = await mkdtemp(join(tmpdir(), 'walletd-ui-config-'));
    try {
      await writeFile(join(dir, 'walletd.json'), `{${fileLine}}`);
      expect(loadConfig({ configFile: join(dir, 'walletd.json'), env: {} }).rpc.allowedOrigins).toEqual([origin]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const envLine = banner.split('\n').find((l) => l.includes('WALLETD_RPC_ALLOWED_ORIGINS='))!.trim();
    const [name, value] = envLine.split('=') as [string, string];
    expect(loadConfig({ env: { [name]: value } }).rpc.allowedOrigins).toEqual([origin]);
  });

  it('serves the UI with the right content types and refuses framing', async () => {
    const page = await rawGet('/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="app.js">');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await rawGet('/app.js')).type).toBe('text/javascript; charset=utf-8');
    expect((await rawGet('/app.css')).type).toBe('text/css; charset=utf-8');
    expect((await rawGet('/index.html?x=1')).status).toBe(200);
    expect((await rawGet('/missing.js')).status).toBe(404);
    // The page links an inline icon; a browser that asks anyway gets "no icon", not a 404.
    expect(page.body).toContain('<link rel="icon" href="data:,">');
    const icon = await rawGet('/favicon.ico');
    expect(icon.status).toBe(204);
    expect(icon.body).toBe('');
    expect((await rawGet('/', 'POST')).status).toBe(405);
    const head = await rawGet('/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('never serves a file outside its folder', async () => {
    for (const path of ['/../package.json', '/../../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/..\\package.json', '/%5c..%5cpackage.json', '/app.js%00.html', '/%E0%A4%A']) {
      const res = await rawGet(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('"name": "walletd"');
    }
    expect(resolveStaticPath(UI_DIST, '/../package.json')).toBeNull();
    expect(resolveStaticPath(UI_DIST, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveStaticPath(UI_DIST, '/')).toBe(join(UI_DIST, 'index.html'));
    expect(resolveStaticPath(UI_DIST, '/app.js')).toBe(join(UI_DIST, 'app.js'));
  });

  it('refuses a bad port as bad usage', async () => {
    const run = await walletctl(['ui', '--port', 'http']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port');
  });
});
