/**
 * The effective model config: Triton-like defaults when config.json is absent, and
 * ERR_CONFIG_INVALID naming the field for anything a user could mistype.
 */
import { describe, expect, it } from 'vitest';
import { INFERRED_MAX_BATCH_SIZE, resolveModelConfig } from '../../../src/registry/model-config.js';
import type { ModelSignature } from '../../../src/registry/model-signature.js';
import { thrownBy } from '../thrown-error.js';

const batchable: ModelSignature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 16] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }],
};
const fixedBatch: ModelSignature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 4] }],
};
const variableLength: ModelSignature = {
  inputs: [{ name: 'tokens', datatype: 'INT64', shape: [-1, -1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
};

function configError(raw: unknown, signature: ModelSignature = batchable): { code: string; message: string } {
  return thrownBy(() => resolveModelConfig('mlp', raw, signature));
}

describe('resolveModelConfig defaults', () => {
  it('fills in Triton-like defaults for a batchable model without config.json', () => {
    expect(resolveModelConfig('mlp', undefined, batchable)).toEqual({
      maxBatchSize: 32,
      dynamicBatching: {
        preferredBatchSizes: [],
        maxQueueDelayUs: 0,
        maxQueueSize: 1024,
        defaultTimeoutUs: 0,
        priorityLevels: 1,
        defaultPriorityLevel: 1,
      },
      instanceGroup: [{ kind: 'auto', count: 1 }],
      versionPolicy: { latest: { numVersions: 1 } },
      warmup: { batchSizes: [1] },
      intraOpThreads: 1,
      shareWeights: true,
    });
    expect(INFERRED_MAX_BATCH_SIZE).toBe(32);
  });

  it('does not batch a model whose dim 0 is fixed', () => {
    expect(resolveModelConfig('mlp', undefined, fixedBatch).maxBatchSize).toBe(0);
  });

  it('skips the default warm-up when inputs have dynamic inner dims', () => {
    expect(resolveModelConfig('mlp', undefined, variableLength).warmup.batchSizes).toEqual([]);
  });

  it('keeps an explicit maxBatchSize 0 on a batchable model', () => {
    expect(resolveModelConfig('mlp', { maxBatchSize: 0 }, batchable).maxBatchSize).toBe(0);
  });

  it('returns a deeply frozen config', () => {
    const config = resolveModelConfig('mlp', { dynamicBatching: { preferredBatchSizes: [4] } }, batchable);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.dynamicBatching)).toBe(true);
    expect(Object.isFrozen(config.dynamicBatching.preferredBatchSizes)).toBe(true);
    expect(Object.isFrozen(config.instanceGroup[0])).toBe(true);
    expect(Object.isFrozen(config.warmup.batchSizes)).toBe(true);
    expect(() => { (config as { maxBatchSize: number }).maxBatchSize = 1; }).toThrow(TypeError);
  });
});

describe('resolveModelConfig maxBatchSize', () => {
  it('rejects maxBatchSize > 0 for a model that cannot batch', () => {
    const error = configError({ maxBatchSize: 8 }, fixedBatch);
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('maxBatchSize');
  });

  it.each([[-1], [1.5], ['8'], [null]])('rejects maxBatchSize %s', (maxBatchSize) => {
    const error = configError({ maxBatchSize });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('maxBatchSize');
  });
});

describe('resolveModelConfig shareWeights', () => {
  it('takes false, and refuses anything but a boolean', () => {
    expect(resolveModelConfig('mlp', { shareWeights: false }, batchable).shareWeights).toBe(false);
    for (const shareWeights of ['yes', 1, null]) {
      const error = configError({ shareWeights });
      expect(error.code).toBe('ERR_CONFIG_INVALID');
      expect(error.message).toBe(`model 'mlp': shareWeights must be true or false, got ${JSON.stringify(shareWeights)}`);
    }
  });
});

describe('resolveModelConfig unknown settings', () => {
  it('names an unknown top-level key', () => {
    const error = configError({ maxBatchSize: 8, max_batch_size: 8 });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('max_batch_size');
  });

  it('names an unknown dynamicBatching key', () => {
    const error = configError({ dynamicBatching: { maxQueueDelayMs: 1 } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('dynamicBatching.maxQueueDelayMs');
  });

  it('names an unknown key in an instance group', () => {
    const error = configError({ instanceGroup: [{ kind: 'gpu', cout: 2 }] });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('cout');
  });

  it('names an unknown key in warmup', () => {
    const error = configError({ warmup: { batchSize: [1, 8] } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('batchSize');
  });

  it('names an unknown key in a version policy', () => {
    const error = configError({ versionPolicy: { latest: { numVersion: 3 } } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('numVersion');
  });

  it('rejects a version policy that names two policies at once', () => {
    const error = configError({ versionPolicy: { latest: { numVersions: 2 }, all: {} } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('versionPolicy');
  });

  it('rejects a config that is not an object', () => {
    for (const raw of [[1], 'mlp', 3, null]) expect(configError(raw).code).toBe('ERR_CONFIG_INVALID');
  });
});

describe('resolveModelConfig dynamicBatching', () => {
  it('sorts and de-duplicates preferred batch sizes', () => {
    const config = resolveModelConfig('mlp', { maxBatchSize: 16, dynamicBatching: { preferredBatchSizes: [16, 4, 8, 4] } }, batchable);
    expect(config.dynamicBatching.preferredBatchSizes).toEqual([4, 8, 16]);
  });

  it('rejects a preferred batch size above maxBatchSize', () => {
    const error = configError({ maxBatchSize: 16, dynamicBatching: { preferredBatchSizes: [8, 32] } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('preferredBatchSizes');
    expect(error.message).toContain('32');
  });

  it('rejects a preferred batch size of 0', () => {
    expect(configError({ dynamicBatching: { preferredBatchSizes: [0] } }).message).toContain('preferredBatchSizes[0]');
  });

  it('defaults the priority of unnamed requests to the lowest level', () => {
    const config = resolveModelConfig('mlp', { dynamicBatching: { priorityLevels: 3 } }, batchable);
    expect(config.dynamicBatching.priorityLevels).toBe(3);
    expect(config.dynamicBatching.defaultPriorityLevel).toBe(3);
  });

  it('keeps an explicit default level within the levels', () => {
    const config = resolveModelConfig('mlp', { dynamicBatching: { priorityLevels: 3, defaultPriorityLevel: 2 } }, batchable);
    expect(config.dynamicBatching.defaultPriorityLevel).toBe(2);
    expect(configError({ dynamicBatching: { priorityLevels: 3, defaultPriorityLevel: 4 } }).message).toContain('defaultPriorityLevel');
  });

  it('reads the queue settings', () => {
    const config = resolveModelConfig('mlp', {
      dynamicBatching: { maxQueueDelayUs: 500, maxQueueSize: 64, defaultTimeoutUs: 20_000 },
    }, batchable);
    expect(config.dynamicBatching).toMatchObject({ maxQueueDelayUs: 500, maxQueueSize: 64, defaultTimeoutUs: 20_000 });
  });

  it.each([
    ['maxQueueDelayUs', -1],
    ['maxQueueSize', 0],
    ['priorityLevels', 0],
    ['defaultTimeoutUs', 1.5],
  ])('rejects %s = %s naming it', (field, value) => {
    const error = configError({ dynamicBatching: { [field]: value } });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain(`dynamicBatching.${field}`);
  });
});

describe('resolveModelConfig instanceGroup inline', () => {
  it('takes one inline CPU instance, and leaves inline out when false', () => {
    expect(resolveModelConfig('mlp', { instanceGroup: [{ kind: 'cpu', count: 1, inline: true }] }, batchable).instanceGroup).toEqual([{ kind: 'cpu', count: 1, inline: true }]);
    expect(resolveModelConfig('mlp', { instanceGroup: [{ kind: 'cpu', inline: false }] }, batchable).instanceGroup).toEqual([{ kind: 'cpu', count: 1 }]);
  });

  it('refuses inline on anything but one CPU instance, naming the field', () => {
    const auto = configError({ instanceGroup: [{ kind: 'auto', inline: true }] });
    expect(auto.code).toBe('ERR_CONFIG_INVALID');
    expect(auto.message).toBe("model 'mlp': instanceGroup[0].inline needs kind cpu: an inline instance runs on the socket thread");
    expect(configError({ instanceGroup: [{ kind: 'cpu', count: 2, inline: true }] }).message).toBe("model 'mlp': instanceGroup[0].inline needs count 1: there is one socket thread");
    expect(configError({ instanceGroup: [{ kind: 'cpu', inline: 'yes' }] }).message).toBe("model 'mlp': instanceGroup[0].inline must be true or false");
    expect(configError({ instanceGroup: [{ kind: 'cpu', inline: true }, { kind: 'cpu', inline: true }] }).message).toBe("model 'mlp': instanceGroup may have one inline group at most");
  });
});

describe('resolveModelConfig instanceGroup', () => {
  it('reads kinds, counts and GPUs', () => {
    const config = resolveModelConfig('mlp', { instanceGroup: [{ kind: 'gpu', count: 2, gpus: [0, 1] }, { kind: 'cpu' }] }, batchable);
    expect(config.instanceGroup).toEqual([{ kind: 'gpu', count: 2, gpus: [0, 1] }, { kind: 'cpu', count: 1 }]);
  });

  it('rejects an unknown kind naming the group', () => {
    const error = configError({ instanceGroup: [{ kind: 'cpu' }, { kind: 'tpu' }] });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('instanceGroup[1].kind');
  });

  it('rejects an empty list and a count below 1', () => {
    expect(configError({ instanceGroup: [] }).message).toContain('instanceGroup');
    expect(configError({ instanceGroup: [{ count: 0 }] }).message).toContain('instanceGroup[0].count');
  });
});

describe('resolveModelConfig versionPolicy', () => {
  it.each([
    [{ latest: { numVersions: 2 } }, { latest: { numVersions: 2 } }],
    [{ latest: {} }, { latest: { numVersions: 1 } }],
    [{ all: {} }, { all: {} }],
    [{ specific: { versions: [1, 3] } }, { specific: { versions: [1, 3] } }],
  ])('reads %j', (raw, expected) => {
    expect(resolveModelConfig('mlp', { versionPolicy: raw }, batchable).versionPolicy).toEqual(expected);
  });

  it.each([
    [{}, 'versionPolicy'],
    [{ latest: { numVersions: 0 } }, 'versionPolicy.latest.numVersions'],
    [{ specific: { versions: [] } }, 'versionPolicy.specific.versions'],
    [{ specific: { versions: [0] } }, 'versionPolicy.specific.versions[0]'],
  ])('rejects %j naming %s', (raw, field) => {
    const error = configError({ versionPolicy: raw });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain(field);
  });
});

describe('resolveModelConfig warmup and threads', () => {
  it('keeps an explicit warm-up list, even an empty one', () => {
    expect(resolveModelConfig('mlp', { warmup: { batchSizes: [1, 32] } }, batchable).warmup.batchSizes).toEqual([1, 32]);
    expect(resolveModelConfig('mlp', { warmup: { batchSizes: [] } }, batchable).warmup.batchSizes).toEqual([]);
  });

  it('rejects a warm-up size above maxBatchSize', () => {
    expect(configError({ maxBatchSize: 8, warmup: { batchSizes: [16] } }).message).toContain('warmup.batchSizes');
  });

  it('reads intraOpThreads and rejects 0', () => {
    expect(resolveModelConfig('mlp', { intraOpThreads: 4 }, batchable).intraOpThreads).toBe(4);
    expect(configError({ intraOpThreads: 0 }).message).toContain('intraOpThreads');
  });
});
