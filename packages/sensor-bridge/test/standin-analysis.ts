// A mechanical stand-in for @hinge/analysis, for tests of the SERVER's own machinery (batching,
// backpressure, storage, recovery) that must not depend on the analysis' numbers. It is not an
// analysis: one "angle" per sacrum sample (pelvisDeg = t), and a rep every REP_PERIOD_S of
// recording time, numbered from 1, in the set running when it is emitted. It reads the timeline's
// control lines the way the analysis does (set-start / set-end -> set events, settings -> settings
// event). Tests of real behaviour end to end use the real analysis.
import type { AnalysisDocument, AnalysisEvent, AngleSample, PatientSettings, RecordingHeader, RecordingLine, RepReport, SetSummary } from '@hinge/protocol';
import type { AnalysisFunctions } from '../src/server/app';

export const REP_PERIOD_S = 2;

const SETTINGS: PatientSettings = { painLevel: null, load: 'none', lumbarLimitDeg: 25, tempoMinS: 1, targetReps: 8, targetSets: 3 };

function rep(index: number): RepReport {
  const start = (index - 1) * REP_PERIOD_S;
  return {
    index,
    start,
    bottom: start + REP_PERIOD_S / 2,
    end: start + REP_PERIOD_S,
    peakTrunkDeg: 60,
    peakPelvisDeg: 50,
    peakLumbarDeg: index % 3 === 0 ? 30 : 10,
    hipShare: 0.8,
    descentS: 1,
    ascentS: 1,
    faults: index % 3 === 0 ? ['lumbar-rounding'] : [],
  };
}

function summary(reps: readonly RepReport[]) {
  return {
    repCount: reps.length,
    cleanReps: reps.filter((r) => r.faults.length === 0).length,
    faultCounts: { 'lumbar-rounding': reps.filter((r) => r.faults.length > 0).length, 'knee-dominant': 0, 'too-fast': 0 },
    peakTrunkDegMax: null,
    peakLumbarDegMax: null,
    peakLumbarDegMean: null,
    hipShareMean: null,
    descentSMean: null,
    ascentSMean: null,
  };
}

function analyzer(header: RecordingHeader) {
  const sacrum = header.sensors.find((s) => s.placement === 'sacrum')?.id;
  let angles: AngleSample[] = [];
  let events: AnalysisEvent[] = [];
  const reps: RepReport[] = [];
  const sets: SetSummary[] = [];
  let running: { index: number; start: number } | null = null;
  let lastT = 0;
  let settings: PatientSettings = { ...SETTINGS, ...header.settings };
  const endSet = (t: number) => {
    if (!running) return;
    const set: SetSummary = { index: running.index, start: running.start, end: t, ...summary(reps.filter((r) => r.set === running!.index)) };
    sets.push(set);
    events.push({ type: 'set-ended', t, index: set.index, end: t }, { type: 'set-completed', t, set });
    running = null;
  };
  return {
    now: () => lastT,
    push(line: RecordingLine) {
      if ('event' in line) {
        if (line.event === 'set-end') endSet(line.t);
        if (line.event === 'set-start') {
          endSet(line.t);
          running = { index: sets.length + 1, start: line.t };
          events.push({ type: 'set-started', t: line.t, index: running.index, start: line.t });
        }
        if (line.event === 'settings') {
          settings = { ...settings, ...(line.settings as Partial<PatientSettings>) };
          events.push({ type: 'settings', t: line.t, settings });
        }
        return;
      }
      lastT = Math.max(lastT, line.t);
      if (line.sensor === sacrum) {
        angles.push({ t: line.t, pelvisDeg: line.t, trunkDeg: 0, lumbarDeg: 0 });
        while (line.t >= (reps.length + 1) * REP_PERIOD_S) {
          const r = rep(reps.length + 1);
          if (running) r.set = running.index;
          reps.push(r);
          if (r.faults.length > 0) events.push({ type: 'alert', t: line.t, index: r.index, fault: 'lumbar-rounding', message: 'stand-in', values: {} });
          events.push({ type: 'rep-completed', t: line.t, rep: r });
        }
      }
    },
    takeAngles() {
      const out = angles;
      angles = [];
      return out;
    },
    takeEvents() {
      const out = events;
      events = [];
      return out;
    },
    finish(): AnalysisDocument {
      endSet(lastT);
      return { format: 'hinge-analysis', version: 1, calibration: null, calibrations: [], reps, summary: { ...summary(reps), sets }, warnings: [], settings };
    },
  };
}

function offline(header: RecordingHeader, lines: Iterable<RecordingLine>, overrides: Partial<PatientSettings> = {}): AnalysisDocument {
  const a = analyzer({ ...header, settings: { ...header.settings, ...overrides } });
  for (const line of lines) a.push(line);
  const doc = a.finish();
  const angles = { t: [] as number[], pelvisDeg: [] as (number | null)[], trunkDeg: [] as (number | null)[], lumbarDeg: [] as (number | null)[] };
  for (const s of a.takeAngles()) {
    angles.t.push(s.t);
    angles.pelvisDeg.push(s.pelvisDeg);
    angles.trunkDeg.push(s.trunkDeg);
    angles.lumbarDeg.push(s.lumbarDeg);
  }
  return { ...doc, angles };
}

export const standinAnalysis: AnalysisFunctions = {
  createAnalyzer: (header) => analyzer(header),
  analyzeOffline: offline,
  createOfflinePass: (header, overrides) => ({ ...analyzer({ ...header, settings: { ...header.settings, ...overrides } }), offlineNeutral: () => null, settled: () => true }),
  defaultSettings: SETTINGS,
};
