// Second-order Butterworth low-pass, used with a time constant rather than a cut-off frequency:
// f_c = sqrt(2) / (2 pi tau), the convention of Laidig & Seel's VQF (Information Fusion 2023), so a
// filter with tau = 3 s averages over about three seconds. Coefficients by the bilinear transform
// with pre-warping (standard biquad design, e.g. R. Bristow-Johnson, "Audio EQ Cookbook").

export interface LowpassCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export function lowpassCoefficients(tauS: number, sampleRateHz: number): LowpassCoefficients {
  if (tauS <= 0) return { b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 }; // pass-through
  const cutoffHz = Math.SQRT2 / (2 * Math.PI * tauS);
  const k = Math.tan((Math.PI * Math.min(cutoffHz, 0.49 * sampleRateHz)) / sampleRateHz);
  const norm = 1 / (1 + Math.SQRT2 * k + k * k);
  const b0 = k * k * norm;
  return { b0, b1: 2 * b0, b2: b0, a1: 2 * (k * k - 1) * norm, a2: (1 - Math.SQRT2 * k + k * k) * norm };
}

/**
 * A bank of `n` independent channels sharing one set of coefficients (direct form II transposed).
 * `state` holds two delay values per channel.
 */
export interface LowpassBank extends LowpassCoefficients {
  state: Float64Array;
  out: Float64Array;
}

export function createLowpassBank(c: LowpassCoefficients, n: number): LowpassBank {
  return { b0: c.b0, b1: c.b1, b2: c.b2, a1: c.a1, a2: c.a2, state: new Float64Array(2 * n), out: new Float64Array(n) };
}

/** Sets channel i to steady state at value x (as if x had been its input forever). */
export function resetChannel(bank: LowpassBank, i: number, x: number): void {
  const { b0, b2, a2 } = bank;
  bank.state[2 * i] = x - b0 * x;
  bank.state[2 * i + 1] = b2 * x - a2 * x;
  bank.out[i] = x;
}

/** Filters one input sample of every channel (x[i] into channel i); the outputs are left in bank.out. */
export function stepBank(bank: LowpassBank, x: ArrayLike<number>): void {
  const s = bank.state, out = bank.out;
  const { b0, b1, b2, a1, a2 } = bank;
  for (let i = 0; i < out.length; i++) {
    const xi = x[i]!;
    const y = b0 * xi + s[2 * i]!;
    s[2 * i] = b1 * xi - a1 * y + s[2 * i + 1]!;
    s[2 * i + 1] = b2 * xi - a2 * y;
    out[i] = y;
  }
}
