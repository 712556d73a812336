// Between sets: how long the patient has rested, from the end of the last set to the session's latest
// recording time, or that every target set is done. Null while a set runs or before the first one.
import type { SessionState } from '@hinge/protocol';

export type RestState = { kind: 'rest'; elapsedS: number; nextSet: number } | { kind: 'done' };

export function restState(session: Pick<SessionState, 'activeSet' | 'sets' | 'settings' | 't' | 'status'>): RestState | null {
  if (session.activeSet !== null) return null;
  const last = session.sets[session.sets.length - 1];
  if (!last || last.end === null) return null;
  if (session.sets.length >= session.settings.targetSets || session.status !== 'live') return { kind: 'done' };
  return { kind: 'rest', elapsedS: Math.max(0, session.t - last.end), nextSet: session.sets.length + 1 };
}
