// Reading aid for the hard tier (not scored): per session with a problem, the seed, class and each missed,
// extra or wrongly flagged rep; with --trace, the truth rep, the detected reps near it and the rep
// detector's state around it (trunk relative to its baseline, pelvis, vertical acceleration, running sink,
// quiet, the open candidate and its rest), one line each time that state changes (every 0.1 s with --full).
//
// pnpm exec tsx bench/hard-misses.ts [sessions per class = 6] [first seed = 5000] [class ...] [--trace] [--full]
import { analyzeRecordingLines, createSessionAnalyzer } from '../packages/analysis/src/session-analyzer';
import { hardSession, HARD_CLASSES, simulateSession, type HardClass } from '@hinge/simulator';
import { scoreHardSession } from './hard';

const args = process.argv.slice(2);
const trace = args.includes('--trace');
const full = args.includes('--full');
const pos = args.filter((a) => !a.startsWith('--'));
const count = Number(pos[0] ?? 6);
const firstSeed = Number(pos[1] ?? 5000);
const classes = (pos.length > 2 ? pos.slice(2) : HARD_CLASSES) as HardClass[];
const f = (x: number | null | undefined, w: number, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d)).padStart(w);

for (const cls of classes) {
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const sim = simulateSession({ seed, mounting: 'random', noise: 'typical', script: hardSession(seed, cls, { durationS: 90 }) });
    const doc = analyzeRecordingLines(sim.header, sim.lines);
    const score = scoreHardSession(cls, seed, doc, sim.truth);
    if (!score.problems.length) continue;
    console.log(`\n=== ${cls} seed ${seed}: ${score.detected} reps (clear ${score.clearReps}) ${score.exact ? 'exact' : 'NOT exact'}`);
    for (const p of score.problems) console.log('  ' + p);
    if (!trace) continue;
    // The same analysis again (both passes, as analyzeRecordingLines runs them), with the detector's state.
    const first = createSessionAnalyzer(sim.header, {}, { maxPendingAngles: 0, findBestStill: true });
    for (const line of sim.lines) first.push(line);
    first.finish();
    const neutral = first.offlineNeutral();
    const an = neutral ? createSessionAnalyzer(sim.header, {}, { maxPendingAngles: 0, neutral }) : createSessionAnalyzer(sim.header, {}, { maxPendingAngles: 0, findBestStill: true });
    const snaps: { t: number; line: string; key: string }[] = [];
    let lastT = -1;
    for (const line of sim.lines) {
      an.push(line);
      const r = an.internals.reps;
      const h = r.history;
      const n = h.t.length - 1;
      if (n < 0 || h.t[n]! - lastT < 0.1) continue;
      lastT = h.t[n]!;
      const c = r.current;
      const trunk = h.trunkDeg[n];
      const key = `${r.quiet ? 'Q' : '.'} ${c ? `${c.driver} ${c.confirmed ? 'rep' : 'candidate'} ${c.phase} rest ${f(c.quietBeforeT, 6, 2)} opened ${c.openT.toFixed(2)}` : '-'}`;
      snaps.push({
        t: lastT,
        key,
        line: `${f(lastT, 6)} trunk ${f(trunk === null || trunk === undefined ? null : trunk - r.baselineDeg, 5)} pelvis ${f(h.pelvisDeg[n], 5)} acc ${f(h.sacrumVertAccMS2[n], 5, 2)} sink ${f(-r.sacrumHeightM, 6, 3)} ${key}`,
      });
    }
    const times = score.problems.map((p) => Number(/at ([\d.]+) s/.exec(p)?.[1])).filter((x) => Number.isFinite(x));
    for (const tb of times) {
      const truth = [...sim.truth.reps, ...(sim.truth.nearReps ?? [])].find((r) => Math.abs(r.bottom - tb) < 0.05);
      console.log(`  -- around ${tb} s: truth ${truth ? JSON.stringify(truth) : '(none)'}`);
      for (const d of doc.reps.filter((x) => Math.abs(x.bottom - tb) < 8)) {
        console.log(`     detected ${d.start}-${d.bottom}-${d.end} trunk ${d.peakTrunkDeg} pelvis ${d.peakPelvisDeg} sink ${d.sacrumDropM} descent/ascent ${d.descentS}/${d.ascentS} ${d.faults.join(',')}`);
      }
      const from = truth ? truth.start - 2 : tb - 4, to = truth ? truth.end + 3 : tb + 4;
      let prevKey = '';
      for (const s of snaps) {
        if (s.t < from || s.t > to) continue;
        if (full || s.key !== prevKey) console.log('     ' + s.line);
        prevKey = s.key;
      }
    }
  }
}
