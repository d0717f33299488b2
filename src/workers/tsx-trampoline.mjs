// Piscina loads worker files with plain import(); when wsinfer runs from its TypeScript
// sources (tests, `tsx`), this registers tsx in the worker first. Production runs dist/.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const entry = await import(workerData.tsEntry);
export default entry.default;
