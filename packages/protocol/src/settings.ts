// The per-patient settings' schemas (TypeBox), built from their one definition in ./settings-bounds.ts:
// REST and WebSocket validate with these at the edge.
import { Type, type Static } from 'typebox';
import { SETTINGS_BOUNDS, type BoundedSetting } from './settings-bounds';

const bounded = (key: BoundedSetting) => {
  const b = SETTINGS_BOUNDS[key];
  return b.integer ? Type.Integer({ minimum: b.min, maximum: b.max }) : Type.Number({ minimum: b.min, maximum: b.max });
};

/** Full per-patient settings, as stored with a session and written in a recording's header. */
export const PatientSettingsSchema = Type.Object(
  {
    painLevel: Type.Union([bounded('painLevel'), Type.Null()]),
    load: Type.Union([Type.Literal('none'), Type.Literal('dowel'), Type.Literal('band'), Type.Literal('weights')]),
    lumbarLimitDeg: bounded('lumbarLimitDeg'),
    tempoMinS: bounded('tempoMinS'),
    targetReps: bounded('targetReps'),
    targetSets: bounded('targetSets'),
  },
  { additionalProperties: false },
);

/** One setting changed during a session (a `settings` line): when, which, from what to what. */
export const SettingsChange = Type.Object({
  t: Type.Number({ description: 'recording time of the change, s' }),
  setting: Type.Union([Type.Literal('painLevel'), Type.Literal('load'), Type.Literal('lumbarLimitDeg'), Type.Literal('tempoMinS'), Type.Literal('targetReps'), Type.Literal('targetSets')]),
  from: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  to: Type.Union([Type.Number(), Type.String(), Type.Null()]),
});
export type SettingsChange = Static<typeof SettingsChange>;

/** Some settings (only the given ones change): session creation, a change during a session, a `settings` line. */
export const SettingsPatch = Type.Partial(PatientSettingsSchema, { additionalProperties: false });
export type SettingsPatch = Static<typeof SettingsPatch>;
