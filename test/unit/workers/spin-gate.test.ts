/**
 * The gate that lets threads poll for their next message only on cores the machine leaves
 * idle. Idle time comes from a scripted clock here so every decision can be checked; the
 * instance-pool test runs it against real workers.
 */
import { describe, expect, it } from 'vitest';
import { SpinGate, type SpinGateClock, SpinTicket } from '../../../src/workers/spin-gate.js';

/** A clock whose idle cores over each 100 ms sample are scripted. */
function scriptedClock(): SpinGateClock & { advance(idleCores: number): void } {
  let nowMs = 0;
  let idleMs = 0;
  return {
    nowMs: () => nowMs,
    idleMs: () => idleMs,
    advance(idleCores: number) {
      nowMs += 100;
      idleMs += idleCores * 100;
    },
  };
}

function gateWith(): { gate: SpinGate; step(idleCores: number): number } {
  const clock = scriptedClock();
  const gate = new SpinGate(100, clock);
  gate.begin();
  return {
    gate,
    step(idleCores) {
      clock.advance(idleCores);
      gate.sample();
      return gate.allowed;
    },
  };
}

describe('SpinGate', () => {
  it('lets nobody poll before the first probe', () => {
    const { gate } = gateWith();
    expect(gate.allowed).toBe(0);
    expect(new SpinTicket(gate.buffer).tryEnter()).toBe(false);
  });

  it('allows one thread per core at least three-quarters idle, and closes every fifth sample to probe', () => {
    const { step } = gateWith();
    // Probe, then four samples that keep its decision, then a probe sample again.
    expect([1.8, 0.1, 0.1, 0.1, 0.1].map(step)).toEqual([2, 2, 2, 2, 0]);
  });

  it('decides on probes only, not on what polling threads left idle', () => {
    const { step } = gateWith();
    expect(step(0.8)).toBe(1);
    for (let i = 0; i < 3; i++) expect(step(0)).toBe(1); // polling threads use the idle core: no effect
    expect(step(0)).toBe(0); // the next sample is a probe: nobody starts polling
    expect(step(0.7)).toBe(0); // the probe finds less than three-quarters of a core idle
    for (let i = 0; i < 4; i++) step(2);
    expect(step(0.75)).toBe(1);
  });

  it('reads the real machine when started, and stops allowing anyone when stopped', async () => {
    const gate = new SpinGate(20);
    gate.start();
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(gate.allowed).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(gate.allowed)).toBe(true);
    gate.stop();
    expect(gate.allowed).toBe(0);
  });
});

describe('SpinTicket', () => {
  it('counts threads in up to what the gate allows, and out again', () => {
    const { gate, step } = gateWith();
    step(1.0);
    const a = new SpinTicket(gate.buffer, 1);
    const b = new SpinTicket(gate.buffer, 2);
    expect(a.open).toBe(true);
    expect(a.tryEnter()).toBe(true);
    expect(b.tryEnter()).toBe(false);
    expect(gate.polling).toBe(1);
    a.leave();
    expect(gate.polling).toBe(0);
    expect(b.tryEnter()).toBe(true);
    b.leave();
  });

  it('counts a thread in once however often it asks', () => {
    const { gate, step } = gateWith();
    step(2.0);
    const a = new SpinTicket(gate.buffer, 1);
    expect(a.tryEnter()).toBe(true);
    expect(a.tryEnter()).toBe(true);
    expect(gate.polling).toBe(1);
    a.leave();
    expect(gate.polling).toBe(0);
  });

  it('counts out a thread that died counted in, by its threadId, and no other', () => {
    const { gate, step } = gateWith();
    step(2.0);
    const dead = new SpinTicket(gate.buffer, 7);
    const alive = new SpinTicket(gate.buffer, 8);
    expect(dead.tryEnter()).toBe(true);
    expect(alive.tryEnter()).toBe(true);
    expect(new SpinTicket(gate.buffer, 9).tryEnter()).toBe(false);
    // The pool's ticket, on another thread, releases the destroyed worker's place.
    new SpinTicket(gate.buffer, 0).releaseThread(7);
    expect(gate.polling).toBe(1);
    const next = new SpinTicket(gate.buffer, 9);
    expect(next.tryEnter()).toBe(true);
    alive.leave();
    next.leave();
    expect(gate.polling).toBe(0);
  });

  it('is closed while the gate allows nobody', () => {
    const { gate, step } = gateWith();
    step(0.2);
    const ticket = new SpinTicket(gate.buffer);
    expect(ticket.open).toBe(false);
    expect(ticket.tryEnter()).toBe(false);
    expect(gate.polling).toBe(0);
  });
});
