// The hard tier (issue 12): simulated sessions under the conditions a clinic meets every week, each
// scored like the ordinary tier (body-angle RMSE against the model's truth). The ordinary tier is
// `evaluateSuite` with random sessions and typical noise; every condition here is typical noise plus
// one thing that goes wrong:
//   fast-reps   back-to-back fast reps (descents of about 0.5 s, pauses under a second): ordinary sensors
//   clipping    ballistic reps beyond a +-250 deg/s gyroscope (and a +-4 g accelerometer)
//   soft-tissue heavy wobble (2 deg, decaying over 0.1-0.2 s) and a skin shift of up to 4 % of the pitch
//   slip        the thoracic sensor slips 2-4 deg over a 10-minute session
//   lag         the thoracic clock lags the sacrum's by 35-40 ms
//   packets     the fast-reps sessions with samples stamped as they arrive, three to a BLE packet, 1 ms apart
// Run alone: pnpm exec tsx bench/hard-conditions.ts [sessions per condition = 6]
import { createRng, randomSession, type ScriptStepInput, type SimulatorOptions } from '@hinge/simulator';
import { evaluateSessions, type SuiteResult } from './evaluate';
import { invokedDirectly } from './stats';

export const HARD_CONDITIONS = ['fast-reps', 'clipping', 'soft-tissue', 'slip', 'lag', 'packets'] as const;
export type HardCondition = (typeof HARD_CONDITIONS)[number];

/** Sets of back-to-back fast reps: descents and ascents drawn in the given ranges, short pauses between. */
export function fastRepScript(seed: number, options: { sets: number; trunkDeg: [number, number]; descentS: [number, number] }): ScriptStepInput[] {
  const rng = createRng(seed * 7919 + 17);
  const steps: ScriptStepInput[] = [{ kind: 'stand', durationS: 4, calibrate: true }];
  for (let set = 0; set < options.sets; set++) {
    if (set > 0) steps.push({ kind: 'stand', durationS: rng.uniform(3, 6) }, { kind: 'walk' }, { kind: 'stand', durationS: rng.uniform(3, 5) });
    for (let rep = rng.int(5, 8); rep > 0; rep--) {
      steps.push({ kind: 'fast', trunkDeg: rng.uniform(...options.trunkDeg), descentS: rng.uniform(...options.descentS), ascentS: rng.uniform(...options.descentS) });
      steps.push({ kind: 'pause', durationS: rng.uniform(0.3, 1.0) });
    }
  }
  steps.push({ kind: 'stand', durationS: 8 });
  return steps;
}

/** The simulator options of one session of a condition. */
export function hardConditionOptions(condition: HardCondition, seed: number): SimulatorOptions {
  const rng = createRng(seed * 104729 + 3);
  const base: SimulatorOptions = { seed, mounting: 'random', noise: 'typical' };
  switch (condition) {
    case 'fast-reps':
      return { ...base, script: fastRepScript(seed, { sets: 3, trunkDeg: [60, 90], descentS: [0.4, 0.55] }) };
    case 'clipping':
      return { ...base, script: fastRepScript(seed, { sets: 2, trunkDeg: [70, 90], descentS: [0.4, 0.5] }), conditions: { gyrRangeDegS: 250, accRangeG: 4 } };
    case 'soft-tissue':
      return { ...base, conditions: { heavySoftTissue: true } };
    case 'slip':
      return { ...base, script: randomSession(seed, { durationS: 600 }), conditions: { thoracicSlipDeg: rng.uniform(2, 4), thoracicSlipOverS: 600 } };
    case 'lag':
      return { ...base, conditions: { thoracicLagS: rng.uniform(0.035, 0.04) } };
    case 'packets':
      return { ...hardConditionOptions('fast-reps', seed), conditions: { packetSamples: 3 } };
  }
}

/** How honest the reps' peak lumbar uncertainty was: share within one sigma and RMS of error / sigma. */
export function sigmaHonesty(r: SuiteResult): string {
  if (r.peakWithinSigmaShare === null || r.peakErrOverSigmaRms === null) return 'peak within 1 sigma -';
  return `peak within 1 sigma ${(r.peakWithinSigmaShare * 100).toFixed(0)} % (RMS err/sigma ${r.peakErrOverSigmaRms.toFixed(2)})`;
}

export function evaluateHardCondition(condition: HardCondition, seeds: number[]): SuiteResult {
  return evaluateSessions(seeds, (seed) => hardConditionOptions(condition, seed));
}

if (invokedDirectly(import.meta.url)) {
  const n = Number(process.argv[2] ?? 6);
  const only = process.argv[3];
  const seeds = Array.from({ length: n }, (_, i) => 3000 + i);
  for (const c of HARD_CONDITIONS) {
    if (only && c !== only) continue;
    const r = evaluateHardCondition(c, seeds);
    const f = (x: number) => x.toFixed(2);
    console.log(
      `${c.padEnd(12)} RMSE ${f(r.rmse.pelvisDeg)} / ${f(r.rmse.trunkDeg)} / ${f(r.rmse.lumbarDeg)}  standing err max ${f(r.maxStandingErrDeg)}  peak lumbar err max ${f(r.maxPeakLumbarErrDeg)}  ${sigmaHonesty(r)}  exact ${f(r.exactCountShare)}  per seed lumbar ${r.sessions.map((s) => f(s.rmse.lumbarDeg)).join(' ')}`,
    );
  }
}
