// `wsinfer` run from the TypeScript sources (spawned with --import tsx), so the suite
// needs no `npm run build`; instance workers load through src/workers/tsx-trampoline.mjs.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
