/** The contract between the bench runner and each scenario. */
import type { ScenarioResult } from './results.ts';

/** Options every scenario receives from the command line. */
export interface BenchOptions {
  /** `--quick`: fewer repeats and shorter windows, the whole bench in about 3 minutes. */
  quick: boolean;
  /** `--label=NAME`: results go to `<scenario>.NAME.json` (e.g. `before` and `after`). */
  label?: string;
  /** `--profile`: daemons run under `node --cpu-prof`, profiles land in this folder. */
  profileDir?: string;
}

/** One scenario of issue 10. */
export interface Scenario {
  name: string;
  describe: string;
  run(opts: BenchOptions): Promise<ScenarioResult | ScenarioResult[]>;
}
