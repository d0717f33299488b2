/**
 * The WsinferError a call throws, so a test can assert its code and message. A plain
 * `toThrow` would also pass on a TypeError from a bug, which is not what a client sees.
 */
import { WsinferError } from '../../src/errors.js';

export function thrownBy(fn: () => unknown): WsinferError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WsinferError) return error;
    throw new Error(`expected a WsinferError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a WsinferError, nothing was thrown');
}

export async function rejectionOf(promise: Promise<unknown>): Promise<WsinferError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WsinferError) return error;
    throw new Error(`expected a WsinferError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a WsinferError, the promise resolved');
}
