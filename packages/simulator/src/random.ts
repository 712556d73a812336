// Seeded randomness for the simulator: the same seed always gives the same session.
// mulberry32 (a public-domain 32-bit generator by Tommy Ettinger) is small, fast and good enough for
// simulation; normal deviates come from the Box-Muller transform; uniform random rotations from
// K. Shoemake, "Uniform random rotations", Graphics Gems III (1992).
import type { Quat, Vec3 } from '@hinge/protocol';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  /** Standard normal deviate (mean 0, sd 1). */
  normal(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spareNormal: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal() {
      if (spareNormal !== null) {
        const value = spareNormal;
        spareNormal = null;
        return value;
      }
      const u = 1 - next(); // (0, 1]: log stays finite
      const radius = Math.sqrt(-2 * Math.log(u));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(items.length * next())];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}

/** An independent seed for one purpose (script, body, each sensor), so changing one option does not reshuffle the rest. */
export function deriveSeed(seed: number, purpose: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(purpose + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** A rotation drawn uniformly from all rotations (Shoemake's subgroup algorithm), as a unit quaternion [w,x,y,z]. */
export function randomRotation(rng: Rng): Quat {
  const u1 = rng.next();
  const u2 = 2 * Math.PI * rng.next();
  const u3 = 2 * Math.PI * rng.next();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  return [b * Math.cos(u3), a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3)];
}

/** A direction drawn uniformly from the unit sphere. */
export function randomUnitVector(rng: Rng): Vec3 {
  const z = rng.uniform(-1, 1);
  const angle = rng.uniform(0, 2 * Math.PI);
  const r = Math.sqrt(1 - z * z);
  return [r * Math.cos(angle), r * Math.sin(angle), z];
}
