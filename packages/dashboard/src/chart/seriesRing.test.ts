import { describe, expect, it } from 'vitest';
import { createSeriesRing } from './seriesRing';

describe('createSeriesRing', () => {
  it('returns the samples inside the time window, oldest first', () => {
    const ring = createSeriesRing(100, 2);
    ring.append([0, 0.5, 1, 1.5, 2], [[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]]);
    expect(ring.window(1)).toEqual([[1, 1.5, 2], [3, 4, 5], [30, 40, 50]]);
    expect(ring.lastT()).toBe(2);
  });

  it('keeps only the newest `capacity` samples after wrapping round', () => {
    const ring = createSeriesRing(4, 1);
    for (let i = 0; i < 10; i++) ring.append([i], [[i * 10]]);
    expect(ring.length).toBe(4);
    expect(ring.window(1000)).toEqual([[6, 7, 8, 9], [60, 70, 80, 90]]);
  });

  it('stores null as a gap and gives it back as null', () => {
    const ring = createSeriesRing(8, 2);
    ring.append([0, 1], [[null, 1], [2, null]]);
    expect(ring.window(10)).toEqual([[0, 1], [null, 1], [2, null]]);
  });

  it('skips samples whose time is not finite', () => {
    const ring = createSeriesRing(8, 1);
    ring.append([0, Number.NaN, 2], [[1, 2, 3]]);
    expect(ring.window(10)).toEqual([[0, 2], [1, 3]]);
  });

  it('rejects columns of the wrong shape without storing anything', () => {
    const ring = createSeriesRing(8, 2);
    expect(() => ring.append([0, 1], [[1, 2]])).toThrow(RangeError);
    expect(() => ring.append([0, 1], [[1, 2], [3]])).toThrow(RangeError);
    expect(ring.length).toBe(0);
  });

  it('bumps the version on every change so the chart can skip idle frames', () => {
    const ring = createSeriesRing(8, 1);
    const v0 = ring.version;
    ring.append([0], [[1]]);
    expect(ring.version).toBeGreaterThan(v0);
    const v1 = ring.version;
    ring.clear();
    expect(ring.version).toBeGreaterThan(v1);
    expect(ring.window(10)).toEqual([[], []]);
  });

  it('holds 100 Hz for a minute and windows 10 s quickly', () => {
    const ring = createSeriesRing(6000, 3);
    const t: number[] = [];
    const a: number[] = [];
    for (let i = 0; i < 6000; i++) {
      t.push(i / 100);
      a.push(Math.sin(i / 50));
    }
    ring.append(t, [a, a, a]);
    const started = performance.now();
    let points = 0;
    for (let k = 0; k < 100; k++) points += ring.window(10)[0].length;
    const perWindowMs = (performance.now() - started) / 100;
    expect(points / 100).toBe(1001);
    expect(perWindowMs).toBeLessThan(5); // well inside one 16 ms animation frame
  });
});
