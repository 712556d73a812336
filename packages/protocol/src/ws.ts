// WebSocket protocol between the bridge and the dashboard, version 1 (docs/websocket-protocol.md).
// Schemas are TypeBox: one definition gives the JSON Schema the server validates with and the
// TypeScript type both sides compile against. REST request/response shapes live in ./rest.ts.
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { AnalysisEvent } from './analysis';
import { SessionState } from './rest';
import { SettingsPatch } from './settings';
import { AnnotationText } from './annotation';

export const WS_PROTOCOL_VERSION = 1;
/** Largest inbound WebSocket message the bridge accepts, bytes; larger ones close the socket (1009). */
export const WS_MAX_MESSAGE_BYTES = 16 * 1024;
/** Path of the WebSocket endpoint. Query: `token` (clinician access token or a patient display token). */
export const WS_PATH = '/ws';

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);
/** Client-chosen request id, echoed in the `ack` or `error` reply. */
const RequestId = Type.Optional(Type.String({ maxLength: 64 }));
const SessionId = Type.String({ minLength: 1, maxLength: 64 });

// ---- client -> server -------------------------------------------------------------------------


const sessionCommand = <T extends string>(type: T) =>
  Type.Object({ type: Type.Literal(type), id: RequestId, sessionId: SessionId }, { additionalProperties: false });

