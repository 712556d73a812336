// The stored analysis (`hinge analyze`, exports, recovery) of a recording with one sample whose time spikes
// far ahead (issue #17, found by test/fuzz-recording.test.ts): it must see the file as if that line were absent.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStoredRecording, realOfflinePass } from './stored-analysis';

const root = path.resolve(__dirname, '../../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'hinge-spike-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const analyze = async (file: string) => {
  const warnings: string[] = [];
  const result = await analyzeStoredRecording(file, () => ({}), realOfflinePass, { onWarning: (w) => warnings.push(w) });
  return { ...result, warnings };
};

describe('stored analysis of a recording with one time spike', () => {
  const cleanFile = path.join(root, 'fixtures/clean.jsonl');
  const lines = readFileSync(cleanFile, 'utf8').trimEnd().split('\n');

  for (const [sensor, spikeT, gz] of [['sacrum', 5e5, false], ['thoracic', 5e5, true], ['sacrum', 'digit', false]] as const) {
    it(`${sensor}, t ${spikeT === 'digit' ? 'with one digit corrupted' : `= ${spikeT}`}${gz ? ', gzipped' : ''}: the reps of the clean file, one warning naming the line`, async () => {
      const clean = await analyze(cleanFile);
      expect(clean.doc.reps).toHaveLength(8);
      // A sample of `sensor` in the middle of the session, repeated with the time spiked just after it.
      const at = lines.findIndex((l, i) => i > lines.length / 2 && l.includes(`"sensor":"${sensor}"`));
      const copy = JSON.parse(lines[at]!) as { t: number };
      const t = spikeT === 'digit' ? Number(String(copy.t).replace(/^(\d)/, (d) => String(Number(d) + 5))) : spikeT; // e.g. 33.4 -> 83.4
      expect(t - copy.t).toBeGreaterThan(1);
      const spiked = [...lines.slice(0, at + 1), JSON.stringify({ ...copy, t }), ...lines.slice(at + 1)];
      const file = path.join(dir, `spike-${sensor}-${spikeT}.jsonl${gz ? '.gz' : ''}`);
      const text = spiked.join('\n') + '\n';
      writeFileSync(file, gz ? gzipSync(text) : text);

      const result = await analyze(file);
      expect(result.stats).toMatchObject({ lines: lines.length - 1, badLines: 1 });
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toContain(`${file}:${at + 2}: t=${t} is a spike for sensor "${sensor}"`);
      // As if the line were absent: the same reps, at the same times, with the same faults.
      expect(result.doc.reps).toEqual(clean.doc.reps);
    }, 60_000);
  }
});
