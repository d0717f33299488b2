/**
 * IEEE 754 half precision ↔ JS numbers. FP16 tensors travel as raw 16-bit patterns in
 * binary data (Node 20 has no Float16Array) but as real values in JSON and number arrays,
 * as in every OIP server.
 */

/** Round half to even; exact for the magnitudes used here (below 2^52). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * A number's half-precision bit pattern, rounded to nearest even in one step from the
 * full double (rounding through float32 first would round some values twice).
 */
export function toHalfBits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  if (magnitude < 2 ** -14) {
    // Subnormal: a multiple of 2^-24; 1024 of them carries into the smallest normal.
    return sign | roundHalfEven(magnitude * 2 ** 24);
  }
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  let mantissa = roundHalfEven(magnitude * 2 ** (10 - exponent));
  if (mantissa === 2048) {
    mantissa = 1024;
    exponent++;
  }
  if (exponent + 15 >= 0x1f) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | (mantissa - 1024);
}

export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
