// The float comparison the MetaWear SDK's own tests use (MetaWear-SDK-Cpp
// bindings/python/mbientlab/metawear/cbindings.py `is_close`): |a - b| <= max(0.001 * max(|a|, |b|), 0.001).
// Shared by the decoder tests so every vendor vector is checked with the vendor's rule.
export function isCloseVendor(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(0.001 * Math.max(Math.abs(actual), Math.abs(expected)), 0.001);
}

/** Throws with both values when any component is not close, so a failing test says what differed. */
export function expectCloseVendor(actual: readonly number[] | undefined, expected: readonly number[], what: string): void {
  if (!actual || actual.length !== expected.length || actual.some((a, i) => !isCloseVendor(a, expected[i]!))) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, vendor expects ${JSON.stringify(expected)}`);
  }
}
