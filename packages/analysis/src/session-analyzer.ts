// The whole analysis of one session as one streaming object: recording lines in, angle samples and
// events out, and at the end the `hinge-analysis` document. Live sessions and `hinge analyze FILE`
// run exactly this code; a file is just lines pushed as fast as they can be read.
//
// The recording is the session's only timeline. Its header holds the settings at t = 0; its event
// lines are every change after that, each applied the moment the line is pushed (so, in recording
// time, from the latest analysed frame on; the bridge writes a control line at `now()`):
//   settings            -> the changed settings apply from here on (out of bounds: refused, a warning)
//   set-start / set-end -> sets (rep-detector.ts `setOfRep` says which set a rep is in)
//   calibrate           -> the next still standing period becomes the neutral; with sets from set lines,
//                          the next two bends outside a set are the calibration's, not reps
//   annotation          -> a clinician's note, reported as it is (an invalid one: left out, a warning)
// There is no other way in: a live session pushes its control lines through push() like a file.
//
//   samples --segment trackers (fusion, per sensor)--> time grid (100 Hz, both sensors)
//           --body (calibration, angles)--> rep detector (reps, phases, alerts, sets)
import type {
  AnalysisDocument,
  Annotation,
  AnalysisEvent,
  AngleSample,
  AngleSeries,
  EventLine,
  PatientSettings,
  RecordingHeader,
  RecordingLine,
  SampleLine,
  SettingsChange,
} from '@hinge/protocol';
import { annotationProblem, isEventLine, settingsChanges } from '@hinge/protocol';
import { checkStale, createBodyState, presetNeutral, requestCalibration, settleCalibration, updateBody, type BodyState } from './body/body-angles';
import { bestStillRun, createBestStill, updateBestStill, type StillRun } from './body/best-still';
import { createSegmentTracker, takeHeld, updateSegment, type SegmentTracker } from './body/segment-tracker';
import { applyLagStep, createLagEstimator, suggestLagStep, updateLag, type LagEstimator } from './body/lag-estimator';
import { createClipSpans, finishClipSpans, updateClipSpans } from './body/clip-spans';
import { correctSlip, createSlipTracker, followShift, trackSlip, type SlipTracker } from './body/slip';
import { createUncertaintyTrail, lumbarSigmaDeg, recordUncertainty, trunkRateDegS, uncertaintyAtPeak } from './body/lumbar-uncertainty';
import { createTimeGrid, drainFrames, pushSegmentSample, setLaneShift, type SegmentName, type TimeGrid } from './body/time-grid';
import { calibrationRequested, createRepDetector, endSet, finishReps, standingReferenceChanged, startSet, updateReps, type RepDetector } from './reps/rep-detector';
import { summarizeReps } from './reps/summary';
import { resolveSettings, SettingsError } from './settings';

export interface SessionAnalyzerOptions {
  /** Keep every angle sample for the document's `angles` (offline --angles). */
  keepAngleSeries: boolean;
  /** Angle samples waiting for takeAngles() are capped at this many (oldest dropped), so nobody has to call it. */
  maxPendingAngles: number;
  /** Warn when no calibration has been possible after this much data, s. */
  calibrationWarnAfterS: number;
  /**
   * Offline: look for the best still stand anywhere (for a second pass when no calibration was possible).
   * Ignored for a file whose header says `calibrationRule: "live"` (it is calibrated as it was live).
   */
  findBestStill: boolean;
  /** Offline second pass: the neutral, set before the first frame (from a first pass's bestStill()). */
  neutral: StillRun | null;
}

const DEFAULT_ANALYZER_OPTIONS: SessionAnalyzerOptions = { keepAngleSeries: false, maxPendingAngles: 2000, calibrationWarnAfterS: 10, findBestStill: false, neutral: null };

