import { describe, expect, it } from 'vitest';
import { createArrivalClock, createDeviceClock } from './clock';

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Simulated {
  trueS: number[];
  arrivalS: number[];
  lostTotal: number;
}

/**
 * A sensor sampling at `truePeriodS`, whose samples wait for the next BLE connection event (every
 * `connectionIntervalS`) and then a random radio/OS delay; `drop` lists sample indices that never arrive.
 */
function simulate(opts: { truePeriodS: number; durationS: number; connectionIntervalS: number; jitterS: number; drop: number[]; seed: number }): Simulated {
  const rnd = random(opts.seed);
  const trueS: number[] = [];
  const arrivalS: number[] = [];
  const dropped = new Set(opts.drop);
  const phase = rnd() * opts.connectionIntervalS;
  for (let k = 0; k * opts.truePeriodS < opts.durationS; k++) {
    if (dropped.has(k)) continue;
    const t = 100 + k * opts.truePeriodS;
    const event = phase + Math.ceil((t - phase) / opts.connectionIntervalS) * opts.connectionIntervalS;
    trueS.push(t);
    arrivalS.push(event + 0.002 + rnd() * opts.jitterS);
  }
  // Packets of one connection event share the delay draw order; arrival must not go backwards.
  for (let i = 1; i < arrivalS.length; i++) arrivalS[i] = Math.max(arrivalS[i]!, arrivalS[i - 1]!);
  return { trueS, arrivalS, lostTotal: opts.drop.length };
}

function errorsAfterSettling(trueS: number[], t: number[], settleS: number): number[] {
  const errors = t.map((x, i) => x - trueS[i]!).filter((_, i) => trueS[i]! - trueS[0]! > settleS);
  const sorted = [...errors].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  // The constant part (the minimum radio latency) is the same for every sensor and cannot be known.
  return errors.map((e) => e - median);
}

describe('arrival-time clock', () => {
  // Losses come after the 10 s warm-up, in which the clock learns the device's real rate.
  // `exact`: counts must match; otherwise the beat between a 30 ms connection interval and a 10.05 ms
  // period (one step a period every 2 s, like a lost sample) may add or hide one loss.
  const cases = [
    { name: 'nominal rate, 7.5 ms connection interval', truePeriodS: 0.01, connectionIntervalS: 0.0075, jitterS: 0.002, exact: true, p50MaxS: 0.002 },
    { name: 'device 0.5% fast, 45 ms interval (batches of 4-5)', truePeriodS: 0.00995, connectionIntervalS: 0.045, jitterS: 0.004, exact: true, p50MaxS: 0.003 },
    { name: 'device 0.5% slow, 30 ms interval (slow 2 s beat)', truePeriodS: 0.01005, connectionIntervalS: 0.03, jitterS: 0.004, exact: false, p50MaxS: 0.011 },
  ];
  for (const c of cases) {
    it(`${c.name}: counts lost samples and keeps timing error small`, () => {
      for (const seed of [1, 2, 3]) {
        const sim = simulate({ ...c, durationS: 30, drop: [1500, 1501, 1502, 2000, 2600], seed });
        const clock = createArrivalClock({ periodS: 0.01 });
        let lost = 0;
        const t = sim.arrivalS.map((a) => {
          const s = clock.stamp(a);
          lost += s.lostBefore;
          return s.t;
        });
        if (c.exact) expect(lost, `seed ${seed}`).toBe(sim.lostTotal);
        else expect(Math.abs(lost - sim.lostTotal), `seed ${seed} lost ${lost}`).toBeLessThanOrEqual(1);
        const abs = errorsAfterSettling(sim.trueS, t, 10).map(Math.abs).sort((x, y) => x - y);
        expect(abs[Math.floor(abs.length / 2)]!, `seed ${seed} median |error|`).toBeLessThan(c.p50MaxS);
        // Until a loss is confirmed (2.5 s), later samples are early by the lost samples (30 ms here).
        expect(abs[Math.floor(abs.length * 0.95)]!, `seed ${seed} 95th percentile |error|`).toBeLessThan(0.035);
      }
    });
  }

  it('a stall of one second counts about 100 lost samples at 100 Hz', () => {
    const clock = createArrivalClock({ periodS: 0.01 });
    let lost = 0;
    for (let k = 0; k < 1200; k++) lost += clock.stamp(k * 0.01).lostBefore;
    for (let k = 1300; k < 1600; k++) lost += clock.stamp(k * 0.01).lostBefore;
    expect(lost).toBe(100);
  });
});

describe('device-time clock', () => {
  it('unwraps a u32 microsecond counter, counts gaps as lost, and keeps the least-delayed offset', () => {
    const wrapS = 2 ** 32 / 1e6;
    const clock = createDeviceClock({ periodS: 1 / 60, deviceWrapS: wrapS });
    const rnd = random(7);
    const startDeviceS = wrapS - 1; // wraps after one second
    let lost = 0;
    const out: { t: number; trueS: number }[] = [];
    for (let k = 0; k < 600; k++) {
      if (k === 100 || k === 101) continue;
      const trueS = 50 + k / 60;
      const deviceS = (startDeviceS + k / 60) % wrapS;
      const s = clock.stamp(trueS + 0.005 + rnd() * 0.03, { deviceTimeS: deviceS });
      lost += s.lostBefore;
      out.push({ t: s.t, trueS });
    }
    expect(lost).toBe(2);
    expect(clock.state.kind === 'device' && clock.state.wraps).toBe(1);
    // After a second, the offset is within the smallest delay seen (5 ms + a little) of the truth.
    for (const { t, trueS } of out.slice(120)) expect(t - trueS).toBeGreaterThan(0.0049);
    for (const { t, trueS } of out.slice(120)) expect(t - trueS).toBeLessThan(0.008);
  });

  it('counts lost samples from sequence numbers across their wrap', () => {
    const clock = createDeviceClock({ periodS: 0.01, seqModulo: 65536 });
    const seqs = [65533, 65534, 65535, 2, 3];
    const lost = seqs.map((seq, i) => clock.stamp(i * 0.01, { deviceTimeS: i * 0.01, seq }).lostBefore);
    expect(lost).toEqual([0, 0, 0, 2, 0]);
  });
});
