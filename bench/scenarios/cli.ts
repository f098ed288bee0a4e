/** Placeholder until the scenario lands. */
import type { Scenario } from '../lib/scenario.ts';

/** Not yet built. */
export const cliScenario: Scenario = { name: 'cli', describe: 'not built yet', run: async () => { throw new Error('not built yet'); } };
