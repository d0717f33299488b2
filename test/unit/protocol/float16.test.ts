/**
 * Half precision ↔ numbers, used when FP16 tensors travel as JSON values. Every bit
 * pattern must survive the round trip, and numbers must round to the nearest half value.
 */
import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from '../../../src/protocol/float16.js';

describe('toHalfBits and fromHalfBits', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [1.5, 0x3e00],
    [65504, 0x7bff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ])('converts %s to 0x%s and back', (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
    expect(Object.is(fromHalfBits(bits), value)).toBe(true);
  });

  it('maps NaN to a NaN pattern and back', () => {
    const bits = toHalfBits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
    expect(fromHalfBits(bits)).toBeNaN();
  });

  it('round-trips every non-NaN bit pattern exactly', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromHalfBits(bits);
      if (!Number.isNaN(value) && toHalfBits(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('overflows past the largest half value to infinity, and underflows to signed zero', () => {
    expect(toHalfBits(65519)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(1e10)).toBe(0x7c00);
    expect(toHalfBits(1e-10)).toBe(0x0000);
    expect(toHalfBits(-1e-10)).toBe(0x8000);
  });

  it('rounds exact ties to even', () => {
    // Halfway between 1 (0x3c00) and 1 + 2^-10 (0x3c01): even is 0x3c00.
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // Halfway between 0x3c01 and 0x3c02: even is 0x3c02.
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // Halfway between 0 and the smallest subnormal: even is 0.
    expect(toHalfBits(2 ** -25)).toBe(0x0000);
  });

  it('rounds a number just above a tie up, as a single rounding step would', () => {
    // Only just above halfway, by less than float32 can hold: rounding through float32
    // first lands exactly on the tie and then goes to even (down) — the wrong answer.
    expect(toHalfBits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
    expect(toHalfBits(2 ** -25 + 2 ** -60)).toBe(0x0001);
  });
});
