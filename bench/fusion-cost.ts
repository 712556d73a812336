// Cost of one orientation-filter update (ns per sample), measured in-process over real IMU rows (a
// BROAD trial) or, without BROAD, over a simulated sensor's samples. The baseline in the same run is
// plain gyroscope strapdown integration (q <- q * exp(w dt / 2), normalised) over the same rows: the
// least any orientation filter must do per sample, so the ratio says what the filter adds on top.
import { createOrientationFilter, getOrientation, updateOrientation } from '../packages/analysis/src/fusion/orientation-filter';
import { simulateSession } from '@hinge/simulator';
import type { Vec3 } from '@hinge/protocol';
import { listBroadTrials, loadBroadTrial } from './broad';
import { invokedDirectly, median, repeat } from './stats';

export interface FusionInput {
  source: string;
  sampleRateHz: number;
  gyrRadS: Vec3[];
  accMS2: Vec3[];
}

export interface FusionCostResult {
  source: string;
  samples: number;
  runs: number;
  filterNsPerSample: number;
  strapdownNsPerSample: number;
  /** filter / strapdown, medians. */
  ratio: number;
}

/** Rows as the analysis receives them (one small array per vector, as parsed from a recording line). */
export function loadFusionInput(): FusionInput {
  const name = listBroadTrials()[0];
  if (name) {
    const trial = loadBroadTrial(name);
    const n = trial.t.length;
    const vec = (a: Float64Array, i: number): Vec3 => [a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!];
    return {
      source: `BROAD ${name}`,
      sampleRateHz: trial.sampleRateHz,
      gyrRadS: Array.from({ length: n }, (_, i) => vec(trial.gyr, i)),
      accMS2: Array.from({ length: n }, (_, i) => vec(trial.acc, i)),
    };
  }
  const { lines } = simulateSession({ seed: 5, script: [{ kind: 'stand', durationS: 5, calibrate: true }, ...Array.from({ length: 40 }, () => ({ kind: 'hinge' as const }))] });
  const rows = lines.filter((l): l is typeof l & { gyr: Vec3; acc: Vec3 } => 'sensor' in l && l.sensor === 'sacrum' && Array.isArray(l.gyr));
  return { source: 'simulated sacrum sensor (BROAD not found)', sampleRateHz: 100, gyrRadS: rows.map((r) => r.gyr), accMS2: rows.map((r) => r.acc) };
}

function timeFilterNs(input: FusionInput): number {
  const f = createOrientationFilter({ sampleRateHz: input.sampleRateHz });
  const dtS = 1 / input.sampleRateHz;
  const n = input.gyrRadS.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) updateOrientation(f, input.gyrRadS[i]!, input.accMS2[i]!, dtS);
  const ns = Number(process.hrtime.bigint() - start);
  if (!Number.isFinite(getOrientation(f)[0])) throw new Error('orientation filter produced a non-finite quaternion');
  return ns / n;
}

function timeStrapdownNs(input: FusionInput): number {
  const dtS = 1 / input.sampleRateHz;
  const n = input.gyrRadS.length;
  let w = 1, x = 0, y = 0, z = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const g = input.gyrRadS[i]!;
    const gx = g[0], gy = g[1], gz = g[2];
    const rate = Math.sqrt(gx * gx + gy * gy + gz * gz);
    const half = 0.5 * rate * dtS;
    const s = rate > 1e-12 ? Math.sin(half) / rate : 0.5 * dtS;
    const dw = Math.cos(half), dx = gx * s, dy = gy * s, dz = gz * s;
    const nw = w * dw - x * dx - y * dy - z * dz;
    const nx = w * dx + x * dw + y * dz - z * dy;
    const ny = w * dy - x * dz + y * dw + z * dx;
    const nz = w * dz + x * dy - y * dx + z * dw;
    const m = 1 / Math.sqrt(nw * nw + nx * nx + ny * ny + nz * nz);
    w = nw * m; x = nx * m; y = ny * m; z = nz * m;
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (!Number.isFinite(w + x + y + z)) throw new Error('strapdown produced a non-finite quaternion');
  return ns / n;
}

export function fusionCost(runs = 7, input: FusionInput = loadFusionInput()): FusionCostResult {
  // Alternate the two so both see the same machine state; two unmeasured rounds warm the JIT.
  const pairs = repeat(runs, () => [timeFilterNs(input), timeStrapdownNs(input)] as const, 2);
  const filterNsPerSample = median(pairs.map((p) => p[0]));
  const strapdownNsPerSample = median(pairs.map((p) => p[1]));
  return { source: input.source, samples: input.gyrRadS.length, runs, filterNsPerSample, strapdownNsPerSample, ratio: filterNsPerSample / strapdownNsPerSample };
}

if (invokedDirectly(import.meta.url)) console.log(fusionCost());
