// What the analysis reports: the `hinge-analysis` document (docs/analysis-output.md), the live events
// the streaming detector emits, and the per-patient settings that drive both.

export const FAULTS = ['lumbar-rounding', 'knee-dominant', 'too-fast'] as const;
export type Fault = (typeof FAULTS)[number];

export const LOADS = ['none', 'dowel', 'band', 'weights'] as const;
export type Load = (typeof LOADS)[number];

/** Per-patient settings. The same object drives live alerts and offline analysis. */
export interface PatientSettings {
  /** 0-10; the hip hinge suits 1-5, above that the analysis warns. */
  painLevel: number | null;
  load: Load;
  /** Lumbar flexion (trunk minus pelvis) allowed during a rep, degrees. */
  lumbarLimitDeg: number;
  /** Shortest acceptable descent or ascent, seconds. */
  tempoMinS: number;
  targetReps: number;
  targetSets: number;
}

export interface RepReport {
  index: number;
  /** Recording time, s. */
  start: number;
  bottom: number;
  end: number;
  peakTrunkDeg: number;
  /** Null when the sacrum sensor had no data during the rep. */
  peakPelvisDeg: number | null;
  peakLumbarDeg: number | null;
  hipShare: number | null;
  descentS: number;
  ascentS: number;
  faults: Fault[];
  /** The numbers that triggered each fault, so a clinician can see why. */
  faultDetails?: FaultDetail[];
  /** Vertical sink of the sacrum at the bottom, m, when it could be estimated. */
  sacrumDropM?: number | null;
  set?: number;
  /** Time during the rep when the thoracic sensor had no data, s (present only when > 0). */
  missingS?: number;
}

export interface FaultDetail {
  fault: Fault;
  message: string;
  values: Record<string, number>;
}

export type FaultCounts = Record<Fault, number>;

export interface SetSummary {
  index: number;
  start: number;
  end: number;
  repCount: number;
  cleanReps: number;
  faultCounts: FaultCounts;
  peakTrunkDegMax: number | null;
  peakLumbarDegMax: number | null;
  peakLumbarDegMean: number | null;
  hipShareMean: number | null;
  descentSMean: number | null;
  ascentSMean: number | null;
}

export interface SessionSummary extends Omit<SetSummary, 'index' | 'start' | 'end'> {
  sets?: SetSummary[];
}

export interface AngleSeries {
  t: number[];
  pelvisDeg: (number | null)[];
  trunkDeg: (number | null)[];
  lumbarDeg: (number | null)[];
}

export interface AnalysisDocument {
  format: 'hinge-analysis';
  version: 1;
  /**
   * The standing neutral: where it came from (`still-standing`: both sensors still for the live
   * calibration time; `best-still-offline`: a file without one, calibrated on its best shorter still stand)
   * and how still that was (its length, s, and the RMS turning rate of the sensors, deg/s).
   */
  calibration: { start: number; end: number; source?: 'still-standing' | 'best-still-offline'; stillS?: number; motionDegS?: number } | null;
  reps: RepReport[];
  summary: SessionSummary;
  warnings: string[];
  settings?: PatientSettings;
  /**
   * How far the thoracic sensor's timestamps ran behind the sacrum's at the end, ms (estimated from the
   * two angular speeds during bends, and corrected before the angles were combined); null: not estimated.
   */
  thoracicLagMs?: number | null;
  /** Spans (recording time, s) in which a sensor's readings were clipped at its range and bridged. */
  clipped?: { sensor: string; start: number; end: number }[];
  angles?: AngleSeries;
}

/** One instant of body angles (degrees; null where a sensor has no data). */
export interface AngleSample {
  t: number;
  pelvisDeg: number | null;
  trunkDeg: number | null;
  lumbarDeg: number | null;
}

export type RepPhase = 'standing' | 'descent' | 'bottom' | 'ascent';

/** Events the streaming analysis emits, live and offline alike. */
export type AnalysisEvent =
  | { type: 'calibrated'; t: number; start: number; end: number }
  | { type: 'calibration-warning'; t: number; message: string }
  /** Since the latest calibration, bends have shown both segments' left-right (flexion) axis. */
  | { type: 'bend-axis'; t: number }
  | { type: 'rep-started'; t: number; index: number }
  | { type: 'phase'; t: number; index: number; phase: RepPhase }
  | { type: 'alert'; t: number; index: number; fault: Fault; message: string; values: Record<string, number> }
  | { type: 'rep-completed'; t: number; rep: RepReport }
  | { type: 'set-completed'; t: number; set: SetSummary }
  | { type: 'warning'; t: number; message: string };
