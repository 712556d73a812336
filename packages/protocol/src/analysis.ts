// What the analysis reports: the `hinge-analysis` document (docs/analysis-output.md), the live events
// the streaming detector emits. The per-patient settings that drive both are in ./settings.ts. TypeBox schemas where
// the shapes travel over REST or into files (one definition: the JSON Schema and the type).
import { Type, type Static, type TSchema } from 'typebox';
import { Nullable, StringEnum } from './schema';
import { PatientSettingsSchema, SettingsChange } from './settings';
import { Annotation } from './annotation';
import { FAULTS } from './faults';


const FaultSchema = StringEnum(FAULTS);
const NullableNumber = (description: string) => Nullable(Type.Number(), { description });
const Seconds = (description: string) => Type.Number({ description: `${description}, s` });

export const FaultDetail = Type.Object({
  fault: FaultSchema,
  message: Type.String(),
  /** The numbers that triggered the fault (units in their names, e.g. `peakLumbarDeg`). */
  values: Type.Record(Type.String(), Type.Number()),
});
export type FaultDetail = Static<typeof FaultDetail>;

export const RepReport = Type.Object({
  index: Type.Integer({ description: 'rep number in the session, from 1' }),
  start: Seconds('recording time the rep started'),
  bottom: Seconds('recording time of the deepest point'),
  end: Seconds('recording time the rep ended'),
  peakTrunkDeg: Type.Number({ description: 'peak trunk flexion from neutral, degrees' }),
  peakPelvisDeg: NullableNumber('peak pelvis (hip) flexion, degrees; null when the sacrum sensor had no data during the rep'),
  peakLumbarDeg: NullableNumber('peak lumbar flexion (trunk minus pelvis), degrees; null without sacrum data'),
  peakLumbarUncertaintyDeg: Type.Optional(
    Type.Number({
      description:
        'one standard deviation of peakLumbarDeg, degrees: orientation, soft tissue, clipping, inter-sensor lag and slip (body/lumbar-uncertainty.ts); absent without sacrum data',
    }),
  ),
  hipShare: NullableNumber('share of the trunk flexion done by the hips at the bottom, 0-1; null without sacrum data'),
  descentS: Seconds('descent duration'),
  ascentS: Seconds('ascent duration'),
  faults: Type.Array(FaultSchema),
  /** The numbers that triggered each fault, so a clinician can see why. */
  faultDetails: Type.Optional(Type.Array(FaultDetail)),
  sacrumDropM: Type.Optional(NullableNumber('vertical sink of the sacrum at the bottom, m, when it could be estimated')),
  /**
   * The set this rep belongs to (absent: outside any set, e.g. a warm-up rep). Decided by the analysis
   * alone (rep-detector.ts `setOfRep`): the set running at the rep's start, or one the clinician started
   * at most 1 s after the rep began when no set was running then.
   */
  set: Type.Optional(Type.Integer({ description: 'set the rep belongs to, from 1 (absent: outside any set)' })),
  missingS: Type.Optional(Seconds('time during the rep when the thoracic sensor had no data (present only when > 0)')),
});
export type RepReport = Static<typeof RepReport>;

/**
 * A bend the calibration wizard asked for (two slow bends after `calibrate`, to show the flexion axis): not an
 * exercise rep, so it has no rep number and counts in no rep total or summary; the document keeps it here.
 */
export const CalibrationBend = Type.Object({
  start: Seconds('recording time the bend started'),
  bottom: Seconds('recording time of the deepest point'),
  end: Seconds('recording time the bend ended'),
  peakTrunkDeg: Type.Number({ description: 'peak trunk flexion from neutral, degrees' }),
  peakLumbarDeg: NullableNumber('peak lumbar flexion, degrees; null without sacrum data'),
});
export type CalibrationBend = Static<typeof CalibrationBend>;

export const FaultCounts = Type.Object({ 'lumbar-rounding': Type.Integer(), 'knee-dominant': Type.Integer(), 'too-fast': Type.Integer() });
export type FaultCounts = Static<typeof FaultCounts>;

const summaryProperties = {
  repCount: Type.Integer(),
  cleanReps: Type.Integer({ description: 'reps without any fault' }),
  faultCounts: FaultCounts,
  peakTrunkDegMax: NullableNumber('largest peak trunk flexion, degrees'),
  peakLumbarDegMax: NullableNumber('largest peak lumbar flexion, degrees'),
  peakLumbarDegMean: NullableNumber('mean peak lumbar flexion, degrees'),
  hipShareMean: NullableNumber('mean hip share, 0-1'),
  descentSMean: NullableNumber('mean descent duration, s'),
  ascentSMean: NullableNumber('mean ascent duration, s'),
};

export const SetSummary = Type.Object({
  index: Type.Integer({ description: 'set number, from 1' }),
  start: Seconds('recording time the set started'),
  end: Seconds('recording time the set ended'),
  ...summaryProperties,
});
export type SetSummary = Static<typeof SetSummary>;

export const SessionSummary = Type.Object({ ...summaryProperties, sets: Type.Optional(Type.Array(SetSummary)) });
export type SessionSummary = Static<typeof SessionSummary>;

/** Angle series, one entry per sample; degrees, null where a sensor has no data (or before calibration). */
export const AngleSeries = Type.Object({
  t: Type.Array(Type.Number(), { description: 'recording time, s' }),
  pelvisDeg: Type.Array(Nullable(Type.Number()), { description: 'pelvis (hip) flexion from neutral, degrees' }),
  trunkDeg: Type.Array(Nullable(Type.Number()), { description: 'trunk flexion from neutral, degrees' }),
  lumbarDeg: Type.Array(Nullable(Type.Number()), { description: 'lumbar flexion (trunk minus pelvis), degrees' }),
});
export type AngleSeries = Static<typeof AngleSeries>;

