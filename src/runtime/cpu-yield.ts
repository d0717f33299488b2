/**
 * Hand this thread's core to any other thread waiting for it (sched_yield), through the
 * small `wsinfer_yield` addon built from native/cpu_yield.cc. Polling threads call it on
 * every turn (workers/loop-poller.ts). Without the built addon it does nothing and says
 * so by returning false.
 */
import { loadOptionalAddon } from './optional-addon.js';

let addon: { yieldCpu(): boolean } | null | undefined;

export function yieldCpu(): boolean {
  if (addon === undefined) addon = loadOptionalAddon<{ yieldCpu(): boolean }>('wsinfer_yield');
  return addon?.yieldCpu() ?? false;
}