/** One schema per client message type; the server looks the schema up by `type` and validates against it. */
export const CLIENT_MESSAGE_SCHEMAS = {
  /** Start receiving a session's frames and events; the reply is an `ack` followed by a `session` snapshot. */
  subscribe: sessionCommand('subscribe'),
  unsubscribe: sessionCommand('unsubscribe'),
  /** Mark "standing still now" as the neutral (a `calibrate` event in the recording). Clinician only. */
  calibrate: sessionCommand('calibrate'),
  /** Begin the next set. Clinician only. */
  'start-set': sessionCommand('start-set'),
  /** End the running set. Clinician only. */
  'stop-set': sessionCommand('stop-set'),
  /** End the session: source stopped, recording closed, summary stored. Clinician only. */
  'stop-session': sessionCommand('stop-session'),
  /** Change limits and targets for the running session. Clinician only. */
  'update-settings': Type.Object(
    { type: Type.Literal('update-settings'), id: RequestId, sessionId: SessionId, settings: SettingsPatch },
    { additionalProperties: false },
  ),
  /** A note at the current time of the session (an `annotation` line; patient data, never logged). Clinician only. */
  annotate: Type.Object(
    { type: Type.Literal('annotate'), id: RequestId, sessionId: SessionId, text: AnnotationText },
    { additionalProperties: false },
  ),
  /** Move a recorded source to time `t` (s). Only when the session's capabilities include `seek`. Clinician only. */
  seek: Type.Object(
    { type: Type.Literal('seek'), id: RequestId, sessionId: SessionId, t: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  /** Set a recorded source's playback speed (1 = real time). Only with capability `speed`. Clinician only. */
  'set-speed': Type.Object(
    { type: Type.Literal('set-speed'), id: RequestId, sessionId: SessionId, speed: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) },
    { additionalProperties: false },
  ),
  /** Liveness check; the reply is `pong` with the same id. */
  ping: Type.Object({ type: Type.Literal('ping'), id: RequestId }, { additionalProperties: false }),
} as const;

export type ClientMessageType = keyof typeof CLIENT_MESSAGE_SCHEMAS;
export const ClientMessage = Type.Union(Object.values(CLIENT_MESSAGE_SCHEMAS));
export type ClientMessage = { [K in ClientMessageType]: Static<(typeof CLIENT_MESSAGE_SCHEMAS)[K]> }[ClientMessageType];
/** Messages that change a session; they need the clinician role. */
export const CONTROL_MESSAGE_TYPES: readonly ClientMessageType[] = [
  'calibrate',
  'start-set',
  'stop-set',
  'stop-session',
  'update-settings',
  'annotate',
  'seek',
  'set-speed',
];

// ---- server -> client -------------------------------------------------------------------------

/**
 * Angle samples of one session, batched (the bridge sends 30-60 frames per second per session).
 * Columns of equal length: one entry per angle sample, recording time in s, angles in degrees.
 */
export const AngleFrame = Type.Object({
  type: Type.Literal('angles'),
  sessionId: Type.String(),
  t: Type.Array(Num),
  pelvisDeg: Type.Array(NullableNum),
  trunkDeg: Type.Array(NullableNum),
  lumbarDeg: Type.Array(NullableNum),
  /**
   * Angle samples left out for this client before this frame because it was not reading fast enough
   * (backpressure). 0 normally. Events are never left out.
   */
  droppedSamples: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AngleFrame = Static<typeof AngleFrame>;

/** What this connection may do. */
export const CONNECTION_CAPABILITIES = ['control', 'read-all'] as const;

export const SessionListEntry = Type.Object({
  id: Type.String(),
  label: Type.String(),
  status: Type.String(),
  /** The source's capabilities: `live`, `seek`, `speed`, `loop`, `sensor-status` (see SOURCE_CAPABILITIES). */
  capabilities: Type.Array(Type.String()),
});
export type SessionListEntry = Static<typeof SessionListEntry>;

/** First message on every connection. */
export const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Literal(WS_PROTOCOL_VERSION),
  /**
   * What this connection may do: `control` (calibrate, sets, settings, stop: clinician token or
   * loopback) and `read-all` (may subscribe to any session). A patient display link has neither: it
   * may only subscribe to `displaySessionId`. What a session's source can do (seek, speed, live) is in
   * `sessions[].capabilities`.
   */
  capabilities: Type.Array(Type.String()),
  role: Type.Union([Type.Literal('clinician'), Type.Literal('display')]),
  displaySessionId: Type.Optional(Type.String()),
  /** Running sessions (status `live`) that this connection may subscribe to. */
  sessions: Type.Array(SessionListEntry),
  maxMessageBytes: Type.Integer(),
});
export type Hello = Static<typeof Hello>;

/** The list of running sessions changed (one started or ended). */
export const SessionsMessage = Type.Object({ type: Type.Literal('sessions'), sessions: Type.Array(SessionListEntry) });
export type SessionsMessage = Static<typeof SessionsMessage>;

/** Full state of one subscribed session: sent after `subscribe` and whenever it changes. */
export const SessionMessage = Type.Object({ type: Type.Literal('session'), session: SessionState });
export type SessionMessage = Static<typeof SessionMessage>;

/** One analysis event (rep-started, phase, alert, rep-completed, set-completed, calibrated, warnings). Never dropped. */
export const EventMessage = Type.Object({
  type: Type.Literal('event'),
  sessionId: Type.String(),
  event: AnalysisEvent,
});
export type EventMessage = Static<typeof EventMessage>;

/**
 * Everything the analysis has emitted for a session so far (rep-completed, alerts, sets, calibration,
 * settings, warnings; not the per-rep phase changes), in order: sent after `subscribe`, so a client that
 * (re)connects mid-session rebuilds its live view from the same events a client present all along saw.
 */
export const SnapshotMessage = Type.Object({
  type: Type.Literal('snapshot'),
  sessionId: Type.String(),
  events: Type.Array(Type.Unsafe<AnalysisEvent>(Type.Object({ type: Type.String(), t: Type.Number() }))),
});
export type SnapshotMessage = Static<typeof SnapshotMessage>;

export const PRESENCES = ['connecting', 'present', 'reconnecting', 'absent', 'error'] as const;
export type Presence = (typeof PRESENCES)[number];

export const SensorStatus = Type.Object({
  id: Type.String(),
  placement: Type.String(),
  /** connecting, present, reconnecting, absent (e.g. a replay without this sensor's data yet), error. */
  presence: Type.Union([
    Type.Literal('connecting'),
    Type.Literal('present'),
    Type.Literal('reconnecting'),
    Type.Literal('absent'),
    Type.Literal('error'),
  ]),
  batteryPct: NullableNum,
  rssiDbm: NullableNum,
  /** Samples received since the session started. */
  samples: Type.Integer(),
  /** Measured sample rate over the last second, Hz. */
  rateHz: Num,
  /** Gaps: disconnects and runs of missing samples. */
  dropouts: Type.Integer(),
  /** Packets or lines that could not be used. */
  malformed: Type.Integer(),
  /** Recording time of the last sample, s. */
  lastT: NullableNum,
});
export type SensorStatus = Static<typeof SensorStatus>;

/** Sensor status of one session, about once per second and on every presence change. */
export const SensorStatusMessage = Type.Object({
  type: Type.Literal('sensor-status'),
  sessionId: Type.String(),
  sensors: Type.Array(SensorStatus),
  /** Problems of the source as a whole, human-readable (adapter off, file unreadable ...). */
  problems: Type.Array(Type.String()),
});
export type SensorStatusMessage = Static<typeof SensorStatusMessage>;

/** A control or subscribe request succeeded. */
export const Ack = Type.Object({ type: Type.Literal('ack'), id: Type.Optional(Type.String()), of: Type.String() });
export type Ack = Static<typeof Ack>;

export const Pong = Type.Object({ type: Type.Literal('pong'), id: Type.Optional(Type.String()) });
export type Pong = Static<typeof Pong>;

/** A request failed. `code` is one of ERROR_CODES; `message` is stable text for people. */
export const ErrorReply = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
});
export type ErrorReply = Static<typeof ErrorReply>;

/** One schema per server message type (documented in the bridge's OpenAPI document, components). */
export const SERVER_MESSAGE_SCHEMAS = {
  hello: Hello,
  sessions: SessionsMessage,
  session: SessionMessage,
  angles: AngleFrame,
  event: EventMessage,
  'sensor-status': SensorStatusMessage,
  ack: Ack,
  pong: Pong,
  error: ErrorReply,
};

export type ServerMessage =
  | Hello
  | SessionsMessage
  | SessionMessage
  | SnapshotMessage
  | AngleFrame
  | EventMessage
  | SensorStatusMessage
  | Ack
  | Pong
  | ErrorReply;

