/**
 * How walletctl finds the daemon and its token. Transport: `--url`, else `--socket`, else the
 * data dir's `walletd.sock` (`--datadir`, `WALLETD_DATADIR`, default `./data`). Token: `--token`,
 * else `WALLETD_TOKEN`, else `<datadir>/admin.token` when this user can read it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, type ClientEndpoint, type WalletdClient } from '../client/index.ts';
import { UsageError } from './walletctl-schema.ts';

/** walletctl's global options. */
export interface GlobalOptions {
  datadir?: string;
  url?: string;
  socket?: string;
  token?: string;
  json?: boolean;
}

/** The data dir walletctl uses for the socket and admin.token. */
export function dataDirOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(opts.datadir ?? env.WALLETD_DATADIR ?? './data');
}

/** The endpoint implied by the global options. */
export function endpointOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ClientEndpoint {
  if (opts.url !== undefined && opts.socket !== undefined) throw new UsageError('give at most one of --url and --socket');
  if (opts.url !== undefined) {
    if (!/^https?:\/\//.test(opts.url)) throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(opts.url)}`);
    return { url: opts.url };
  }
  if (opts.socket !== undefined) return { socketPath: resolve(opts.socket) };
  return { socketPath: join(dataDirOf(opts, env), 'walletd.sock') };
}

/** The token by lookup order; undefined when none is found (the daemon then answers UNAUTHORIZED). */
export function tokenOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (opts.token) return opts.token;
  if (env.WALLETD_TOKEN) return env.WALLETD_TOKEN;
  try {
    return readFileSync(join(dataDirOf(opts, env), 'admin.token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A client for the global options. */
export function clientOf(opts: GlobalOptions): WalletdClient {
  const token = tokenOf(opts);
  return createClient(endpointOf(opts), token ? { token } : {});
}
