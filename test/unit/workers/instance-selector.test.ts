import { describe, expect, it } from 'vitest';
import { chooseTarget, type SpillPolicy, type TargetLoad } from '../../../src/workers/instance-selector.js';

const GIB = 1024 ** 3;
const policy: SpillPolicy = { queueBatches: 2, freeMemoryFloorBytes: GIB };

const gpu = (idle: number, queued = 0, freeBytes: number | null = 10 * GIB): TargetLoad => ({ idle, queued, gpu: true, freeBytes });
const cpu = (idle: number, queued = 0): TargetLoad => ({ idle, queued, gpu: false, freeBytes: null });

describe('choosing the instance group for a batch', () => {
  it('takes the first group with a free instance when the model is not GPU and CPU mixed', () => {
    expect(chooseTarget([cpu(0), cpu(1)], policy)).toEqual({ index: 1, spill: null });
    expect(chooseTarget([cpu(0, 1), cpu(0, 0)], policy)).toEqual({ index: 1, spill: null });
    expect(chooseTarget([gpu(0), gpu(2)], policy)).toEqual({ index: 1, spill: null });
  });

  it('prefers the GPU while it has a free instance, wherever its group is listed', () => {
    expect(chooseTarget([cpu(2), gpu(1)], policy)).toEqual({ index: 1, spill: null });
  });

  it('queues on a busy GPU up to queueBatches, then spills to CPU', () => {
    expect(chooseTarget([gpu(0, 0), cpu(2)], policy)).toEqual({ index: 0, spill: null });
    expect(chooseTarget([gpu(0, 1), cpu(2)], policy)).toEqual({ index: 0, spill: null });
    expect(chooseTarget([gpu(0, 2), cpu(2)], policy)).toEqual({ index: 1, spill: 'queue_depth' });
  });

  it('counts the queues of every GPU group against queueBatches, and queues on the shortest', () => {
    expect(chooseTarget([gpu(0, 1), gpu(0, 0), cpu(1)], policy)).toEqual({ index: 1, spill: null });
    expect(chooseTarget([gpu(0, 1), gpu(0, 1), cpu(1)], policy)).toEqual({ index: 2, spill: 'queue_depth' });
  });

  it('with queueBatches 0, spills as soon as every GPU instance is busy', () => {
    expect(chooseTarget([gpu(0), cpu(1)], { ...policy, queueBatches: 0 })).toEqual({ index: 1, spill: 'queue_depth' });
  });

  it('spills to CPU while the GPU has less free memory than the floor, even with free instances', () => {
    expect(chooseTarget([gpu(1, 0, GIB - 1), cpu(1)], policy)).toEqual({ index: 1, spill: 'memory_floor' });
    expect(chooseTarget([gpu(1, 0, GIB - 1), cpu(0, 3), cpu(0, 1)], policy)).toEqual({ index: 2, spill: 'memory_floor' });
    expect(chooseTarget([gpu(1, 0, GIB - 1), gpu(1, 0, 2 * GIB), cpu(1)], policy)).toEqual({ index: 1, spill: null });
  });

  it('never diverts on unknown free memory or with the floor off', () => {
    expect(chooseTarget([gpu(1, 0, null), cpu(1)], policy)).toEqual({ index: 0, spill: null });
    expect(chooseTarget([gpu(1, 0, 0), cpu(1)], { ...policy, freeMemoryFloorBytes: 0 })).toEqual({ index: 0, spill: null });
  });
});
