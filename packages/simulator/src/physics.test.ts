// Physics checks of the simulator: each one compares the simulated readings with an independent
// consequence of the model (gravity at rest, integrated gyro, integrated accelerometer, inclination).
import { describe, expect, it } from 'vitest';
import type { Quat, SampleLine, Vec3 } from '@hinge/protocol';
import { isEventLine } from '@hinge/protocol';
import { conjugate, fromAxisAngle, fromYawPitchRoll, multiply, normalize, rotate } from './quaternion';
import { simulateSession, type SimulatorOptions } from './session';
import type { ScriptStepInput } from './script';

const G = 9.81;
const DEG = Math.PI / 180;

function samples(lines: ReturnType<typeof simulateSession>['lines'], sensor: string): SampleLine[] {
  return lines.filter((l): l is SampleLine => !isEventLine(l) && l.sensor === sensor);
}

const norm = (v: Vec3) => Math.hypot(v[0], v[1], v[2]);
const angleBetweenDeg = (a: Vec3, b: Vec3) =>
  Math.acos(Math.min(1, (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (norm(a) * norm(b)))) / DEG;
/** Angle of the rotation taking one orientation to the other, deg. */
const quatDistanceDeg = (a: Quat, b: Quat) => {
  const d = multiply(conjugate(a), b);
  return (2 * Math.acos(Math.min(1, Math.abs(d[0])))) / DEG;
};

describe('rotation conventions', () => {
  it('fromYawPitchRoll rotates like Rz(yaw) Ry(pitch) Rx(roll) written out as matrices', () => {
    const [yaw, pitch, roll] = [0.7, -0.4, 0.25];
    const Rz = (a: number) => [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
    const Ry = (a: number) => [[Math.cos(a), 0, Math.sin(a)], [0, 1, 0], [-Math.sin(a), 0, Math.cos(a)]];
    const Rx = (a: number) => [[1, 0, 0], [0, Math.cos(a), -Math.sin(a)], [0, Math.sin(a), Math.cos(a)]];
    const apply = (m: number[][], v: Vec3): Vec3 => m.map((row) => row[0]! * v[0] + row[1]! * v[1] + row[2]! * v[2]) as Vec3;
    const v: Vec3 = [0.3, -1.2, 2.5];
    const expected = apply(Rz(yaw), apply(Ry(pitch), apply(Rx(roll), v)));
    const got = rotate(fromYawPitchRoll(yaw, pitch, roll), v);
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(expected[i]!, 12);
    // + pitch tilts the up axis toward +x (forward flexion)
    expect(rotate(fromYawPitchRoll(0, 0.5, 0), [0, 0, 1])[0]).toBeGreaterThan(0.4);
  });
});

describe('at rest', () => {
  const script: ScriptStepInput[] = [{ kind: 'stand', durationS: 6 }];

  it('the accelerometer reads gravity: norm 9.81 and direction R_sensor^T z', () => {
    for (const noise of ['none', 'typical'] as const) {
      const { lines, truth } = simulateSession({ script, seed: 11, mounting: 'random', noise });
      for (const sensor of ['sacrum', 'thoracic']) {
        const mount = truth.mountings[sensor]!;
        // standing upright: the segment frame is the earth frame up to a few tenths of a degree of sway
        const upInSensor = rotate(conjugate(mount), [0, 0, 1]);
        const rest = samples(lines, sensor);
        expect(rest.length).toBeGreaterThan(550);
        const meanNorm = rest.reduce((s, l) => s + norm(l.acc!), 0) / rest.length;
        const worstDirectionDeg = Math.max(...rest.map((l) => angleBetweenDeg(l.acc!, upInSensor)));
        if (noise === 'none') {
          for (const l of rest) expect(Math.abs(norm(l.acc!) - G)).toBeLessThan(0.02);
          expect(worstDirectionDeg).toBeLessThan(0.8);
        } else {
          expect(Math.abs(meanNorm - G)).toBeLessThan(0.15); // bias + scale error
          expect(worstDirectionDeg).toBeLessThan(2);
        }
      }
    }
  });

  it('with aligned mounting and no noise the inclination from acc equals the truth angle, standing and at the bottom', () => {
    const { lines, truth } = simulateSession({
      script: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge', trunkDeg: 70, pelvisDeg: 60, descentS: 2, pauseS: 3, ascentS: 2 }, { kind: 'stand', durationS: 2 }],
      seed: 5,
      mounting: 'aligned',
      noise: 'none',
    });
    const bottomS = truth.reps[0]!.bottom;
    for (const [sensor, series] of [['sacrum', truth.angles.pelvisDeg], ['thoracic', truth.angles.trunkDeg]] as const) {
      for (const tS of [1.5, bottomS]) {
        const sample = samples(lines, sensor).reduce((best, l) => (Math.abs(l.t - tS) < Math.abs(best.t - tS) ? l : best));
        const [ax, , az] = sample.acc!;
        const inclinationDeg = Math.atan2(-ax, az) / DEG; // Ry(theta)^T z = [-sin theta, 0, cos theta]
        const truthDeg = series[Math.round(sample.t * 100)]!;
        expect(Math.abs(inclinationDeg - truthDeg)).toBeLessThan(0.3);
      }
    }
    expect(truth.angles.trunkDeg[Math.round(bottomS * 100)]).toBeGreaterThan(70);
  });
});

describe('in motion', () => {
  const script: ScriptStepInput[] = [
    { kind: 'stand', durationS: 2 },
    { kind: 'hinge', trunkDeg: 75, pelvisDeg: 65, descentS: 1.8, pauseS: 0.5, ascentS: 1.8 },
    { kind: 'turn', angleDeg: 150, durationS: 2 },
    { kind: 'walk', durationS: 4, distanceM: 3, stepHz: 2 },
    { kind: 'squat', trunkDeg: 32, pelvisDeg: 20, hipDropM: 0.4, descentS: 2, pauseS: 0.5, ascentS: 2 },
    { kind: 'stand', durationS: 1 },
  ];
  const options: SimulatorOptions = { script, seed: 21, mounting: 'random', noise: 'none', jitterS: 0 };
  const raw = simulateSession(options);
  // The same session from quat-only devices: the sensor orientation at the same instants, in the
  // device's own earth frame (true earth turned by quatHeadingRad about z).
  const quat = simulateSession({ ...options, quatOnly: true });

  it('integrating the gyro reproduces the sensor orientation (hinge, turn, walk, squat)', () => {
    for (const sensor of ['sacrum', 'thoracic']) {
      const gyr = samples(raw.lines, sensor);
      const orientation = samples(quat.lines, sensor);
      expect(orientation.map((l) => l.t)).toEqual(gyr.map((l) => l.t));
      let q = orientation[0]!.quat!;
      let worstDeg = 0;
      for (let k = 1; k < gyr.length; k++) {
        const dtS = gyr[k]!.t - gyr[k - 1]!.t;
        const w = gyr[k - 1]!.gyr!.map((v, i) => (v + gyr[k]!.gyr![i]!) / 2) as Vec3; // trapezoid
        const rateRadS = norm(w);
        if (rateRadS > 0) q = normalize(multiply(q, fromAxisAngle(w.map((v) => v / rateRadS) as Vec3, rateRadS * dtS)));
        worstDeg = Math.max(worstDeg, quatDistanceDeg(q, orientation[k]!.quat!));
      }
      expect(worstDeg).toBeLessThan(0.5);
      // it did turn: the end orientation is far from the start
      expect(quatDistanceDeg(orientation[0]!.quat!, orientation[orientation.length - 1]!.quat!)).toBeGreaterThan(90);
    }
  });

  it('the sacrum acc, rotated to earth and integrated twice, reproduces the sacrum sink of the squat', () => {
    const squat = raw.truth.reps.find((r) => r.kind === 'squat')!;
    const acc = samples(raw.lines, 'sacrum');
    const orientation = samples(quat.lines, 'sacrum');
    const from = acc.findIndex((l) => l.t >= squat.start - 0.5); // standing still: velocity 0
    let velocityMS = 0;
    let heightM = 0;
    let heightAtBottomM = NaN;
    for (let k = from; k < acc.length - 1 && acc[k]!.t <= squat.bottom; k++) {
      const dtS = acc[k + 1]!.t - acc[k]!.t;
      const verticalMS2 = (l: number) => rotate(orientation[l]!.quat!, acc[l]!.acc!)[2] - G; // heading does not change z
      const a0 = verticalMS2(k);
      const a1 = verticalMS2(k + 1);
      heightM += velocityMS * dtS + ((2 * a0 + a1) / 6) * dtS * dtS;
      velocityMS += ((a0 + a1) / 2) * dtS;
      heightAtBottomM = heightM;
    }
    expect(squat.sacrumDropM).toBeGreaterThan(0.3);
    expect(Math.abs(-heightAtBottomM - squat.sacrumDropM)).toBeLessThan(0.01);
  });
});

describe('knee-dominant truth: the knees flex more than the hips', () => {
  const stand = { kind: 'stand', durationS: 2, calibrate: true } as const;
  const bend = (hipDropM: number, pelvisDeg: number, trunkDeg: number): ScriptStepInput =>
    ({ kind: 'squat', trunkDeg, pelvisDeg, hipDropM, hipBackM: 0.1, descentS: 2, pauseS: 0.5, ascentS: 2 });
  const truthOf = (step: ScriptStepInput) => simulateSession({ script: [stand, step, { kind: 'stand', durationS: 2 }], seed: 3, mounting: 'aligned', noise: 'none' }).truth.reps[0]!;

  it('a 0.50 m crouch with 34 deg of pelvic tilt is knee-dominant (thighs inclined about 60 deg)', () => {
    const rep = truthOf(bend(0.5, 34, 55));
    expect(rep.thighDeg).toBeGreaterThan(50);
    expect(rep.faults).toContain('knee-dominant');
  });

  it('a hinge with soft knees (0.08 m) and a 0.20 m bend with 45 deg of pelvic tilt are not', () => {
    expect(truthOf(bend(0.08, 60, 70)).faults).not.toContain('knee-dominant');
    const tilted = truthOf(bend(0.2, 45, 60));
    expect(tilted.thighDeg).toBeLessThan(45);
    expect(tilted.faults).not.toContain('knee-dominant');
  });
});
