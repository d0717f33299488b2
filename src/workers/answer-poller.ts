/**
 * The socket thread's side of polling: while batches it handed to instances are running,
 * it polls for their answers instead of sleeping, so an answer does not have to wake it.
 *
 * A batch that is expected to take longer than the spin window starts the polling late,
 * on a precise timer one window before the answer is due: a model that runs 25 ms then
 * costs a window of polling per batch, not 25 ms of it. The timer's own wake-up happens
 * while the batch still runs, where it costs nothing a client sees.
 */
import { PreciseTimers } from '../batching/precise-timer.js';
import { LoopPoller } from './loop-poller.js';

const poller = new LoopPoller();
let batchesInFlight = 0;

/** A batch was handed to an instance; `expectedMs` is how long such batches took lately. */
export function batchDispatched(expectedMs: number, windowMs: number, allowed: boolean): void {
  batchesInFlight++;
  if (!allowed || !(windowMs > 0)) return;
  if (expectedMs <= windowMs) {
    poller.pollFor(expectedMs + windowMs);
    return;
  }
  PreciseTimers.shared().set(() => {
    if (batchesInFlight > 0) poller.pollFor(2 * windowMs);
  }, expectedMs - windowMs);
}

/** A batch's answer (or failure) arrived. */
export function batchAnswered(): void {
  if (--batchesInFlight === 0) poller.stop();
}
