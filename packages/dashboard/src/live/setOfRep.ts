// Which of the clinician's sets (started and stopped with the set controls) a live rep fell in, by the
// bridge's own rule for stored reps (RepRecord.setIndex): the set whose [start, end] holds the rep's start.
import type { SetRecord } from '@hinge/protocol';

export function setOfRep(sets: readonly Pick<SetRecord, 'index' | 'start' | 'end'>[], repStartS: number): number | null {
  for (const s of sets) if (repStartS >= s.start && (s.end === null || repStartS <= s.end)) return s.index;
  return null;
}
