/**
 * BENCHMARKS.md's account of the saturation pairs' cores: how much of the machine the
 * model's threads got in the limit's window and in wsinfer's, and how many rows each made
 * per CPU-second. Their product is the pair's ratio, so a miss reads as one or the other.
 */
import { int, percent as pct, table } from './md-table.js';
import { type PairedComparison, type CoreShares, median } from './paired-runs.js';

function rowsPerCpuSecond(rowsPerSec: number, percentOfOneCore: number): number {
  return percentOfOneCore > 0 ? rowsPerSec / (percentOfOneCore / 100) : 0;
}

export function coreSharesSection(comparison: PairedComparison | undefined): string[] {
  const numbered = (comparison?.pairs ?? []).map((p, i) => ({ ...p, number: i + 1 }));
  const pairs = numbered.filter((p): p is typeof p & { cores: CoreShares } => p.cores !== undefined);
  if (!comparison || pairs.length === 0) return [];
  const rows = pairs.map((p) => [
    String(p.number),
    pct(p.cores.limitPercent), int(rowsPerCpuSecond(p.reference, p.cores.limitPercent)),
    pct(p.cores.instancesPercent), int(rowsPerCpuSecond(p.wsinfer, p.cores.instancesPercent)),
    pct(p.cores.serverOtherPercent), pct(p.cores.generatorPercent),
  ]);
  const limitShare = median(pairs.map((p) => p.cores.limitPercent));
  const instancesShare = median(pairs.map((p) => p.cores.instancesPercent));
  const limitRate = median(pairs.map((p) => rowsPerCpuSecond(p.reference, p.cores.limitPercent)));
  const instancesRate = median(pairs.map((p) => rowsPerCpuSecond(p.wsinfer, p.cores.instancesPercent)));
  const header = ['pair', 'limit\'s sessions, CPU', 'their rows per CPU-second', 'wsinfer\'s instances, CPU', 'their rows per CPU-second', 'wsinfer\'s other threads, CPU', 'generator, CPU'];
  return [
    '',
    `**Where the cores went in the saturation pairs** (medium, concurrency ${comparison.concurrency}): CPU time from /proc over each window, % of one core. ` +
      'The limit\'s sessions are the suite\'s threads beyond its main one (nothing else runs then); wsinfer\'s instances are its busiest threads, one per instance; ' +
      'its other threads are the socket thread and V8\'s helpers.',
    '',
    table(header, rows),
    '',
    `Medians: the limit's sessions had ${pct(limitShare)} of a core and made ${int(limitRate)} rows per CPU-second; wsinfer's instances had ` +
      `${pct(instancesShare)} and made ${int(instancesRate)}, while its other threads took ${pct(median(pairs.map((p) => p.cores.serverOtherPercent)))} ` +
      `and the generator ${pct(median(pairs.map((p) => p.cores.generatorPercent)))}. A pair's ratio is the product of its two ratios, share and use; in the medians ` +
      `${(instancesShare / limitShare).toFixed(2)} of the limit's share of the cores × ${(instancesRate / limitRate).toFixed(2)} of its rows per CPU-second.`,
  ];
}