export interface SessionAnalyzer {
  push(line: RecordingLine): void;
  /**
   * Recording time the analysis has reached: the latest body frame, s (0 before the first). An event
   * line written at this time applies from exactly here, live and when the file is analysed again.
   */
  now(): number;
  /** Angle samples produced since the last call (100 Hz, recording time). */
  takeAngles(): AngleSample[];
  /** Events produced since the last call. */
  takeEvents(): AnalysisEvent[];
  /** Ends the stream and returns the analysis document. */
  finish(): AnalysisDocument;
  /**
   * With findBestStill, after finish(): the neutral a second offline pass should start from, or null when
   * this pass was calibrated in time. That is when no calibration was possible, or the first one came
   * only after calibrationWarnAfterS without being asked for (everything before it had no angles, and a
   * still pause at the bottom of a bend may have been taken for standing): the best still stand anywhere.
   */
  offlineNeutral(): StillRun | null;
  /** Observable internals, for tests, plots and the dashboard. */
  readonly internals: { grid: TimeGrid; body: BodyState; reps: RepDetector; trackers: Map<string, SegmentTracker>; lag: LagEstimator; slip: SlipTracker };
}

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const calibrationWindow = (c: { start: number; end: number }) => ({ start: round3(c.start), end: round3(c.end) });

/**
 * `overrides`: settings that replace the header's at t = 0 (e.g. `hinge analyze --lumbar-limit`);
 * later `settings` lines still apply. Throws SettingsError when the header's or the overrides are out of bounds.
 */
