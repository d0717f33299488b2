// The CLI run from the TypeScript sources, as a child process (spawned with --import tsx).
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
