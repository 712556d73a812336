// The bridge over clipped gyroscope spans, span by span, against the truth: each simulated session of the
// clipping hard condition is simulated twice, with and without the +-250 deg/s range (the same seed gives
// the same motion and the same sensor noise; only the clipping differs), so the rotation each clipped
// span missed is known exactly. Seeds the bench does not use (it runs 3000 on).
import type { SampleLine } from '@hinge/protocol';
import { describe, expect, it } from 'vitest';
import { simulateSession } from '@hinge/simulator';
import { hardConditionOptions } from '../bench/hard-conditions';
import { createOrientationFilter, updateOrientation } from '../packages/analysis/src/fusion/orientation-filter';

const DEG = 180 / Math.PI;

/** Per bridged span: what the bridge restored minus what the clipped readings missed, deg. */
function bridgeErrorsDeg(seed: number, sensor: string): number[] {
  const options = hardConditionOptions('clipping', seed);
  const ofSensor = (lines: ReturnType<typeof simulateSession>['lines']) => lines.filter((l): l is SampleLine => 'sensor' in l && l.sensor === sensor && !!l.gyr);
  const clipped = ofSensor(simulateSession(options).lines);
  const unclipped = ofSensor(simulateSession({ ...options, conditions: {} }).lines);
  const f = createOrientationFilter({ sampleRateHz: 100 });
  const missed = [0, 0, 0];
  const errors: number[] = [];
  let lastT = clipped[0]!.t - 0.01;
  for (let i = 0; i < clipped.length; i++) {
    const c = clipped[i]!, u = unclipped[i]!;
    const dtS = c.t - lastT;
    lastT = c.t;
    for (let a = 0; a < 3; a++) missed[a]! += (u.gyr![a]! - c.gyr![a]!) * dtS;
    const before = f.gyrSaturation.bridgedSpans;
    updateOrientation(f, c.gyr!, c.acc!, dtS);
    if (f.gyrSaturation.bridgedSpans === before) continue;
    for (let a = 0; a < 3; a++) {
      if (f.bridge[a] === 0) continue;
      errors.push((f.bridge[a]! - missed[a]!) * DEG);
      missed[a] = 0;
    }
  }
  return errors;
}

describe('gyroscope clipping: the bridge of each clipped span (issue 12)', () => {
  it('on ballistic reps with soft-tissue wobble, restores what each span missed within 3 deg (0.6 deg RMS)', () => {
    const errors = [3005, 3006, 3007, 3200, 3201].flatMap((seed) => [...bridgeErrorsDeg(seed, 'sacrum'), ...bridgeErrorsDeg(seed, 'thoracic')]);
    expect(errors.length).toBeGreaterThan(100);
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(3);
    expect(rms).toBeLessThan(0.6);
  }, 120_000);
});
