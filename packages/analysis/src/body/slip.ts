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
//
// Sudden shift of the thoracic sensor (skin sliding with the shoulder blades as the arms go overhead, a
// strap knocked): a step, not a creep, so the slow rule above takes it for a posture change and leaves
// it, and a trunk that reads 20 deg while the person stands holds a "rep" open (issue #11, class 4).
// What a standing person reads decides it (docs/analysis.md, "Sudden sensor shift"):
//   - the person stands upright: the pelvis within uprightPelvisDeg of its neutral (every hinge, squat,
//     crouch, seat and lean tilts the pelvis), the trunk not bent to the side, no steps (the sacrum's
//     vertical acceleration small), and the trunk held still over the pelvis: the lumbar angle steady
//     within steadyDeg for shiftStandS (the calibration's own 1.5 s; swaying about the ankles tilts both
//     segments together and keeps it steady);
//   - yet the lumbar angle reads more than shiftMinDeg (the stale-calibration limit) from 0: a lumbar
//     spine held that far from neutral, motionless, over an upright pelvis is not how people stand;
//     the thoracic sensor has moved on the skin;
//   - then the trunk is re-zeroed on that stand (its correction makes the stand's lumbar angle 0), a
//     warning asks for recalibration, and the caller tells the rep detector that the standing reference
//     changed. The same rule re-zeroes back if the sensor returns (or a held posture ends): the next such
//     stand reads more than shiftMinDeg off again.
// It needs the trunk's flexion axis (a bend since calibration), as its side tilt does. The pelvis is the
// reference of standing, so its own shift cannot be judged this way (the slow rule and the stale warning
// cover it); it makes no phantom reps, as reps are driven by the trunk and the sacrum's height.
import type { BodyFrame } from './body-angles';

export interface SlipOptions {
  /** The correction follows a lone segment's standing reading with this time constant of standing, s. */
  followTauS: number;
  warnDeg: number;
  stepDeg: number;
  /** Readings below this are standing noise (sway), deg. */
  noiseDeg: number;
  /** Standing upright: the pelvis within uprightPelvisDeg of its neutral and the trunk tilted less than uprightSideDeg to the side, deg. */
  uprightPelvisDeg: number;
  uprightSideDeg: number;
  /** Standing upright with the lumbar angle further than this from 0: the thoracic sensor has shifted, deg. */
  shiftMinDeg: number;
  /**
   * A quiet stand: the lumbar angle within steadyDeg of its mean since it began and the sacrum's vertical
   * acceleration under steadyAccMS2 (no steps), for at least shiftStandS, over which the reading is averaged.
   */
  steadyDeg: number;
  steadyAccMS2: number;
  shiftStandS: number;
}

export const DEFAULT_SLIP_OPTIONS: SlipOptions = { followTauS: 2, warnDeg: 3, stepDeg: 1.5, noiseDeg: 0.3, uprightPelvisDeg: 5, uprightSideDeg: 5, shiftMinDeg: 8, steadyDeg: 0.5, steadyAccMS2: 0.5, shiftStandS: 1.5 };

/** A quiet stand as the shift rule sees it: raw readings (from the calibration, before any correction) so far. */
interface QuietStand {
  startT: number;
  n: number;
  pelvisSumDeg: number;
  lumbarSumDeg: number;
  /** The stand has been judged (once per stand). */
  judged: boolean;
}

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
  /** The quiet upright stand under way (sudden-shift rule), or null. */
  stand: QuietStand | null;
}

const fresh = (): SegmentSlip => ({ offsetDeg: 0, lastStandDeg: 0, standStartDeg: null, postureChange: false, warned: false });

export function createSlipTracker(options: Partial<SlipOptions> = {}): SlipTracker {
  return { options: { ...DEFAULT_SLIP_OPTIONS, ...options }, pelvis: fresh(), trunk: fresh(), calibrations: 0, lastT: null, wasStanding: false, stand: null };
}

