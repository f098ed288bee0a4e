/** The parent side of the load generator: forks bench/lib/load-worker.ts and hands it jobs. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult } from './load-worker.ts';

export type { LoadJob, LoadResult, LoadTarget } from './load-worker.ts';

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** A forked load process; `run` sends one job at a time. */
export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Forks the load process and waits until it is ready. */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { id?: number; result?: LoadResult; error?: string }) => {
    if (msg.id === undefined) return;
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error !== undefined) w?.reject(new Error(msg.error));
    else w?.resolve(msg.result!);
  });
  child.on('exit', () => {
    for (const w of waiting.values()) w.reject(new Error('load worker exited'));
    waiting.clear();
  });
  return {
    run(job) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, job });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
