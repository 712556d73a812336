// Samples stamped on arrival, three to a BLE packet, 0-20 ms late (simulator option packetSamples): the
// analysis re-spaces them onto an even clock that follows the lower envelope of the stamps
// (packages/analysis/src/body/respace.ts). Compared with the same session evenly stamped.
import { describe, expect, it } from 'vitest';
import { simulateSession } from '@hinge/simulator';
import { scoreSession } from '../bench/evaluate';
import { hardConditionOptions } from '../bench/hard-conditions';
import { analyzeRecordingLines } from '../packages/analysis/src/session-analyzer';
import { createRespace, isBatched, respaceTime } from '../packages/analysis/src/body/respace';

describe('samples stamped on arrival in packets of three (issue 12, packets)', () => {
  it('back-to-back fast reps: angles as good as the evenly stamped twin (RMSE within 0.25 deg, standing error within 1 deg)', () => {
    // Seeds apart from the bench's (3000-3004).
    for (const seed of [3201, 3203]) {
      const evenSim = simulateSession(hardConditionOptions('fast-reps', seed));
      const packedSim = simulateSession(hardConditionOptions('packets', seed));
      const even = scoreSession(seed, analyzeRecordingLines(evenSim.header, evenSim.lines, {}, { angles: true }), evenSim.truth);
      const packed = scoreSession(seed, analyzeRecordingLines(packedSim.header, packedSim.lines, {}, { angles: true }), packedSim.truth);
      expect(packed.rmse.pelvisDeg).toBeLessThan(even.rmse.pelvisDeg + 0.25);
      expect(packed.rmse.trunkDeg).toBeLessThan(even.rmse.trunkDeg + 0.25);
      expect(packed.rmse.lumbarDeg).toBeLessThan(even.rmse.lumbarDeg + 0.25);
      expect(packed.maxStandingErrDeg).toBeLessThan(even.maxStandingErrDeg + 1);
    }
  }, 120_000);
});

describe('respaceTime', () => {
  const periodS = 0.01;

  it('leaves evenly stamped samples (with jitter under 0.3 periods) exactly as they are', () => {
    const s = createRespace();
    let last = -Infinity;
    for (let k = 0; k < 2000; k++) {
      const stamp = k * periodS + 0.002 * Math.sin(k * 1.7);
      expect(respaceTime(s, stamp, stamp - last, k === 0, periodS)).toBe(stamp);
      last = stamp;
    }
    expect(isBatched(s)).toBe(false);
  });

  it('packets of three, 0-20 ms late: times evenly spaced, within a few ms of the true instants, never after the stamp', () => {
    const s = createRespace();
    const trueS = (k: number) => 1 + k * periodS * (1 + 200e-6); // a device clock 200 ppm slow
    let last = -Infinity;
    let lateS = 0;
    const errorsS: number[] = [];
    for (let k = 0; k < 6000; k++) {
      const inPacket = k % 3;
      if (inPacket === 0) lateS = 0.02 * ((k * 0.618034) % 1); // arrival delay, 0-20 ms
      const stamp = trueS(k - inPacket + 2) + lateS + 0.001 * inPacket;
      const t = respaceTime(s, stamp, stamp - last, k === 0, periodS);
      expect(t).toBeLessThanOrEqual(stamp);
      if (k >= 1000) errorsS.push(t - trueS(k)); // after 10 s
      last = stamp;
    }
    expect(isBatched(s)).toBe(true);
    // Stamped, the error would be 0-40 ms (two periods plus the delay); re-spaced, the 2 ms the last
    // sample of a packet is stamped after its first, plus the rise of the clock between early packets.
    expect(Math.max(...errorsS.map(Math.abs))).toBeLessThan(0.008);
  });
  it('one packet in 100 lost: still nearer the true instants than the stamps, never after them', () => {
    const s = createRespace();
    let last = -Infinity;
    const errorsS: number[] = [];
    const stampErrorsS: number[] = [];
    for (let k = 0; k < 6000; k++) {
      const inPacket = k % 3;
      const packet = (k - inPacket) / 3;
      if (packet % 100 === 50) continue;
      const stamp = 1 + (k - inPacket + 2) * periodS + 0.02 * ((packet * 0.618034) % 1) + 0.001 * inPacket;
      const t = respaceTime(s, stamp, stamp - last, k === 0, periodS);
      expect(t).toBeLessThanOrEqual(stamp);
      if (k >= 1000) {
        errorsS.push(Math.abs(t - (1 + k * periodS)));
        stampErrorsS.push(stamp - (1 + k * periodS));
      }
      last = stamp;
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    // The lost samples make the counted period about 1 % long: the clock runs into the stamps' lower envelope
    // and is held there (the block lift catches up the packet it fell behind).
    expect(median(errorsS)).toBeLessThan(0.75 * median(stampErrorsS));
    expect(Math.max(...errorsS)).toBeLessThan(0.04);
  });
});
