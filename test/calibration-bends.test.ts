// The calibration wizard's two slow bends are not exercise reps (rep-detector.ts, "Calibration bends"):
// a session whose clinician runs the sets counts only the bends that are exercise, live and on replay
// of its recording alike, and the document keeps the calibration bends apart.
import { describe, expect, it } from 'vitest';
import type { AnalysisEvent, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { analyzeRecordingLines, createSessionAnalyzer } from '@hinge/analysis';
import { simulateSession, type ScriptStepInput } from '@hinge/simulator';

const stand = (durationS: number): ScriptStepInput => ({ kind: 'stand', durationS });
const hinge = (over: Record<string, number> = {}): ScriptStepInput => ({ kind: 'hinge', trunkDeg: 60, pelvisDeg: 52, descentS: 2, pauseS: 0.3, ascentS: 2, ...over });

/** The wizard's flow: calibrate (the stand's calibrate line), two slow bends, then a set of three reps started and ended by the clinician. */
function wizardSession(seed: number) {
  const sim = simulateSession({
    seed,
    mounting: 'random',
    noise: 'typical',
    script: [{ kind: 'stand', durationS: 3, calibrate: true }, hinge({ descentS: 2.5, ascentS: 2.5 }), stand(1.5), hinge({ trunkDeg: 55, pelvisDeg: 48, descentS: 2.5, ascentS: 2.5 }), stand(4), hinge(), stand(1.5), hinge(), stand(1.5), hinge(), stand(3)],
  });
  const [, , third, , fifth] = sim.truth.reps;
  const setStart = third!.start - 1.5;
  const setEnd = fifth!.end + 1;
  const header: RecordingHeader = { ...sim.header, setsFrom: 'events' };
  const lines: RecordingLine[] = [...sim.lines, { t: setStart, event: 'set-start' }, { t: setEnd, event: 'set-end' }].sort((a, b) => a.t - b.t);
  return { sim, header, lines };
}

function live(header: RecordingHeader, lines: RecordingLine[]) {
  const analyzer = createSessionAnalyzer(header);
  const events: AnalysisEvent[] = [];
  for (const line of lines) {
    analyzer.push(line);
    events.push(...analyzer.takeEvents());
  }
  const doc = analyzer.finish();
  events.push(...analyzer.takeEvents());
  return { doc, events };
}

describe('calibration bends', () => {
  it('the two bends after calibrating are not reps: the set is reps 1-3 of 3, the session total 3, the bends kept apart; live and replay agree', () => {
    for (const seed of [61, 62]) {
      const { sim, header, lines } = wizardSession(seed);
      expect(sim.truth.reps).toHaveLength(5);
      const doc = analyzeRecordingLines(header, lines);
      expect(doc.reps.map((r) => r.index), `seed ${seed}`).toEqual([1, 2, 3]);
      expect(doc.reps.every((r) => r.set === 1)).toBe(true);
      expect(doc.summary.repCount).toBe(3);
      expect(doc.summary.sets?.map((s) => s.repCount)).toEqual([3]);
      expect(doc.calibrationBends?.map((b) => Math.round(b.bottom))).toEqual(sim.truth.reps.slice(0, 2).map((r) => Math.round(r.bottom)));

      const { doc: liveDoc, events } = live(header, lines);
      expect(liveDoc.reps).toEqual(doc.reps);
      expect(liveDoc.calibrationBends).toEqual(doc.calibrationBends);
      // Live, a calibration bend never shows as a rep in progress, and says when it is over.
      expect(events.filter((e) => e.type === 'rep-started').map((e) => (e as { index: number }).index)).toEqual([1, 2, 3]);
      expect(events.filter((e) => e.type === 'calibration-bend')).toHaveLength(2);
    }
  });

  it('a set started while the second bend is under way makes that bend a rep after all, live and on replay alike', () => {
    const { sim, header, lines } = wizardSession(61);
    const second = sim.truth.reps[1]!;
    const moved = lines.map((l) => ('event' in l && l.event === 'set-start' ? { ...l, t: second.bottom } : l)).sort((a, b) => a.t - b.t);
    const doc = analyzeRecordingLines(header, moved);
    expect(doc.calibrationBends).toHaveLength(1);
    expect(doc.reps).toHaveLength(4);
    expect(Math.abs(doc.reps[0]!.bottom - second.bottom)).toBeLessThan(0.5);
    const { doc: liveDoc, events } = live(header, moved);
    expect(liveDoc.reps).toEqual(doc.reps);
    const started = events.find((e) => e.type === 'rep-started' && e.index === 1)!;
    expect(started.t).toBeCloseTo(second.bottom, 1);
  });

  it('without set lines (sets from pauses) every bend may be exercise: all five count', () => {
    const { sim, lines } = wizardSession(61);
    const doc = analyzeRecordingLines(sim.header, lines.filter((l) => !('event' in l) || (l.event !== 'set-start' && l.event !== 'set-end')));
    expect(doc.reps).toHaveLength(5);
    expect(doc.calibrationBends).toBeUndefined();
  });

  it('a bend outside a set with no calibration asked for (a warm-up rep) still counts', () => {
    const { header, lines } = wizardSession(61);
    const doc = analyzeRecordingLines(header, lines.filter((l) => !('event' in l) || l.event !== 'calibrate'));
    expect(doc.reps).toHaveLength(5);
    expect(doc.reps.slice(0, 2).every((r) => r.set === undefined)).toBe(true);
  });
});
