/** Runs the real `walletctl` bin as a child process (with `node`, so exit codes are its own). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/walletctl.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one walletctl run printed and returned. */
export interface CtlRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = unknown>(): T;
}

/** Runs `node bin/walletctl.mjs ...args` with only the given WALLETD_* variables set. */
export function walletctl(args: string[], env: Record<string, string> = {}): Promise<CtlRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('WALLETD_')) delete childEnv[key];
  Object.assign(childEnv, env);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`walletctl ${args.join(' ')} printed no JSON (exit ${code}): ${stdout}${stderr}`);
          }
        },
      });
    });
  });
}
