/**
 * `--collect-metrics`: the server's GPU gauges, sampled from its Prometheus endpoint while
 * the load runs and summed per window like the latencies, so each step reports what the
 * GPUs did under it — mean utilisation and power, peak memory used, per GPU — as
 * perf_analyzer's --collect-metrics does. wsinfer publishes the DCGM exporter's names
 * (metrics/gpu-metrics.ts), so a dcgm-exporter endpoint can be read the same way.
 */

/** One GPU's gauges in one scrape; a gauge the server did not publish is absent. */
export interface GpuGauges {
  gpu: string;
  uuid: string;
  utilizationPercent?: number;
  powerW?: number;
  memoryUsedMiB?: number;
  memoryFreeMiB?: number;
  memoryReservedMiB?: number;
}

/** What one GPU did during a step. */
export interface GpuStepFigures {
  gpu: string;
  uuid: string;
  /** Scrapes that saw this GPU. */
  samples: number;
  utilizationPercent?: number;
  powerW?: number;
  memoryUsedMaxMiB?: number;
  memoryTotalMiB?: number;
}

const GAUGES: Record<string, keyof Omit<GpuGauges, 'gpu' | 'uuid'>> = {
  DCGM_FI_DEV_GPU_UTIL: 'utilizationPercent',
  DCGM_FI_DEV_POWER_USAGE: 'powerW',
  DCGM_FI_DEV_FB_USED: 'memoryUsedMiB',
  DCGM_FI_DEV_FB_FREE: 'memoryFreeMiB',
  DCGM_FI_DEV_FB_RESERVED: 'memoryReservedMiB',
};

const SAMPLE_LINE = /^(\w+)\{(.*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The device-level DCGM gauges in a Prometheus text exposition, one entry per GPU (by
 * UUID). A MIG instance's series carry its parent's UUID and a GPU_I_ID; they are left
 * out, so a GPU's figures stay its own.
 */
export function parseGpuGauges(text: string): GpuGauges[] {
  const byUuid = new Map<string, GpuGauges>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('DCGM_FI_DEV_')) continue;
    const match = SAMPLE_LINE.exec(line);
    const field = match && GAUGES[match[1]!];
    if (!field) continue;
    const labels = new Map<string, string>();
    for (const [, name, value] of match[2]!.matchAll(LABEL)) labels.set(name!, value!);
    const uuid = labels.get('UUID');
    const value = Number(match[3]);
    if (!uuid || labels.get('GPU_I_ID') || !Number.isFinite(value)) continue;
    let gauges = byUuid.get(uuid);
    if (!gauges) byUuid.set(uuid, (gauges = { gpu: labels.get('gpu') ?? '', uuid }));
    gauges[field] = value;
  }
  return [...byUuid.values()];
}

interface Accumulated {
  gpu: string;
  uuid: string;
  samples: number;
  utilization: { sum: number; count: number };
  power: { sum: number; count: number };
  usedMaxMiB?: number;
  totalMiB?: number;
}

/** The scrapes of one window (or of a step's windows merged), per GPU. */
export class GpuWindowStats {
  private readonly byUuid = new Map<string, Accumulated>();

  add(scrape: readonly GpuGauges[]): void {
    for (const g of scrape) {
      const acc = this.entry(g.gpu, g.uuid);
      acc.samples++;
      if (g.utilizationPercent !== undefined) {
        acc.utilization.sum += g.utilizationPercent;
        acc.utilization.count++;
      }
      if (g.powerW !== undefined) {
        acc.power.sum += g.powerW;
        acc.power.count++;
      }
      if (g.memoryUsedMiB !== undefined) acc.usedMaxMiB = Math.max(acc.usedMaxMiB ?? 0, g.memoryUsedMiB);
      // The card's total, as nvidia-smi gives it, counts the driver's reserved part too.
      if (g.memoryUsedMiB !== undefined && g.memoryFreeMiB !== undefined) {
        acc.totalMiB = g.memoryUsedMiB + g.memoryFreeMiB + (g.memoryReservedMiB ?? 0);
      }
    }
  }

  /** Fold `other` (a later window of the same step) into this one. */
  merge(other: GpuWindowStats): void {
    for (const o of other.byUuid.values()) {
      const acc = this.entry(o.gpu, o.uuid);
      acc.samples += o.samples;
      acc.utilization.sum += o.utilization.sum;
      acc.utilization.count += o.utilization.count;
      acc.power.sum += o.power.sum;
      acc.power.count += o.power.count;
      if (o.usedMaxMiB !== undefined) acc.usedMaxMiB = Math.max(acc.usedMaxMiB ?? 0, o.usedMaxMiB);
      if (o.totalMiB !== undefined) acc.totalMiB = o.totalMiB;
    }
  }

  figures(): GpuStepFigures[] {
    const mean = (m: { sum: number; count: number }) => (m.count > 0 ? m.sum / m.count : undefined);
    return [...this.byUuid.values()]
      .sort((a, b) => Number(a.gpu) - Number(b.gpu) || a.uuid.localeCompare(b.uuid))
      .map((a) => ({
        gpu: a.gpu,
        uuid: a.uuid,
        samples: a.samples,
        ...definedOnly({ utilizationPercent: mean(a.utilization), powerW: mean(a.power), memoryUsedMaxMiB: a.usedMaxMiB, memoryTotalMiB: a.totalMiB }),
      }));
  }

  private entry(gpu: string, uuid: string): Accumulated {
    let acc = this.byUuid.get(uuid);
    if (!acc) this.byUuid.set(uuid, (acc = { gpu, uuid, samples: 0, utilization: { sum: 0, count: 0 }, power: { sum: 0, count: 0 } }));
    return acc;
  }
}

function definedOnly<T extends Record<string, number | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Scrapes `url` every `intervalMs` while started; each window takes what was gathered since the last. */
export class GpuTelemetry {
  private stats = new GpuWindowStats();
  private timer: NodeJS.Timeout | undefined;
  private scraping = false;
  /** Why a scrape failed, the first time one did; the run goes on without those samples. */
  failure: string | undefined;

  constructor(readonly url: string, private readonly intervalMs: number) {}

  start(): void {
    void this.scrape();
    this.timer = setInterval(() => void this.scrape(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The scrapes since the last take. */
  take(): GpuWindowStats {
    const taken = this.stats;
    this.stats = new GpuWindowStats();
    return taken;
  }

  private async scrape(): Promise<void> {
    // A slow endpoint skips a beat rather than stacking scrapes up.
    if (this.scraping) return;
    this.scraping = true;
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(Math.max(1000, 2 * this.intervalMs)) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.stats.add(parseGpuGauges(await response.text()));
    } catch (error) {
      this.failure ??= (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    } finally {
      this.scraping = false;
    }
  }
}