/** The frame with the slip corrections applied. */
export function correctSlip(s: SlipTracker, frame: BodyFrame, calibrations: number): BodyFrame {
  if (calibrations !== s.calibrations) {
    s.calibrations = calibrations;
    s.pelvis = fresh();
    s.trunk = fresh();
    s.stand = null;
  }
  if (frame.pelvisDeg === null || frame.trunkDeg === null) return frame;
  // Nothing to correct (no slip followed yet): the frame as it is, not a copy per frame.
  if (s.pelvis.offsetDeg === 0 && s.trunk.offsetDeg === 0) return frame;
  const pelvisDeg = frame.pelvisDeg - s.pelvis.offsetDeg;
  const trunkDeg = frame.trunkDeg - s.trunk.offsetDeg;
  // Written out, not spread: this runs for every frame once a slip is followed, and a spread copy costs about twice as much.
  return { t: frame.t, pelvisDeg, trunkDeg, lumbarDeg: trunkDeg - pelvisDeg, trunkSideDeg: frame.trunkSideDeg, still: frame.still, sacrumVertAccMS2: frame.sacrumVertAccMS2 };
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

/**
 * Adds a raw frame to the quiet stand, or starts a new one with it. Standing is judged on what standing
 * keeps: the pelvis near its neutral, the trunk not tilted to the side, no steps, and the trunk held still
 * over the pelvis (the lumbar angle steady; swaying about the ankles tilts both segments together).
 */
function extendStand(s: SlipTracker, raw: BodyFrame): QuietStand | null {
  const o = s.options;
  const upright =
    raw.pelvisDeg !== null && Math.abs(raw.pelvisDeg - s.pelvis.offsetDeg) <= o.uprightPelvisDeg && raw.trunkSideDeg !== null && raw.trunkSideDeg <= o.uprightSideDeg;
  if (!upright || raw.lumbarDeg === null || Math.abs(raw.sacrumVertAccMS2 ?? 0) > o.steadyAccMS2) return (s.stand = null);
  const st = s.stand;
  if (st === null || Math.abs(raw.lumbarDeg - st.lumbarSumDeg / st.n) > o.steadyDeg) s.stand = { startT: raw.t, n: 0, pelvisSumDeg: 0, lumbarSumDeg: 0, judged: false };
  s.stand!.n++;
  s.stand!.pelvisSumDeg += raw.pelvisDeg!;
  s.stand!.lumbarSumDeg += raw.lumbarDeg;
  return s.stand;
}

/** The trunk's correction becomes offsetDeg; its slow-slip state starts afresh from this stand (already warned). */
function reZeroTrunk(s: SlipTracker, offsetDeg: number): void {
  s.trunk = { ...fresh(), offsetDeg, warned: true };
}

/**
 * The sudden-shift rule on one raw frame (updateBody's, before correctSlip); `calibrated`: a neutral exists
 * and is not being averaged. Returns a warning when the trunk has been re-zeroed (from the next
 * correctSlip on), else null.
 */
export function followShift(s: SlipTracker, raw: BodyFrame, calibrated: boolean): string | null {
  const stand = extendStand(s, raw);
  if (!calibrated || !stand || stand.judged || raw.t - stand.startT < s.options.shiftStandS) return null;
  stand.judged = true;
  // Standing upright the lumbar angle reads about 0: the trunk is re-zeroed against the pelvis, so a
  // whole-body lean or sway in the stand is not taken into the correction.
  const pelvisDeg = stand.pelvisSumDeg / stand.n - s.pelvis.offsetDeg;
  const rawLumbarDeg = stand.lumbarSumDeg / stand.n;
  const lumbarDeg = rawLumbarDeg - s.trunk.offsetDeg + s.pelvis.offsetDeg;
  if (Math.abs(lumbarDeg) <= s.options.shiftMinDeg) return null;
  reZeroTrunk(s, s.trunk.offsetDeg + lumbarDeg);
  return (
    `the thoracic sensor has shifted on the skin: standing upright and quiet (pelvis at ${pelvisDeg.toFixed(1)} deg), ` +
    `the lumbar angle read ${lumbarDeg.toFixed(1)} deg; the trunk angle is re-zeroed on this stand from ${raw.t.toFixed(1)} s; recalibrate when the patient is ready`
  );
}
