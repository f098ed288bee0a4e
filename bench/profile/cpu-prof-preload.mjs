// `node --cpu-prof` for a process we cannot pass flags to (NODE_OPTIONS refuses --cpu-prof):
// loaded with NODE_OPTIONS=--import, it runs the same V8 sampling profiler through node:inspector
// and writes the same .cpuprofile into $BENCH_CPU_PROF_DIR when the process exits.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  // --cpu-prof's default sampling interval is 1000 µs.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  // BENCH_CPU_PROF_ON_SIGNAL=1 waits for SIGUSR2, so a load profile leaves start-up out.
  if (process.env.BENCH_CPU_PROF_ON_SIGNAL === '1') process.once('SIGUSR2', () => session.post('Profiler.start'));
  else session.post('Profiler.start');
  process.once('exit', () => {
    // A same-thread inspector session answers synchronously, so this runs before exit.
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `CPU.${Date.now()}.${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