export function createSessionAnalyzer(
  header: RecordingHeader,
  overrides: Partial<PatientSettings> = {},
  options: Partial<SessionAnalyzerOptions> = {},
): SessionAnalyzer {
  const opts = { ...DEFAULT_ANALYZER_OPTIONS, ...options };
  const subjectPain = header.subject?.painLevel;
  const initial: Partial<PatientSettings> = { ...(typeof subjectPain === 'number' ? { painLevel: subjectPain } : {}), ...header.settings, ...overrides };
  const resolved = resolveSettings(initial);
  const warnings: string[] = [...resolved.warnings];
  const events: AnalysisEvent[] = [];
  const annotations: Annotation[] = [];
  const changes: SettingsChange[] = [];
  const pendingAngles: AngleSample[] = [];
  const series: AngleSeries = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };

  // Which lane each sensor feeds.
  const laneOf = new Map<string, SegmentName>();
  const trackers = new Map<string, SegmentTracker>();
  for (const sensor of header.sensors) {
    const lane: SegmentName | null = sensor.placement === 'sacrum' ? 'pelvis' : sensor.placement === 'thoracic' ? 'trunk' : null;
    if (!lane) {
      warnings.push(`sensor "${sensor.id}" is placed on "${sensor.placement}", which this analysis does not use`);
      continue;
    }
    if ([...laneOf.values()].includes(lane)) {
      warnings.push(`more than one ${sensor.placement} sensor: "${sensor.id}" is ignored`);
      continue;
    }
    laneOf.set(sensor.id, lane);
    trackers.set(sensor.id, createSegmentTracker({ sampleRateHz: sensor.sampleRateHz ?? 100 }));
  }
  for (const placement of ['sacrum', 'thoracic']) {
    if (!header.sensors.some((s) => s.placement === placement)) warnings.push(`no ${placement} sensor in this recording`);
  }

  const grid = createTimeGrid();
  const lag = createLagEstimator(grid.options.periodS);
  const sensorOfLane = (lane: SegmentName) => [...laneOf.entries()].find(([, l]) => l === lane)?.[0] ?? lane;
  const clipSpans = createClipSpans();
  const slip = createSlipTracker();
  const uncertainty = createUncertaintyTrail();
  /** Reps already given their peak lumbar uncertainty. */
  let repsWithUncertainty = 0;
  /** Per lane: samples of the other lane's sensor that arrived since this lane's latest sample (arrival order). */
  const otherSamplesSince: Record<SegmentName, number> = { pelvis: 0, trunk: 0 };
  const body = createBodyState();
  // A file analysed live (header calibrationRule "live") is calibrated as it was live: no offline fallback.
  const liveCalibration = header.calibrationRule === 'live';
  if (opts.neutral && !liveCalibration) presetNeutral(body, opts.neutral);
  const bestStill = opts.findBestStill && !liveCalibration ? createBestStill() : null;
  const reps = createRepDetector(resolved.settings, {}, header.setsFrom ?? 'pauses');
  let firstT: number | null = null;
  let calibrationWarned = false;
  let finished: AnalysisDocument | null = null;

  function emitBodyMessages(): void {
    if (body.messages.length === 0) return; // most frames
    for (const m of body.messages) {
      if (m.kind === 'calibrated' && m.calibration) {
        events.push({ type: 'calibrated', t: m.t, ...calibrationWindow(m.calibration), final: m.final ?? false });
      } else if (m.kind === 'bend-axis') {
        events.push({ type: 'bend-axis', t: m.t });
      } else {
        events.push({ type: 'calibration-warning', t: m.t, message: m.message, ...(m.recalibrate ? { recalibrate: true as const } : {}) });
        warnings.push(`${m.t.toFixed(1)} s: ${m.message}`);
      }
    }
    body.messages.length = 0;
  }

  /** Reps reported since the last call get the uncertainty of their peak lumbar flexion (before their events go out). */
  function annotateReps(): void {
    for (; repsWithUncertainty < reps.reps.length; repsWithUncertainty++) {
      const rep = reps.reps[repsWithUncertainty]!;
      if (rep.peakLumbarDeg === null) continue;
      const sigma = uncertaintyAtPeak(uncertainty, rep.start, rep.end);
      if (sigma !== null && Number.isFinite(sigma)) rep.peakLumbarUncertaintyDeg = Math.round(sigma * 10) / 10;
    }
  }

  function processFrames(final: boolean): void {
    for (const frame of drainFrames(grid, final)) {
      const lagS = updateLag(lag, frame.pelvis?.rateRadS ?? null, frame.trunk?.rateRadS ?? null);
      if (lagS !== null) setLaneShift(grid, 'trunk', lagS);
      updateClipSpans(clipSpans, frame);
      if (bestStill) updateBestStill(bestStill, frame);
      const raw = updateBody(body, frame);
      let b = correctSlip(slip, raw, body.calibrations.length);
      // A sudden sensor shift: re-zeroed on an upright still stand, whatever the rep detector thinks is under way.
      const shiftMessage = followShift(slip, raw, body.calibrations.length > 0 && !body.averaging);
      if (shiftMessage) {
        b = correctSlip(slip, raw, body.calibrations.length);
        standingReferenceChanged(reps, b.t);
        body.messages.push({ t: b.t, kind: 'calibration-warning', message: shiftMessage, recalibrate: true });
      }
      if (body.calibrations.length === 0 && !calibrationWarned && firstT !== null && b.t - firstT > opts.calibrationWarnAfterS) {
        calibrationWarned = true;
        body.messages.push({
          t: b.t,
          kind: 'calibration-warning',
          message: `not calibrated yet: the patient needs to stand still for ${body.options.stillMinS} s (no still standing period in the first ${opts.calibrationWarnAfterS} s)`,
        });
      }
      // Standing still (not inside a rep): the angles should read about 0.
      if (!reps.current?.confirmed) checkStale(body, b);
      const slipMessage = trackSlip(slip, b, b.still && !reps.current?.confirmed && !body.averaging && body.calibrations.length > 0);
      if (slipMessage) body.messages.push({ t: b.t, kind: 'calibration-warning', message: slipMessage, recalibrate: true });
      emitBodyMessages();
      const trunkRate = trunkRateDegS(uncertainty, b.t, b.trunkDeg);
      const sigma =
        b.pelvisDeg === null || b.trunkDeg === null
          ? NaN
          : lumbarSigmaDeg({
              pelvisDeg: b.pelvisDeg,
              trunkDeg: b.trunkDeg,
              trunkRateDegS: trunkRate,
              lagSigmaS: lag.sigmaS,
              pelvisBridgeDeg: frame.pelvis?.bridgeSigmaDeg ?? 0,
              trunkBridgeDeg: frame.trunk?.bridgeSigmaDeg ?? 0,
              pelvisSlipDeg: slip.pelvis.lastStandDeg,
              trunkSlipDeg: slip.trunk.lastStandDeg,
            });
      recordUncertainty(uncertainty, b.t, b.lumbarDeg, sigma);
      updateReps(reps, b);
      annotateReps();
      if (reps.events.length) events.push(...reps.events.splice(0));
      if (opts.maxPendingAngles === 0 && !opts.keepAngleSeries) continue; // nobody takes angles (offline summary)
      const angle: AngleSample = { t: b.t, pelvisDeg: round2(b.pelvisDeg), trunkDeg: round2(b.trunkDeg), lumbarDeg: round2(b.lumbarDeg) };
      if (opts.maxPendingAngles > 0) {
        pendingAngles.push(angle);
        if (pendingAngles.length > opts.maxPendingAngles) pendingAngles.splice(0, pendingAngles.length - opts.maxPendingAngles);
      }
      if (opts.keepAngleSeries) {
        series.t.push(angle.t);
        series.pelvisDeg.push(angle.pelvisDeg);
        series.trunkDeg.push(angle.trunkDeg);
        series.lumbarDeg.push(angle.lumbarDeg);
      }
    }
  }

  function pushSample(sample: SampleLine): void {
    const tracker = trackers.get(sample.sensor);
    const lane = laneOf.get(sample.sensor);
    if (!tracker || !lane) return;
    const lastT = tracker.lastT, gaps = tracker.gaps;
    const segment = updateSegment(tracker, sample);
    if (!segment) return;
    const other = lane === 'trunk' ? 'pelvis' : 'trunk';
    if (tracker.gaps > gaps) {
      // A gap in one sensor's time alone may be a clock step (lag-estimator.ts). If the other sensor's
      // samples did not arrive in between, this one never went silent: its clock stepped.
      const jumpS = (lane === 'trunk' ? 1 : -1) * (segment.t - lastT - 1 / tracker.options.sampleRateHz);
      const silentS = otherSamplesSince[lane] / (trackers.get(sensorOfLane(other))?.options.sampleRateHz ?? 100);
      if (silentS < 0.1 * Math.abs(jumpS) && Math.abs(jumpS) <= lag.options.maxLagS) setLaneShift(grid, 'trunk', applyLagStep(lag, jumpS));
      else suggestLagStep(lag, jumpS);
    }
    otherSamplesSince[lane] = 0;
    otherSamplesSince[other]++;
    firstT ??= segment.t;
    if (tracker.holding) return; // inside a clipped span: its samples wait for the rebuilt orientation
    for (const held of takeHeld(tracker)) pushSegmentSample(grid, lane, held);
    pushSegmentSample(grid, lane, segment);
    processFrames(false);
  }

  /** A `settings` line: its `settings` (some fields) apply from here on; out of bounds, it is refused with a warning. */
  function applySettingsLine(line: EventLine): void {
    try {
      const next = resolveSettings((line.settings ?? {}) as Partial<PatientSettings>, reps.settings);
      changes.push(...settingsChanges(line.t, reps.settings, next.settings));
      reps.settings = next.settings;
      events.push({ type: 'settings', t: line.t, settings: { ...next.settings } });
      for (const w of next.warnings) events.push({ type: 'warning', t: line.t, message: w });
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      const message = `${line.t.toFixed(2)} s: settings change refused, the previous settings stay in force (${error.problems.join('; ')})`;
      warnings.push(message);
      events.push({ type: 'warning', t: line.t, message });
    }
  }

  /** An `annotation` line: the note as written; one that is not a valid note is left out (the warning never quotes it: patient data). */
  function applyAnnotationLine(line: EventLine): void {
    const problem = annotationProblem(line.text);
    if (problem) {
      const message = `${line.t.toFixed(2)} s: annotation left out (${problem})`;
      warnings.push(message);
      events.push({ type: 'warning', t: line.t, message });
      return;
    }
    const text = line.text as string;
    annotations.push({ t: line.t, text });
    events.push({ type: 'annotation', t: line.t, text });
  }

  function applyEventLine(line: EventLine): void {
    if (line.event === 'calibrate') {
      requestCalibration(body, line.t);
      calibrationRequested(reps);
    }
    else if (line.event === 'set-start') startSet(reps, line.t);
    else if (line.event === 'set-end') endSet(reps, line.t);
    else if (line.event === 'settings') applySettingsLine(line);
    else if (line.event === 'annotation') applyAnnotationLine(line);
    if (reps.events.length) events.push(...reps.events.splice(0));
  }

  return {
    internals: { grid, body, reps, trackers, lag, slip },
    push(line) {
      if (finished) return;
      if (isEventLine(line)) applyEventLine(line);
      else pushSample(line);
    },
    now() {
      return reps.lastT;
    },
    takeAngles() {
      return pendingAngles.splice(0);
    },
    takeEvents() {
      return events.splice(0);
    },
    offlineNeutral() {
      if (!bestStill) return null;
      const first = body.calibrations[0];
      const late = first !== undefined && first.reason === 'first-still-period' && firstT !== null && first.start - firstT > opts.calibrationWarnAfterS;
      return !first || late ? bestStillRun(bestStill) : null;
    },
    finish() {
      if (finished) return finished;
      for (const [id, tracker] of trackers) for (const held of takeHeld(tracker)) pushSegmentSample(grid, laneOf.get(id)!, held);
      processFrames(true);
      settleCalibration(body, reps.lastT);
      emitBodyMessages();
      warnings.push(...finishReps(reps));
      annotateReps();
      if (reps.events.length) events.push(...reps.events.splice(0));
      for (const [id, tracker] of trackers) {
        if (tracker.samples === 0) warnings.push(`sensor "${id}" sent no usable samples`);
        else if (tracker.gaps > 0) warnings.push(`sensor "${id}" had ${tracker.gaps} gap(s) of more than ${tracker.options.maxGapS} s`);
        if (tracker.rejected > 0) warnings.push(`sensor "${id}": ${tracker.rejected} sample(s) with impossible values (beyond any IMU's range) were dropped`);
      }
      const sacrum = [...trackers.entries()].find(([id]) => laneOf.get(id) === 'pelvis')?.[1];
      if (sacrum && sacrum.samples > 0 && !sacrum.filter && reps.reps.length > 0) {
        warnings.push('knee-dominant reps cannot be told apart: the sacrum sensor sent orientation only, no acceleration to measure how far it sank');
      }
      const first = body.calibrations[0];
      if (!first) {
        warnings.push(`calibration impossible: no period of at least ${body.options.stillMinS} s in which both sensors were still (standing neutral)`);
      } else if (first.reason === 'best-still-offline' && opts.neutral) {
        warnings.push(
          `no period of ${body.options.stillMinS} s with both sensors still: calibrated offline on the best still stand in the file, ` +
            `${first.start.toFixed(2)}-${first.end.toFixed(2)} s (${(first.end - first.start).toFixed(2)} s, sensors turning ${opts.neutral.motionDegS.toFixed(2)} deg/s RMS); ` +
            'angles near the start of the file rely on it too',
        );
      }
      const repsWithGaps = reps.reps.filter((r) => r.missingS !== undefined);
      for (const r of repsWithGaps) warnings.push(`rep ${r.index}: thoracic data missing for ${r.missingS} s; its peaks may be underestimated`);
      finished = {
        format: 'hinge-analysis',
        version: 1,
        calibration: first
          ? {
              ...calibrationWindow(first),
              source: first.reason === 'best-still-offline' ? 'best-still-offline' : 'still-standing',
              stillS: round2(first.end - first.start)!,
              ...(first.reason === 'best-still-offline' && opts.neutral ? { motionDegS: round2(opts.neutral.motionDegS)! } : {}),
            }
          : null,
        calibrations: body.calibrations.map(calibrationWindow),
        reps: reps.reps,
        ...(reps.calibrationBends.length > 0 ? { calibrationBends: reps.calibrationBends } : {}),
        summary: { ...summarizeReps(reps.reps), sets: reps.sets },
        warnings,
        settings: reps.settings,
        settingsChanges: changes,
        annotations,
        thoracicLagMs: lag.estimated ? Math.round(lag.lagS * 10000) / 10 : null,
        clipped: finishClipSpans(clipSpans).map((c) => ({ sensor: sensorOfLane(c.segment), start: round2(c.start)!, end: round2(c.end)! })),
        ...(opts.keepAngleSeries ? { angles: series } : {}),
      };
      return finished;
    },
  };
}

/** Offline analysis of lines already in memory (tests, small files): the streaming analyzer run to the end. */
export function analyzeRecordingLines(
  header: RecordingHeader,
  lines: Iterable<RecordingLine>,
  settings: Partial<PatientSettings> = {},
  options: { angles?: boolean } = {},
): AnalysisDocument {
  const list = Array.isArray(lines) ? (lines as RecordingLine[]) : [...lines];
  const analyzer = createSessionAnalyzer(header, settings, { keepAngleSeries: options.angles ?? false, maxPendingAngles: 0, findBestStill: true });
  for (const line of list) analyzer.push(line);
  const doc = analyzer.finish();
  const neutral = analyzer.offlineNeutral();
  if (!neutral) return doc;
  // No still period long enough for the live calibration: once more, from the best still stand in the file.
  const second = createSessionAnalyzer(header, settings, { keepAngleSeries: options.angles ?? false, maxPendingAngles: 0, neutral });
  for (const line of list) second.push(line);
  return second.finish();
}
