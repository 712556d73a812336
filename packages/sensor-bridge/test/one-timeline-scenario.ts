// The session of the one-timeline tests (src/server/one-timeline.test.ts in process,
// one-timeline-kill.test.ts with real processes and kill -9): a warm-up rep outside any set, two sets, a
// lumbar-limit change in the middle of set 1, a clinician's note, a recalibration between the sets, a rep
// begun just before "start set", and a thoracic drop-out in the middle of a rep.
import { expect } from 'vitest';
import type { AnalysisDocument, AnalysisEvent, SessionDetail } from '@hinge/protocol';
import { createSessionAnalyzer } from '@hinge/analysis';
import { isEventLine } from '@hinge/protocol';
import { simulateSession, type ScriptStepInput } from '@hinge/simulator';
import { readRecording } from '../src/recording/reader';

// Rounded reps: lumbar flexion = trunk - pelvis. 36 deg is over the initial limit (20) only; 30 is
// under the raised one (40); 50 is over both.
export const SCRIPT: ScriptStepInput[] = [
  { kind: 'stand', durationS: 4 },
  { kind: 'hinge', trunkDeg: 70, pelvisDeg: 62 }, // 1: warm-up, before any set
  { kind: 'stand', durationS: 4 },
  { kind: 'hinge', trunkDeg: 70, pelvisDeg: 62 }, // 2: set 1
  { kind: 'stand', durationS: 2 },
  { kind: 'rounded', trunkDeg: 66, pelvisDeg: 30 }, // 3: set 1, 36 deg > limit 20: faulted
  { kind: 'stand', durationS: 3 }, // the clinician raises the limit to 40 here
  { kind: 'rounded', trunkDeg: 60, pelvisDeg: 30 }, // 4: set 1, 30 deg < 40: clean
  { kind: 'stand', durationS: 3 }, // set 1 ends
  { kind: 'stand', durationS: 6 }, // recalibration
  { kind: 'hinge', trunkDeg: 70, pelvisDeg: 62 }, // 5: begun 0.15 s before set 2 starts
  { kind: 'stand', durationS: 2 },
  { kind: 'hinge', trunkDeg: 75, pelvisDeg: 65 }, // 6: thoracic drop-out during its descent
  { kind: 'stand', durationS: 2 },
  { kind: 'rounded', trunkDeg: 75, pelvisDeg: 25 }, // 7: 50 deg > 40: faulted
  { kind: 'stand', durationS: 4 }, // stopped with set 2 still running
];
export const SEED = 1313;
/** The session as the sensors saw it, and when the clinician acted (recording time, s). */
export function scenario() {
  const plain = simulateSession({ seed: SEED, script: SCRIPT, noise: 'typical' });
  const reps = plain.truth.reps;
  expect(reps).toHaveLength(7);
  const r = (i: number) => reps[i - 1]!;
  const dropout = { sensor: 'thoracic', start: r(6).start + 0.5, durationS: 0.6 };
  const { header, lines } = simulateSession({ seed: SEED, script: SCRIPT, noise: 'typical', dropouts: [dropout] });
  const controls: { t: number; action: string }[] = [
    { t: r(2).start - 1.5, action: 'set-start' },
    { t: (r(2).end + r(3).start) / 2, action: 'note' },
    { t: (r(3).end + r(4).start) / 2, action: 'limit-40' },
    { t: r(4).end + 1.5, action: 'set-end' },
    { t: r(4).end + 3.5, action: 'calibrate' },
    { t: r(5).start + 0.15, action: 'set-start' },
  ];
  // Only the sensors' lines: every control line comes from the clinician, through the server.
  return { header, lines: lines.filter((l) => !isEventLine(l) || l.event === 'disconnect' || l.event === 'reconnect'), controls, dropout, truth: reps };
}

/** Stored reps, sets and calibration equal the document, field for field. */
export function expectStoredEqualsDocument(detail: SessionDetail, doc: AnalysisDocument): void {
  expect(detail.reps.map(({ setIndex: _setIndex, ...rep }) => rep)).toEqual(doc.reps);
  expect(detail.reps.map((r) => r.setIndex)).toEqual(doc.reps.map((r) => r.set ?? null));
  expect(detail.sets.map(({ repCount: _repCount, ...s }) => s)).toEqual((doc.summary.sets ?? []).map((s) => ({ index: s.index, start: s.start, end: s.end, summary: s })));
  expect(detail.sets.map((s) => s.repCount)).toEqual((doc.summary.sets ?? []).map((s) => s.repCount));
  expect(detail.calibration).toEqual(doc.calibrations.at(-1));
  expect(detail.summary).toEqual(doc.summary);
}


/** The streaming analysis' events for a recording file (what `hinge analyze` runs, with its events kept). */
export async function eventsOf(file: string): Promise<AnalysisEvent[]> {
  const { header, lines } = await readRecording(file, { mode: 'strict' });
  const analyzer = createSessionAnalyzer(header);
  const events: AnalysisEvent[] = [];
  for (const line of lines) {
    analyzer.push(line);
    events.push(...analyzer.takeEvents());
  }
  analyzer.finish();
  return [...events, ...analyzer.takeEvents()];
}
