/**
 * The socket thread's side of polling: while batches it handed to instances are running,
 * it polls for their answers instead of sleeping, so an answer does not have to wake it;
 * and after the last answer it polls for one more window, for the next request.
 *
 * A batch that is expected to take longer than the spin window starts the polling late,
 * on a precise timer one window before the answer is due: a model that runs 25 ms then
 * costs a window of polling per batch, not 25 ms of it. The timer's own wake-up happens
 * while the batch still runs, where it costs nothing a client sees.
 *
 * Polling for the next request keeps the thread from going cold between a client's
 * requests: a thread that slept since its last message runs every step of the next one
 * two to three times slower (a postMessage to a polling worker: 3.5 µs from a thread that
 * kept polling, 8–11 µs from one that slept 1 ms; bench/what-we-changed.md, item 15).
 */
import { PreciseTimers } from '../batching/precise-timer.js';
import { LoopPoller } from './loop-poller.js';

const poller = new LoopPoller();
let batchesInFlight = 0;

/** A batch was handed to an instance; `expectedMs` is how long such batches took lately. */
export function batchDispatched(expectedMs: number, windowMs: number, allowed: boolean): void {
  batchesInFlight++;
  if (!allowed || !(windowMs > 0)) {
    // The gate shut since the last answer: stop polling for requests too.
    poller.stop();
    return;
  }
  if (expectedMs <= windowMs) {
    poller.pollFor(expectedMs + windowMs);
    return;
  }
  PreciseTimers.shared().set(() => {
    if (batchesInFlight > 0) poller.pollFor(2 * windowMs);
  }, expectedMs - windowMs);
}

/**
 * A batch's answer (or failure) arrived. After the last one, poll `nextRequestWindowMs`
 * for the next request (0 while the gate is shut).
 */
export function batchAnswered(nextRequestWindowMs: number): void {
  if (--batchesInFlight > 0) return;
  if (nextRequestWindowMs > 0) poller.pollFor(nextRequestWindowMs);
  else poller.stop();
}
