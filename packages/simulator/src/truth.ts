// Ground truth of a simulated session, computed from the model itself with the definitions of
// docs/analysis-output.md: angles from standing neutral (the model's zero), reps and their faults
// judged with the default settings.
import type { Fault, Quat } from '@hinge/protocol';
import { bodyPose, sensorSite, type Motion } from './body';
import { isRepStep, REP_LEAD_S, type RepKind, type ScriptStep } from './script';
import type { SensorErrors } from './sensors';

/**
 * The truth's `lumbar-rounding` limit: the product's default (DEFAULT_LUMBAR_LIMIT_DEG in
 * packages/analysis/src/settings.ts, where the literature behind it is given). Kept as its own number so the
 * simulator's truth never depends on analysis code; generated reps stay far from it on both sides.
 */
export const TRUTH_LUMBAR_LIMIT_DEG = 20;
/** Default tempo threshold: a descent or ascent shorter than this is `too-fast`. */
export const TRUTH_TEMPO_MIN_S = 1.0;
/**
 * `knee-dominant`: the knees flexed more than the hips. With the feet flat and the hip joint lowered by d
 * through equal inclinations a of shank and thigh (leg segments of about half the hip height each;
 * thigh 0.245 and shank 0.246 of body height, Winter, "Biomechanics and Motor Control of Human Movement"),
 * d = hipHeight (1 - cos a): the knee flexes 2a and the hip a + pelvic tilt, so the knees lead when the
 * thigh's inclination a exceeds the pelvic tilt. And the hip joint sank at least TRUTH_KNEE_SINK_M
 * (knee flexion of about 65 deg: beyond the soft knees of a hinge).
 */
export const TRUTH_KNEE_SINK_M = 0.15;

/** Inclination of the thighs (deg) that lowers a hip joint at hipHeightM by dropM (feet flat, shank and thigh alike). */
export function thighInclinationDeg(dropM: number, hipHeightM: number): number {
  return Math.acos(Math.max(-1, Math.min(1, 1 - dropM / hipHeightM))) * DEG;
}
/** A bend is a rep when the trunk flexes this far or the sacrum sinks this far. */
export const REP_MIN_TRUNK_DEG = 20;
export const REP_MIN_SINK_M = 0.1;
/** A rep starts when the trunk leaves, and ends when it comes back within, this band around standing. */
export const STANDING_BAND_DEG = 3;

/**
 * Borderline margins: how far from a threshold a rep or a fault is too close to call for a two-IMU
 * system (angles about +-2 deg from soft tissue, mounting and posture; the sink about +-2-3 cm; movement
 * onset about +-0.15 s, depending on how it is defined). Labels inside a margin are kept, and marked.
 */
export const BORDERLINE = { trunkDeg: 3, sinkM: 0.025, lumbarDeg: 2, tempoS: 0.15, pelvisDeg: 4 } as const;

/** Rate of the truth angle series, Hz. */
export const TRUTH_RATE_HZ = 100;
/** Time resolution of rep start, bottom and end, s. */
const EVENT_RESOLUTION_S = 0.001;

const DEG = 180 / Math.PI;

export interface TruthRep {
  index: number;
  start: number;
  bottom: number;
  end: number;
  peakTrunkDeg: number;
  peakPelvisDeg: number;
  peakLumbarDeg: number;
  /** Vertical sink of the sacrum sensor at the bottom below where it was standing before the rep, m. */
  sacrumDropM: number;
  /** Sink of the hip joint at the bottom (knee and ankle flexion), m, and the thighs' inclination it implies, deg. */
  hipDropM: number;
  thighDeg: number;
  hipShare: number;
  descentS: number;
  ascentS: number;
  kind: RepKind;
  faults: Fault[];
  /**
   * What is too close to its threshold to call (BORDERLINE): 'rep' (whether it is a rep at all) and
   * the faults whose label could go either way. Absent when everything is clear.
   */
  borderline?: ('rep' | Fault)[];
}

