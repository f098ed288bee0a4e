/** CPU time and memory of a process from /proc (Linux), for idle-CPU and RSS figures. */
import { readFileSync, writeFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux ABI Node.js runs on (sysconf(_SC_CLK_TCK)).
const CLK_TCK = 100;

/** utime + stime of `pid` in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident set size of `pid` in MiB. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Peak resident set size of `pid` in MiB since the last `resetPeakRss` (VmHWM). A sample taken
 * at the end of a stage says when the GC last ran; the peak says what the stage needed.
 */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts a new peak for `peakRssMiB` (Linux: writing 5 to clear_refs resets VmHWM to the current RSS). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** CPU used by `pid` over an idle window: percent of one core and ms of CPU per second. */
export async function idleCpu(pid: number, windowMs: number): Promise<{ percentOfCore: number; cpuMsPerSec: number }> {
  const c0 = cpuMs(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, windowMs));
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const used = cpuMs(pid) - c0;
  return { percentOfCore: (used / wall) * 100, cpuMsPerSec: (used / wall) * 1000 };
}

/** Bytes `pid` has caused to be written to storage so far (/proc/<pid>/io write_bytes). */
export function writeBytes(pid: number): number {
  try {
    const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