/** Error codes shared by REST (`{code, message}` bodies) and WebSocket `error` replies. */
export const ERROR_CODES = {
  HINGE_ERR_BAD_JSON: 'message is not valid JSON',
  HINGE_ERR_BAD_MESSAGE: 'message does not match the protocol',
  HINGE_ERR_UNKNOWN_TYPE: 'unknown message type',
  HINGE_ERR_UNAUTHORIZED: 'a valid access token is required',
  HINGE_ERR_FORBIDDEN: 'this connection may not do that',
  HINGE_ERR_HOST_NOT_ALLOWED: 'this bridge does not answer to that host name (start it with --allowed-host NAME)',
  HINGE_ERR_ORIGIN_NOT_ALLOWED: 'requests from that browser origin are not allowed (start the bridge with --allow-origin URL)',
  HINGE_ERR_NOT_JSON: 'a state-changing request needs Content-Type: application/json or an X-Hinge-Client header',
  HINGE_ERR_SESSION_NOT_FOUND: 'no such session',
  HINGE_ERR_PATIENT_NOT_FOUND: 'no such patient',
  HINGE_ERR_PATIENT_EXISTS: 'a patient with this clinic identifier exists',
  HINGE_ERR_REVIEW_ONLY: 'this bridge only reviews (no sensors, no recording)',
  HINGE_ERR_CLINIC_DB: 'the clinic database could not be reached',
  HINGE_ERR_SESSION_NOT_LIVE: 'the session is not running',
  HINGE_ERR_SESSION_HAS_SOURCE: 'the session already has a source',
  HINGE_ERR_SET_RUNNING: 'a set is already running',
  HINGE_ERR_NO_SET: 'no set is running',
  HINGE_ERR_NOT_SUPPORTED: "the session's source cannot do that",
  HINGE_ERR_SOURCE: 'the source could not be started',
  HINGE_ERR_RECORDING_MISSING: "the session's recording file is missing",
  HINGE_ERR_RECORDING_DAMAGED: "the session's recording is damaged and cannot be read",
  HINGE_ERR_TOO_MANY_SESSIONS: 'too many sessions are running',
  HINGE_ERR_RATE_LIMITED: 'too many control messages; slow down',
  HINGE_ERR_ACCESS_REVOKED: 'access was revoked (the token was rotated or the display link expired)',
  HINGE_ERR_BUSY: 'the bridge is busy with other exports or replays; try again shortly',
  HINGE_ERR_TOO_LARGE: 'request body is too large',
  HINGE_ERR_STORAGE: 'the data directory cannot be written (disk full or read-only)',
  HINGE_ERR_BLE_BUSY: 'Bluetooth is busy',
  HINGE_ERR_BLE_NO_TAP: 'no tap seen; nothing remembered',
  HINGE_ERR_BLE_UNAVAILABLE: 'the Bluetooth adapter is not ready',
  HINGE_ERR_BLE_POWERED_OFF: 'the Bluetooth adapter is off',
  HINGE_ERR_BLE_UNAUTHORIZED: 'this process may not use Bluetooth',
  HINGE_ERR_BLE_UNSUPPORTED: 'no Bluetooth Low Energy adapter',
  HINGE_ERR_BLE_CONNECT_TIMEOUT: 'a sensor did not answer in time',
  HINGE_ERR_BLE_GATT: 'a sensor refused a Bluetooth request',
  HINGE_ERR_BLE_SENSOR_NOT_FOUND: 'the sensor was not found',
  HINGE_ERR_NOT_FOUND: 'no such route',
  HINGE_ERR_BAD_TIME_ZONE: 'unknown time zone (use an IANA name such as Europe/Berlin)',
  HINGE_ERR_IMPORT: 'the files could not be imported',
  HINGE_ERR_INTERNAL: 'internal error',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string; id?: string };

/**
 * Parses and validates one inbound text message: JSON, then `type`, then that type's schema.
 * Never throws; the error says what is wrong and where (JSON path).
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'HINGE_ERR_BAD_JSON', message: ERROR_CODES.HINGE_ERR_BAD_JSON };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'HINGE_ERR_BAD_MESSAGE', message: `${ERROR_CODES.HINGE_ERR_BAD_MESSAGE}: not a JSON object` };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
  const withId = <T extends object>(reply: T) => (id === undefined ? reply : { ...reply, id });
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_MESSAGE_SCHEMAS, type)) {
    return withId({ ok: false as const, code: 'HINGE_ERR_UNKNOWN_TYPE' as const, message: `${ERROR_CODES.HINGE_ERR_UNKNOWN_TYPE}: ${JSON.stringify(type)}` });
  }
  const schema = CLIENT_MESSAGE_SCHEMAS[type as ClientMessageType];
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value)[0];
    const where = first ? `${first.instancePath || '/'} ${first.message}` : 'invalid';
    return withId({ ok: false as const, code: 'HINGE_ERR_BAD_MESSAGE' as const, message: `${ERROR_CODES.HINGE_ERR_BAD_MESSAGE}: ${where}` });
  }
  return { ok: true, message: value as ClientMessage };
}
