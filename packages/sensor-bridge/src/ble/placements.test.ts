import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressFor, loadPlacements, PLACEMENTS_FILE, rememberPlacement } from './placements';
import { createTapDetector } from './tap';

describe('placement memory', () => {
  it('remembers by address (case-insensitive), one sensor per placement, and survives a reload', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hinge-place-'));
    expect(loadPlacements(dir).sensors).toEqual({});
    rememberPlacement(dir, 'C4:7F:0E:00:00:01', { placement: 'sacrum', model: 'metamotion' });
    rememberPlacement(dir, 'd4:22:cd:00:00:03', { placement: 'thoracic', model: 'dot' });
    rememberPlacement(dir, 'aa:bb:cc:00:00:05', { placement: 'sacrum', model: 'generic' });
    const memory = loadPlacements(dir);
    expect(addressFor(memory, 'sacrum')).toBe('aa:bb:cc:00:00:05');
    expect(addressFor(memory, 'thoracic')).toBe('d4:22:cd:00:00:03');
    expect(Object.keys(memory.sensors)).toHaveLength(2);
  });

  it('moves a damaged file aside with a warning instead of crashing or overwriting it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hinge-place-'));
    writeFileSync(path.join(dir, PLACEMENTS_FILE), '{"version":1,"sensors":');
    const memory = loadPlacements(dir);
    expect(memory.sensors).toEqual({});
    expect(memory.warning).toMatch(/damaged/);
    const aside = readdirSync(dir).find((f) => f.includes('.damaged-'))!;
    expect(readFileSync(path.join(dir, aside), 'utf8')).toBe('{"version":1,"sensors":');
  });
});

describe('tap detector', () => {
  const g = 9.80665;
  it('finds one tap in a still sensor and none in a slow hip hinge', () => {
    const tap = createTapDetector();
    const taps: number[] = [];
    for (let k = 0; k < 300; k++) {
      const t = k / 100;
      const spike = k === 150 || k === 151 ? 25 : 0; // a sharp tap lasting two samples
      if (tap.push(t, [0, spike, g])) taps.push(t);
    }
    expect(taps).toEqual([1.5]);

    const hinge = createTapDetector();
    let count = 0;
    for (let k = 0; k < 1000; k++) {
      const angle = (Math.PI / 3) * (1 - Math.cos((2 * Math.PI * k) / 400)) / 2; // 0..60 deg, 4 s per rep
      if (hinge.push(k / 100, [g * Math.sin(angle), 0.3 * Math.sin(k / 7), g * Math.cos(angle)])) count++;
    }
    expect(count).toBe(0);
  });
});
