// REST API shapes of the bridge (docs/websocket-protocol.md, section "REST"). TypeBox schemas: the
// server validates requests with them at the edge; the dashboard compiles against the same types.
import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './schema';
import { AnalysisDocument, RepReport, SessionSummary, SetSummary } from './analysis';
import { PatientSettingsSchema, SettingsPatch } from './settings';

/** Request bodies larger than this are refused (413). */
export const REST_MAX_BODY_BYTES = 64 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Route parameters `:id` (patients, sessions). */
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

// ---- sources ----------------------------------------------------------------------------------

/**
 * Where a session's samples come from. The rest of the bridge and the dashboard never branch on
 * this; they read the session's `capabilities`.
 * - replay: a recording from the bridge's replay folders (`GET /api/recordings` lists them), by name.
 * - simulator: the built-in session simulator (seeded).
 * - ble: two Bluetooth sensors by address.
 */
const ReplaySource = Type.Object(
  {
    kind: Type.Literal('replay'),
    recording: Type.String({ minLength: 1, maxLength: 200 }),
    speed: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    loop: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const SimulatorSource = Type.Object(
  { kind: Type.Literal('simulator'), seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })) },
  { additionalProperties: false },
);
const BleSource = Type.Object(
  {
    kind: Type.Literal('ble'),
    sacrum: Type.String({ minLength: 1, maxLength: 64 }),
    thoracic: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export const SourceSpec = Type.Union([ReplaySource, SimulatorSource, BleSource]);
export type SourceSpec = Static<typeof SourceSpec>;
/** Any source as one object with every variant's fields (replies; see schema.ts). */
const SourceSpecReply = Type.Unsafe<SourceSpec>({
  type: 'object',
  required: ['kind'],
  properties: { ...ReplaySource.properties, ...SimulatorSource.properties, ...BleSource.properties, kind: StringEnum(['replay', 'simulator', 'ble']) },
});

/** Source capabilities. `live`: real sensors (no seek); `seek`, `speed`, `loop`: recorded data. */
export const SOURCE_CAPABILITIES = ['live', 'seek', 'speed', 'loop', 'sensor-status'] as const;
export type SourceCapability = (typeof SOURCE_CAPABILITIES)[number];

// ---- patients ---------------------------------------------------------------------------------

export const CreatePatientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    notes: Type.Optional(Type.String({ maxLength: 5000 })),
    /** The clinic's own identifier (record number): the same patient at every station. */
    clinicId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type CreatePatientBody = Static<typeof CreatePatientBody>;

/** PATCH /api/patients/:id: any of name, clinic identifier (null clears it), notes. */
export const PatientPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    clinicId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    notes: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatientPatch = Static<typeof PatientPatch>;

export const Patient = Type.Object({
  id: Type.String(),
  name: Type.String(),
  notes: Type.String(),
  clinicId: Nullable(Type.String()),
  createdAt: Type.String(),
});
export type Patient = Static<typeof Patient>;

/** POST /api/patients/:id/merge: this patient (an offline duplicate) becomes `into`. */
export const MergePatientBody = Type.Object({ into: Id }, { additionalProperties: false });
export type MergePatientBody = Static<typeof MergePatientBody>;

// ---- sessions ---------------------------------------------------------------------------------

export const SESSION_STATUSES = ['created', 'live', 'stopped', 'interrupted'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
const Status = StringEnum(SESSION_STATUSES);

export const CreateSessionBody = Type.Object(
  {
    patientId: Id,
    label: Type.Optional(Type.String({ maxLength: 200 })),
    exercise: Type.Optional(Type.Literal('hip-hinge')),
    /** Pain level, load, limits, targets; missing ones take the analysis defaults. */
    settings: Type.Optional(SettingsPatch),
    /** Assign the sensors at once; otherwise `PUT /api/sessions/:id/source` later. */
    source: Type.Optional(SourceSpec),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

/** Largest body of POST /api/sessions/import: the files' text, whole (about 10 min of two 100 Hz sensors as CSV). */
export const IMPORT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** One uploaded export file: its name (for messages) and its text. */
const ImportFile = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), text: Type.String() }, { additionalProperties: false });
/** One sensor's files (MetaBase: its Accelerometer and Gyroscope exports) and, for a WitMotion file with several devices, its DeviceName. */
const ImportSensor = Type.Object(
  { files: Type.Array(ImportFile, { minItems: 1, maxItems: 2 }), device: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

/** POST /api/sessions/import: vendor exports of both sensors become a stopped session to review (docs/import.md). */
export const ImportSessionBody = Type.Object(
  {
    patientId: Id,
    label: Type.Optional(Type.String({ maxLength: 200 })),
    format: StringEnum(['metabase', 'dot', 'witmotion', 'generic']),
    sacrum: ImportSensor,
    thoracic: ImportSensor,
    align: Type.Optional(StringEnum(['clock', 'start'], { description: 'clock: the exports share one clock (default); start: both begin at t = 0' })),
    startedAt: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601: wall-clock time of t = 0 when the exports carry none' })),
    columns: Type.Optional(Type.String({ maxLength: 1000, description: 'generic: t=COL;acc=X,Y,Z;gyr=X,Y,Z' })),
    timeUnit: Type.Optional(StringEnum(['s', 'ms', 'us'], { description: 'generic: unit of the time column' })),
    accUnit: Type.Optional(StringEnum(['m/s2', 'g'], { description: 'generic: unit of acceleration' })),
    gyrUnit: Type.Optional(StringEnum(['rad/s', 'deg/s'], { description: 'generic: unit of rotation; dot: of Gyr_X..Z (default deg/s)' })),
  },
  { additionalProperties: false },
);
export type ImportSessionBody = Static<typeof ImportSessionBody>;

/** One set of a session. Times are recording time, s. */
export const SetRecord = Type.Object({
  index: Type.Integer(),
  start: Type.Number(),
  end: Nullable(Type.Number()),
  repCount: Type.Integer(),
  summary: Nullable(SetSummary),
});
export type SetRecord = Static<typeof SetRecord>;

/** A stored rep: the analysis RepReport plus the set it fell in (null: outside any set). */
export const RepRecord = Type.Object({ ...RepReport.properties, setIndex: Nullable(Type.Integer()) });
export type RepRecord = Static<typeof RepRecord>;

/** What the server knows about a session, live or stored. Sent as the WebSocket `session` message too. */
export const SessionState = Type.Object({
  id: Type.String(),
  patientId: Type.String(),
  label: Type.String(),
  exercise: Type.String(),
  status: Status,
  settings: PatientSettingsSchema,
  source: Nullable(SourceSpecReply),
  /** The source's capabilities (empty until a source is assigned). */
  capabilities: Type.Array(Type.String()),
  createdAt: Type.String(),
  /** ISO time of recording t = 0, once the source started. */
  startedAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  /** Latest recording time seen, s. */
  t: Type.Number(),
  calibration: Nullable(Type.Object({ start: Type.Number(), end: Type.Number() })),
  /** Index of the running set (from 1), or null between sets. */
  activeSet: Nullable(Type.Integer()),
  sets: Type.Array(SetRecord),
  repCount: Type.Integer(),
  /** Reps of the running set (or of the last set when none runs). */
  setRepCount: Type.Integer(),
  /** Present once stopped (or recovered after an interruption). */
  summary: Nullable(SessionSummary),
  warnings: Type.Array(Type.String()),
  /** The station that recorded it (`hinge serve --station NAME`); null for a lone bridge. */
  station: Nullable(Type.String()),
  /**
   * REST answers only: the latest pain reports (0-10) before and after the session; `painBefore` falls back
   * to `settings.painLevel` for a session without a "before" report.
   */
  painBefore: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10 }))),
  painAfter: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10 }))),
});
export type SessionState = Static<typeof SessionState>;

