/**
 * The onnxruntime session packaging and validation run a model in: CPU, one thread, the
 * server's own session options — the check is whether the file loads and computes, and
 * CPU is there on every machine that runs CI.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { WsinferError } from '../errors.js';
import { createSession } from '../runtime/session-factory.js';

export async function openCheckSession(modelPath: string): Promise<InferenceSession> {
  try {
    return await createSession(modelPath, { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 });
  } catch (error) {
    throw new WsinferError('ERR_MODEL_LOAD_FAILED', `model.onnx does not load in onnxruntime: ${(error as Error).message.split('\n')[0]}`);
  }
}
