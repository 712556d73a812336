// Slow mounting change: a strap that creeps moves its sensor on the skin by a few degrees over minutes,
// and every angle of that segment is then off by as much. The stale-calibration warning waits for 8 deg
// (checkStale); this catches the slow slip early and corrects for it.
//
// Evidence: quiet standing between reps and sets, when both angles should read about 0. A slip moves one
// sensor's reading while the other's stays, slowly and steadily; a real change of standing posture
// moves them differently:
//   - leaning or swaying the whole body tilts pelvis and trunk together: when the other segment's
//     standing reading has moved by more than half as much, nothing is taken as slip;
//   - a new posture (slouching, a tilted pelvis) appears from one stand to the next: a standing reading
//     that differs from the previous stand's by more than stepDeg is a posture change, and nothing is
//     taken as slip until the reading is back within stepDeg of 0 (or a recalibration);
//   - a slip creeps: from stand to stand it moves less than stepDeg, and the correction follows the
//     segment's standing reading with a time constant of followTauS of standing (quiet standing comes
//     in short pieces between reps: in a 10-minute session of the simulator, about 20 s in all).
// Once a segment's correction reaches warnDeg (3), a warning says which sensor has moved and that the
// angles are corrected; a calibration (the dashboard's calibrate button) clears the correction.
import type { BodyFrame } from './body-angles';

export interface SlipOptions {
  /** The correction follows a lone segment's standing reading with this time constant of standing, s. */
  followTauS: number;
  warnDeg: number;
  stepDeg: number;
  /** Readings below this are standing noise (sway), deg. */
  noiseDeg: number;
}

export const DEFAULT_SLIP_OPTIONS: SlipOptions = { followTauS: 2, warnDeg: 3, stepDeg: 1.5, noiseDeg: 0.3 };

interface SegmentSlip {
  /** Correction subtracted from the segment's angle, deg (+ = the sensor now reads forward of the body). */
  offsetDeg: number;
  /** The corrected standing reading at the end of the previous stand, deg. */
  lastStandDeg: number;
  /** The reading of this stand so far (first frame), deg, and whether this stand shows a posture change. */
  standStartDeg: number | null;
  postureChange: boolean;
  warned: boolean;
}

export interface SlipTracker {
  readonly options: SlipOptions;
  pelvis: SegmentSlip;
  trunk: SegmentSlip;
  /** Calibrations seen (a new one clears the corrections). */
  calibrations: number;
  lastT: number | null;
  wasStanding: boolean;
}

const fresh = (): SegmentSlip => ({ offsetDeg: 0, lastStandDeg: 0, standStartDeg: null, postureChange: false, warned: false });

export function createSlipTracker(options: Partial<SlipOptions> = {}): SlipTracker {
  return { options: { ...DEFAULT_SLIP_OPTIONS, ...options }, pelvis: fresh(), trunk: fresh(), calibrations: 0, lastT: null, wasStanding: false };
}

/** The frame with the slip corrections applied. */
export function correctSlip(s: SlipTracker, frame: BodyFrame, calibrations: number): BodyFrame {
  if (calibrations !== s.calibrations) {
    s.calibrations = calibrations;
    s.pelvis = fresh();
    s.trunk = fresh();
  }
  if (frame.pelvisDeg === null || frame.trunkDeg === null) return frame;
  // Nothing to correct (no slip followed yet): the frame as it is, not a copy per frame.
  if (s.pelvis.offsetDeg === 0 && s.trunk.offsetDeg === 0) return frame;
  const pelvisDeg = frame.pelvisDeg - s.pelvis.offsetDeg;
  const trunkDeg = frame.trunkDeg - s.trunk.offsetDeg;
  return { ...frame, pelvisDeg, trunkDeg, lumbarDeg: trunkDeg - pelvisDeg };
}

/**
 * One corrected frame; `standing`: the patient stands still outside a rep (calibrated, not averaging a
 * neutral). Returns a warning message when a segment's correction first reaches warnDeg.
 */
export function trackSlip(s: SlipTracker, frame: BodyFrame, standing: boolean): string | null {
  const dtS = s.lastT === null ? 0 : Math.min(0.1, frame.t - s.lastT);
  s.lastT = frame.t;
  if (!standing || frame.pelvisDeg === null || frame.trunkDeg === null) {
    if (s.wasStanding) {
      s.pelvis.lastStandDeg = s.pelvis.standStartDeg ?? s.pelvis.lastStandDeg;
      s.trunk.lastStandDeg = s.trunk.standStartDeg ?? s.trunk.lastStandDeg;
    }
    s.wasStanding = false;
    s.pelvis.standStartDeg = s.trunk.standStartDeg = null;
    return null;
  }
  s.wasStanding = true;
  let message: string | null = null;
  const readings = { pelvis: frame.pelvisDeg, trunk: frame.trunkDeg };
  for (const name of ['pelvis', 'trunk'] as const) {
    const seg = s[name];
    const other = name === 'pelvis' ? 'trunk' : 'pelvis';
    const r = readings[name];
    if (seg.standStartDeg === null) {
      seg.standStartDeg = r;
      // A jump from the previous stand starts a posture change; it lasts until the reading is back near 0.
      if (Math.abs(r - seg.lastStandDeg) > s.options.stepDeg) seg.postureChange = true;
      else if (Math.abs(r) < s.options.stepDeg) seg.postureChange = false;
    }
    seg.standStartDeg = r; // the stand's latest reading (its end is what the next stand is compared with)
    const alone = Math.abs(readings[other]) < 0.5 * Math.abs(r);
    if (seg.postureChange || !alone || Math.abs(r) < s.options.noiseDeg) continue;
    seg.offsetDeg += (r * dtS) / s.options.followTauS;
    if (!seg.warned && Math.abs(seg.offsetDeg) >= s.options.warnDeg) {
      seg.warned = true;
      const sensor = name === 'pelvis' ? 'sacrum' : 'thoracic';
      message =
        `the ${sensor} sensor has moved about ${Math.abs(seg.offsetDeg).toFixed(1)} deg on the skin since calibration ` +
        `(standing, the ${name} reads ${seg.offsetDeg > 0 ? 'forward' : 'backward'} while the ${other} does not): the angles are corrected for it; recalibrate when the patient is ready`;
    }
  }
  return message;
}