export interface SimulationTruth {
  format: 'hinge-truth';
  version: 1;
  seed: number;
  script: ScriptStep[];
  /** Sensor id -> mounting (sensor frame -> segment frame) quaternion [w,x,y,z]. */
  mountings: Record<string, Quat>;
  /** Sensor id -> every imperfection applied to it. */
  sensorErrors: Record<string, SensorErrors>;
  angles: { t: number[]; pelvisDeg: number[]; trunkDeg: number[]; lumbarDeg: number[] };
  reps: TruthRep[];
  /** Bends just short of a rep (within BORDERLINE of the definition): counting them is not wrong either. */
  nearReps?: TruthRep[];
}

const round = (v: number, decimals: number): number => Math.round(v * 10 ** decimals) / 10 ** decimals;

function anglesAt(motion: Motion, tS: number): { pelvisDeg: number; trunkDeg: number } {
  const pose = bodyPose(motion, tS);
  return { pelvisDeg: pose.pelvisPitchRad * DEG, trunkDeg: pose.trunkPitchRad * DEG };
}

export function truthAngles(motion: Motion, endS: number): SimulationTruth['angles'] {
  const angles: SimulationTruth['angles'] = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
  for (let k = 0; k / TRUTH_RATE_HZ <= endS; k++) {
    const tS = k / TRUTH_RATE_HZ;
    const { pelvisDeg, trunkDeg } = anglesAt(motion, tS);
    angles.t.push(round(tS, 2));
    angles.pelvisDeg.push(round(pelvisDeg, 4));
    angles.trunkDeg.push(round(trunkDeg, 4));
    angles.lumbarDeg.push(round(trunkDeg - pelvisDeg, 4));
  }
  return angles;
}

function sacrumHeightM(motion: Motion, tS: number): number {
  return sensorSite(motion.body, bodyPose(motion, tS), 'sacrum').positionM[2];
}

/** Measures every rep step of the script on the model and keeps those that are reps by the spec's definition. */
export function truthReps(motion: Motion): TruthRep[] {
  return measureRepSteps(motion).filter((r) => r.isRep).map(({ isRep: _, ...r }, i) => ({ ...r, index: i + 1 }));
}

/** Rep steps that narrowly miss the definition of a rep (borderline non-reps). */
export function truthNearReps(motion: Motion): TruthRep[] {
  return measureRepSteps(motion).filter((r) => !r.isRep && r.borderline?.includes('rep')).map(({ isRep: _, ...r }, i) => ({ ...r, index: i + 1 }));
}

function borderlineOf(r: Omit<TruthRep, 'borderline' | 'index'>): ('rep' | Fault)[] {
  const b = BORDERLINE;
  const out: ('rep' | Fault)[] = [];
  const clearTrunk = r.peakTrunkDeg >= REP_MIN_TRUNK_DEG + b.trunkDeg;
  const clearSink = r.sacrumDropM >= REP_MIN_SINK_M + b.sinkM;
  const nearTrunk = r.peakTrunkDeg >= REP_MIN_TRUNK_DEG - b.trunkDeg;
  const nearSink = r.sacrumDropM >= REP_MIN_SINK_M - b.sinkM;
  if (!clearTrunk && !clearSink && (nearTrunk || nearSink)) out.push('rep');
  if (Math.abs(r.peakLumbarDeg - TRUTH_LUMBAR_LIMIT_DEG) < b.lumbarDeg) out.push('lumbar-rounding');
  const nearSinkLimit = Math.abs(r.hipDropM - TRUTH_KNEE_SINK_M) < b.sinkM && r.thighDeg > r.peakPelvisDeg - b.pelvisDeg;
  const nearPelvisLimit = Math.abs(r.thighDeg - r.peakPelvisDeg) < b.pelvisDeg && r.hipDropM >= TRUTH_KNEE_SINK_M - b.sinkM;
  if (nearSinkLimit || nearPelvisLimit) out.push('knee-dominant');
  if (Math.abs(Math.min(r.descentS, r.ascentS) - TRUTH_TEMPO_MIN_S) < b.tempoS) out.push('too-fast');
  return out;
}

