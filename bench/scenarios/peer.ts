/** Placeholder until the scenario lands. */
import type { Scenario } from '../lib/scenario.ts';

/** Not yet built. */
export const peerScenario: Scenario = { name: 'peer', describe: 'not built yet', run: async () => { throw new Error('not built yet'); } };
