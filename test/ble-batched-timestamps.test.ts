// Samples stamped as they arrive over BLE: a MetaWear packed notification carries three samples and no
// timestamp, Thingy:52 and WitMotion packets none either (../shared/spec/ble-devices.md), so a recorder
// that stamps what arrives writes three samples a few milliseconds apart, then nothing for the rest of
// the packet interval. The bridge's own clock (sensor-bridge/src/ble/clock.ts) spreads them out again,
// but an imported file may carry such stamps. The sample rate the analysis measures must then still be
// the rate samples really come at.
import type { RecordingLine, SampleLine } from '@hinge/protocol';
import { describe, expect, it } from 'vitest';
import { simulateSession } from '@hinge/simulator';
import { scoreSession } from '../bench/evaluate';
import { hardConditionOptions } from '../bench/hard-conditions';
import { analyzeRecordingLines, createSessionAnalyzer } from '../packages/analysis/src/session-analyzer';

/**
 * Re-stamps each sensor's samples in packets of `perPacket`: the packet's stamp, then 1 ms apart. The packet is
 * stamped at its middle sample's time, so the stamps are as late as they are early (a recorder's constant
 * latency is not what this is about: against the truth it would read as the movement happening later).
 */
function stampOnArrival(lines: RecordingLine[], perPacket: number): RecordingLine[] {
  const count = new Map<string, number>();
  const packetT = new Map<string, number>();
  const bySensor = new Map<string, SampleLine[]>();
  const isSample = (l: RecordingLine): l is SampleLine => 'sensor' in l && 'gyr' in l && typeof l.sensor === 'string';
  for (const line of lines) if (isSample(line)) bySensor.set(line.sensor, [...(bySensor.get(line.sensor) ?? []), line]);
  const restamped = new Map<SampleLine, number>();
  for (const [sensor, samples] of bySensor) {
    samples.forEach((s, i) => {
      const c = count.get(sensor) ?? 0;
      count.set(sensor, c + 1);
      if (c % perPacket === 0) packetT.set(sensor, samples[Math.min(samples.length - 1, i + (perPacket >> 1))]!.t);
      restamped.set(s, Math.round((packetT.get(sensor)! + 0.001 * (c % perPacket)) * 1e4) / 1e4);
    });
  }
  return lines.map((l) => (restamped.has(l as SampleLine) ? { ...(l as SampleLine), t: restamped.get(l as SampleLine)! } : l)).sort((a, b) => a.t - b.t);
}

describe('samples stamped on arrival, three to a BLE packet (issue 12, after fast motion)', () => {
  it('back-to-back fast reps: the rate measured is the real one, and no error outlasts the movement (standing error within 2 deg of evenly spaced stamps)', () => {
    // The stamps themselves are up to 10 ms off inside a packet; where the trunk passes through the
    // standing band at the end of a quick ascent (up to 200 deg/s) that alone is 2 deg, and during the
    // movement it adds to the RMSE (0.4 deg on these sessions: not corrected here). What must not happen
    // is an error that outlasts the movement.
    for (const seed of [3200, 3202]) {
      const sim = simulateSession(hardConditionOptions('fast-reps', seed));
      const even = scoreSession(seed, analyzeRecordingLines(sim.header, sim.lines, {}, { angles: true }), sim.truth);
      const analyzer = createSessionAnalyzer(sim.header, {}, { keepAngleSeries: true, maxPendingAngles: 0 });
      for (const line of stampOnArrival(sim.lines, 3)) analyzer.push(line);
      const packed = scoreSession(seed, analyzer.finish(), sim.truth);
      for (const tracker of analyzer.internals.trackers.values()) expect(Math.abs(tracker.options.sampleRateHz / 100 - 1)).toBeLessThan(0.05);
      expect(packed.maxStandingErrDeg).toBeLessThan(even.maxStandingErrDeg + 2);
    }
  }, 120_000);
});
