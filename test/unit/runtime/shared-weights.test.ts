/**
 * The probe that writes the shared weights, where it cannot: the model still loads, on its
 * own weights, and the reason is given (the server logs it).
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { openProbeWithSharedWeights } from '../../../src/runtime/shared-weights.js';
import { SHIPPED_MODELS_DIR } from '../../integration/helpers/model-repo.js';

const savedTmpdir = process.env.TMPDIR;
afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

describe('openProbeWithSharedWeights', () => {
  it('opens the model on its own weights and says why when the temp dir cannot be written', async () => {
    process.env.TMPDIR = '/nonexistent/wsinfer-test-tmp';
    const probe = await openProbeWithSharedWeights(join(SHIPPED_MODELS_DIR, 'medium', '1', 'model.onnx'), { deviceId: 0, intraOpThreads: 1 });
    try {
      expect(probe.shared).toBeUndefined();
      expect(probe.reason).toMatch(/^could not write the shared weights: ENOENT/);
      const out = await probe.session.run({ x: new ort.Tensor('float32', new Float32Array(2 * 512).fill(0.25), [2, 512]) });
      expect(out.y!.dims).toEqual([2, 256]);
    } finally {
      await probe.session.release();
    }
  });
});
