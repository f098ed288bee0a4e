/**
 * `walletctl ui [--port P]` (SPEC §9): serves the built reference web UI (clients/web/dist) on
 * its own loopback origin and prints the `rpc.allowedOrigins` entry walletd needs for it. The
 * daemon itself never serves HTML; the UI is a thin client on another origin.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { serveStatic, type StaticServer } from './static-server.ts';
import { UsageError } from './walletctl-schema.ts';

/** The default port of `walletctl ui`: the one after walletd's 7380. */
export const UI_DEFAULT_PORT = 7381;

/** The built UI: beside src/cli in a checkout, beside dist/src/cli in the compiled package. */
export function findUiDist(): string | null {
  for (const rel of ['../../clients/web/dist', '../../../clients/web/dist']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/index.html`)) return dir;
  }
  return null;
}

/** The lines `walletctl ui` prints: the URL, and the config entry in both forms config accepts. */
export function uiBanner(origin: string, daemonUrl: string | undefined): string[] {
  const page = daemonUrl ? `${origin}/?daemon=${encodeURIComponent(daemonUrl)}` : `${origin}/`;
  return [
    `walletd web UI: ${page}`,
    'Allow its origin in walletd (config file, or the environment), then restart walletd:',
    `  "rpc": { "allowedOrigins": ${JSON.stringify([origin])} }`,
    `  WALLETD_RPC_ALLOWED_ORIGINS=${origin}`,
    'Paste a token into the page; it stays in the page memory only. Ctrl-C stops the server.',
  ];
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return UI_DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`ui: --port takes 0..65535, got ${JSON.stringify(value)}`);
  return port;
}

/** Registers `ui` on walletctl's program. */
export function addUiCommand(program: Command): void {
  program
    .command('ui')
    .description('Serve the reference web UI on its own local origin and print the rpc.allowedOrigins entry it needs')
    .option('--port <port>', `port to serve on, 0 for any free one (default ${UI_DEFAULT_PORT})`)
    .action(async (own: { port?: string }) => {
      const port = parsePort(own.port);
      const root = findUiDist();
      if (root === null) throw new UsageError('ui: the web UI is not built; run `npm run build` (clients/web/dist is missing)');
      const server: StaticServer = await serveStatic(root, { host: '127.0.0.1', port });
      const url = program.opts<{ url?: string }>().url;
      process.stdout.write(`${uiBanner(server.origin, url).join('\n')}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(done, done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