function measureRepSteps(motion: Motion): (TruthRep & { isRep: boolean })[] {
  const reps: (TruthRep & { isRep: boolean })[] = [];
  for (const placed of motion.steps) {
    const { step } = placed;
    if (!isRepStep(step)) continue;
    // Sample the step finely; find the deepest trunk flexion, then walk out to the standing band.
    const samples: { tS: number; pelvisDeg: number; trunkDeg: number }[] = [];
    for (let k = 0; placed.startS + k * EVENT_RESOLUTION_S <= placed.endS; k++) {
      const tS = placed.startS + k * EVENT_RESOLUTION_S;
      samples.push({ tS, ...anglesAt(motion, tS) });
    }
    let bottom = 0;
    samples.forEach((s, i) => {
      if (s.trunkDeg > samples[bottom]!.trunkDeg) bottom = i;
    });
    let start = bottom;
    while (start > 0 && samples[start]!.trunkDeg > STANDING_BAND_DEG) start--;
    let end = bottom;
    while (end < samples.length - 1 && samples[end]!.trunkDeg > STANDING_BAND_DEG) end++;
    const during = samples.slice(start, end + 1);
    const peakTrunkDeg = Math.max(...during.map((s) => s.trunkDeg));
    const peakPelvisDeg = Math.max(...during.map((s) => s.pelvisDeg));
    const peakLumbarDeg = Math.max(...during.map((s) => s.trunkDeg - s.pelvisDeg));
    const b = samples[bottom]!;
    const sacrumDropM = sacrumHeightM(motion, placed.startS) - sacrumHeightM(motion, b.tS);
    const hipDropM = bodyPose(motion, placed.startS).hipM[2] - bodyPose(motion, b.tS).hipM[2];
    const thighDeg = thighInclinationDeg(hipDropM, motion.body.hipHeightM);
    const isRep = peakTrunkDeg >= REP_MIN_TRUNK_DEG || sacrumDropM >= REP_MIN_SINK_M;
    const startS = samples[start]!.tS;
    const endS = samples[end]!.tS;
    // Descent and ascent are the movements down and up: a hold at the bottom belongs to neither (the
    // body is not moving, whatever its depth), so they end and start at the script's turning points.
    const descentEndS = Math.min(b.tS, placed.startS + REP_LEAD_S + step.descentS);
    const ascentStartS = Math.max(b.tS, placed.startS + REP_LEAD_S + step.descentS + step.pauseS);
    const descentS = Math.max(0, descentEndS - startS);
    const ascentS = Math.max(0, endS - ascentStartS);
    const faults: Fault[] = [];
    if (peakLumbarDeg > TRUTH_LUMBAR_LIMIT_DEG) faults.push('lumbar-rounding');
    if (hipDropM >= TRUTH_KNEE_SINK_M && thighDeg > peakPelvisDeg) faults.push('knee-dominant');
    if (descentS < TRUTH_TEMPO_MIN_S || ascentS < TRUTH_TEMPO_MIN_S) faults.push('too-fast');
    const rep = {
      index: reps.length + 1,
      start: round(startS, 3),
      bottom: round(b.tS, 3),
      end: round(endS, 3),
      peakTrunkDeg: round(peakTrunkDeg, 3),
      peakPelvisDeg: round(peakPelvisDeg, 3),
      peakLumbarDeg: round(peakLumbarDeg, 3),
      sacrumDropM: round(sacrumDropM, 4),
      hipDropM: round(hipDropM, 4),
      thighDeg: round(thighDeg, 2),
      hipShare: round(b.pelvisDeg / b.trunkDeg, 4),
      descentS: round(descentS, 3),
      ascentS: round(ascentS, 3),
      kind: step.kind,
      faults,
    };
    const borderline = borderlineOf(rep);
    reps.push({ ...rep, isRep, ...(borderline.length > 0 ? { borderline } : {}) });
  }
  return reps;
}