/** Still standing period a neutral was averaged over, recording time, s. */
export const CalibrationWindow = Type.Object({ start: Seconds('calibration start'), end: Seconds('calibration end') });
export type CalibrationWindow = Static<typeof CalibrationWindow>;

/** The `hinge-analysis` document (docs/analysis-output.md). */
export const AnalysisDocument = Type.Object({
  format: Type.Literal('hinge-analysis'),
  version: Type.Literal(1),
  /**
   * The standing neutral: where it came from (`still-standing`: both sensors still for the live
   * calibration time; `best-still-offline`: a file without one, calibrated on its best shorter still stand)
   * and how still that was (its length, s, and the RMS turning rate of the sensors, deg/s).
   */
  calibration: Nullable(
    Type.Object({
      start: Seconds('calibration start'),
      end: Seconds('calibration end'),
      source: Type.Optional(StringEnum(['still-standing', 'best-still-offline'])),
      stillS: Type.Optional(Seconds('length of the still stand')),
      motionDegS: Type.Optional(Type.Number({ description: 'RMS turning rate of the sensors during it, deg/s' })),
    }),
  ),
  /** Every calibration in time order (the first, then each recalibration); the last is in force at the end. */
  calibrations: Type.Array(CalibrationWindow),
  reps: Type.Array(RepReport),
  /** The calibration wizard's bends (not reps: in no count or summary), in time order. */
  calibrationBends: Type.Optional(Type.Array(CalibrationBend)),
  summary: SessionSummary,
  warnings: Type.Array(Type.String()),
  /** Settings in force at the end (the header's, changed by `settings` lines). */
  settings: Type.Optional(PatientSettingsSchema),
  /** Each setting changed during the session (accepted `settings` lines), in time order: when, from what to what. */
  settingsChanges: Type.Optional(Type.Array(SettingsChange)),
  /** The clinician's notes (`annotation` lines), in file order; a line whose text is not a valid note is left out with a warning. */
  annotations: Type.Optional(Type.Array(Annotation)),
  thoracicLagMs: Type.Optional(
    Nullable(Type.Number(), {
      description:
        "how far the thoracic sensor's timestamps ran behind the sacrum's at the end, ms (estimated from the two angular speeds during bends, corrected before the angles were combined); null: not estimated",
    }),
  ),
  clipped: Type.Optional(
    Type.Array(Type.Object({ sensor: Type.String(), start: Seconds('span start'), end: Seconds('span end') }), {
      description: "spans in which a sensor's readings were clipped at its range and bridged",
    }),
  ),
  angles: Type.Optional(AngleSeries),
});
export type AnalysisDocument = Static<typeof AnalysisDocument>;

/** One instant of body angles (degrees; null where a sensor has no data). */
export interface AngleSample {
  t: number;
  pelvisDeg: number | null;
  trunkDeg: number | null;
  lumbarDeg: number | null;
}

export const REP_PHASES = ['standing', 'descent', 'bottom', 'ascent'] as const;
export type RepPhase = (typeof REP_PHASES)[number];

const event = <T extends string, P extends Record<string, TSchema>>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), t: Seconds('recording time of the event'), ...properties });

/** Events the streaming analysis emits, live and offline alike. */
export const AnalysisEvent = Type.Union([
  /**
   * A neutral was taken. `final: false` the moment it is usable (the window so far); `final: true` once
   * the still period it is averaged over has ended: that window is the one the document lists.
   */
  event('calibrated', { start: Seconds('calibration start'), end: Seconds('calibration end'), final: Type.Boolean() }),
  /**
   * `recalibrate`: the calibration has gone stale or a sensor has slipped on the skin while the patient
   * stands; a new calibration (the calibrate control) would fix it (the dashboard offers it in one click).
   */
  event('calibration-warning', { message: Type.String(), recalibrate: Type.Optional(Type.Literal(true)) }),
  /** Since the latest calibration, bends have shown both segments' left-right (flexion) axis. */
  event('bend-axis', {}),
  /** A bend the calibration wizard asked for ended (rep-detector.ts, "calibration bends"): not a rep. */
  event('calibration-bend', { bend: CalibrationBend }),
  event('rep-started', { index: Type.Integer() }),
  event('phase', { index: Type.Integer(), phase: StringEnum(REP_PHASES) }),
  event('alert', { index: Type.Integer(), fault: FaultSchema, message: Type.String(), values: Type.Record(Type.String(), Type.Number()) }),
  event('rep-completed', { rep: RepReport }),
  /** A set began (a `set-start` line, or with the 30 s rule the first rep after a pause). */
  event('set-started', { index: Type.Integer(), start: Seconds('set start') }),
  /** A set ended (a `set-end` line, or the pause/end that closed it); its summary follows in set-completed. */
  event('set-ended', { index: Type.Integer(), end: Seconds('set end') }),
  /** A set's summary, once every rep that belongs to it is complete. */
  event('set-completed', { set: SetSummary }),
  /** Settings in force from this time on (a `settings` line changed them). */
  event('settings', { settings: PatientSettingsSchema }),
  /** A clinician's note (an `annotation` line) at this time. */
  event('annotation', { text: Type.String() }),
  event('warning', { message: Type.String() }),
]);
export type AnalysisEvent = Static<typeof AnalysisEvent>;
