// WebSocket protocol between the bridge and the dashboard, version 1 (docs/websocket-protocol.md).
// Schemas are TypeBox: one definition gives the JSON Schema the server validates with and the
// TypeScript type both sides compile against.
import { Type, type Static } from 'typebox';

export const WS_PROTOCOL_VERSION = 1;

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);

// ---- client -> server -------------------------------------------------------------------------

export const ClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('subscribe'), id: Type.Optional(Type.String()), sessionId: Type.String() }),
  Type.Object({ type: Type.Literal('unsubscribe'), id: Type.Optional(Type.String()), sessionId: Type.String() }),
  Type.Object({ type: Type.Literal('calibrate'), id: Type.Optional(Type.String()), sessionId: Type.String() }),
  Type.Object({ type: Type.Literal('start-set'), id: Type.Optional(Type.String()), sessionId: Type.String() }),
  Type.Object({ type: Type.Literal('stop-set'), id: Type.Optional(Type.String()), sessionId: Type.String() }),
  Type.Object({
    type: Type.Literal('update-settings'),
    id: Type.Optional(Type.String()),
    sessionId: Type.String(),
    settings: Type.Object({
      lumbarLimitDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 90 })),
      tempoMinS: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
      targetReps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      targetSets: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    }),
  }),
  Type.Object({ type: Type.Literal('ping'), id: Type.Optional(Type.String()) }),
]);
export type ClientMessage = Static<typeof ClientMessage>;

// ---- server -> client -------------------------------------------------------------------------

export const AngleFrame = Type.Object({
  type: Type.Literal('angles'),
  sessionId: Type.String(),
  /** Columns of equal length: one entry per angle sample, recording time in s, angles in degrees. */
  t: Type.Array(Num),
  pelvisDeg: Type.Array(NullableNum),
  trunkDeg: Type.Array(NullableNum),
  lumbarDeg: Type.Array(NullableNum),
});
export type AngleFrame = Static<typeof AngleFrame>;

export const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Literal(WS_PROTOCOL_VERSION),
  /** What the source behind the sessions can do; the UI reads these instead of asking "is it live?". */
  capabilities: Type.Array(Type.String()),
  sessions: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
});

export const Ack = Type.Object({ type: Type.Literal('ack'), id: Type.Optional(Type.String()), of: Type.String() });
export const ErrorReply = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
});

export type Hello = Static<typeof Hello>;
export type Ack = Static<typeof Ack>;
export type ErrorReply = Static<typeof ErrorReply>;