export const SessionsQuery = Type.Object(
  // `token`: the access token may come as `?token=` on any request (docs/websocket-protocol.md).
  { patientId: Type.Optional(Id), status: Type.Optional(Status), token: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
export type SessionsQuery = Static<typeof SessionsQuery>;

/**
 * How long a session ran, s: its recording time (the latest sample), which is the exercise's own clock: a
 * replay at 50x lasts its recorded minute, not a second of wall-clock time; null before it started.
 */
export function sessionDurationS(session: Pick<SessionState, 'startedAt' | 't'>): number | null {
  return session.startedAt === null ? null : session.t;
}

/** GET /api/sessions/:id: the state plus its reps. */
export const SessionDetail = Type.Object({ ...SessionState.properties, reps: Type.Array(RepRecord) });
export type SessionDetail = Static<typeof SessionDetail>;

/** GET /api/sessions/:id/export/report.pdf: language of the words, IANA time zone of the dates (default: the bridge's own). */
export const ReportQuery = Type.Object(
  { lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('de')])), tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

/** CSV exports: `decimal=comma` writes `;`-separated cells with decimal commas (spreadsheets in German and other locales). */
export const CsvQuery = Type.Object({ decimal: Type.Optional(Type.Union([Type.Literal('point'), Type.Literal('comma')])) }, { additionalProperties: false });
export type CsvQuery = Static<typeof CsvQuery>;

/** POST /api/sessions/:id/pain: a pain report (numeric rating scale 0-10) before, during or after the session. */
export const PainReportBody = Type.Object(
  {
    phase: Type.Union([Type.Literal('before'), Type.Literal('during'), Type.Literal('after')]),
    scoreNrs: Type.Integer({ minimum: 0, maximum: 10 }),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type PainReportBody = Static<typeof PainReportBody>;

/** POST /api/sessions/:id/display-link: a read-only link for the patient's screen, limited to this session. */
export const DisplayLink = Type.Object({
  token: Type.String(),
  path: Type.String(),
  /** Addresses another device on the network can reach the bridge at; empty when it listens on loopback only. */
  networkHosts: Type.Array(Type.String()),
});
export type DisplayLink = Static<typeof DisplayLink>;

/** GET /api/recordings: files a replay source may play. */
export const RecordingEntry = Type.Object({ name: Type.String(), bytes: Type.Integer() });
export type RecordingEntry = Static<typeof RecordingEntry>;

/** GET /api/health */
/** With a clinic database (docs/clinic.md): a station's push state, or a review desk. */
export const ClinicHealth = Type.Object({
  mode: Type.Union([Type.Literal('station'), Type.Literal('review')]),
  station: Type.Union([Type.String(), Type.Null()]),
  /** A station's background push: did the latest attempt reach the database, what waits, why it failed. */
  push: Type.Union([
    Type.Object({ connected: Type.Boolean(), outboxSize: Type.Integer(), lastError: Type.Union([Type.String(), Type.Null()]), chunksPushed: Type.Integer() }),
    Type.Null(),
  ]),
});
export type ClinicHealth = Static<typeof ClinicHealth>;

export const Health = Type.Object({
  ok: Type.Literal(true),
  protocol: Type.Integer({ description: 'WebSocket protocol version' }),
  sessionsLive: Type.Integer(),
  dataDir: Type.String(),
  tokenRequired: Type.Boolean(),
  clinic: Type.Optional(ClinicHealth),
});
export type Health = Static<typeof Health>;

/** Error body of every failed REST request. `code` is one of ERROR_CODES. */
export const ErrorBody = Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() });
export type ErrorBody = Static<typeof ErrorBody>;

/** GET /api/sessions/:id/analysis: the offline analysis of the stored recording (GET .../angles: its angle series). */
export const SessionAnalysis = AnalysisDocument;
export type SessionAnalysis = AnalysisDocument;

// ---- Bluetooth sensors (scan, tap to identify, remembered placements) ------------------------------

/** The two body placements a session needs. */
export const SensorPlacement = StringEnum(['sacrum', 'thoracic']);
export type SensorPlacement = Static<typeof SensorPlacement>;

/** POST /api/sensors/scan: how long to listen, s (default SCAN_DEFAULT_S). */
export const ScanSensorsBody = Type.Object({ seconds: Type.Optional(Type.Number({ minimum: 0.2, maximum: 30 })) }, { additionalProperties: false });
export type ScanSensorsBody = Static<typeof ScanSensorsBody>;
export const SCAN_DEFAULT_S = 5;

/** One sensor found by a scan. */
export const FoundSensorInfo = Type.Object({
  name: Type.String(),
  /** Driver model (metamotion, dot, witmotion, thingy52, generic); null for a recognised device hinge refuses. */
  model: Nullable(Type.String()),
  /** Lowercase, colon-separated; empty where the platform hides it (macOS). */
  address: Type.String(),
  rssiDbm: Type.Number(),
  batteryPct: Nullable(Type.Number()),
  /** The placement remembered for this address, if any. */
  rememberedPlacement: Nullable(Type.String()),
  /** Why hinge will not stream from it (e.g. firmware-update mode), or null. */
  refusal: Nullable(Type.String()),
});
export type FoundSensorInfo = Static<typeof FoundSensorInfo>;

/** POST /api/sensors/scan reply. `warnings`: e.g. a damaged placement file that was moved aside. */
export const ScanSensorsReply = Type.Object({ seconds: Type.Number(), sensors: Type.Array(FoundSensorInfo), warnings: Type.Array(Type.String()) });
export type ScanSensorsReply = Static<typeof ScanSensorsReply>;

/**
 * POST /api/sensors/identify: scan for `scanSeconds` (default IDENTIFY_SCAN_DEFAULT_S), stream from
 * every sensor found, and remember the first one tapped within `seconds` (default
 * IDENTIFY_TAP_DEFAULT_S) as the sensor on `placement`.
 */
export const IdentifySensorBody = Type.Object(
  {
    placement: SensorPlacement,
    seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 120 })),
    scanSeconds: Type.Optional(Type.Number({ minimum: 0.2, maximum: 30 })),
  },
  { additionalProperties: false },
);
export type IdentifySensorBody = Static<typeof IdentifySensorBody>;
export const IDENTIFY_TAP_DEFAULT_S = 30;
export const IDENTIFY_SCAN_DEFAULT_S = 3;

/** POST /api/sensors/identify reply: the tapped sensor, and the address the placement had before. */
export const IdentifySensorReply = Type.Object({
  placement: SensorPlacement,
  address: Type.String(),
  name: Type.String(),
  model: Type.String(),
  previousAddress: Nullable(Type.String()),
});
export type IdentifySensorReply = Static<typeof IdentifySensorReply>;

/** A remembered placement. */
export const RememberedPlacement = Type.Object({
  address: Type.String(),
  model: Nullable(Type.String()),
  name: Nullable(Type.String()),
  updatedAt: Type.String(),
});
export type RememberedPlacement = Static<typeof RememberedPlacement>;

/** GET /api/sensors/placements */
export const SensorPlacements = Type.Object({
  sacrum: Nullable(RememberedPlacement),
  thoracic: Nullable(RememberedPlacement),
  warnings: Type.Array(Type.String()),
});
export type SensorPlacements = Static<typeof SensorPlacements>;
