// The MCAP export read back as a viewer would, with every CRC checked: zstd chunks, Foxglove frame
// transforms and logs, complete schemas that every message meets, the Metadata record.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { analyzeRecordingLines, DEFAULT_SETTINGS } from '@hinge/analysis';
import type { RepRecord } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { SOFTWARE_VERSION } from '../version';
import { flexionRotation, writeMcap } from './mcap-export';
import { readMcap, type ReadMcap } from '../../test/read-mcap';

let dir: string;
let file: string;
let read: ReadMcap;
let reps: RepRecord[];
let anglesCount: number;
let eventCount: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hinge-mcap-'));
  file = path.join(dir, 'session.mcap');
  const { header, lines } = simulateSession({
    seed: 4,
    script: [{ kind: 'stand', durationS: 4, calibrate: true }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }, { kind: 'rounded' }, { kind: 'stand', durationS: 3 }],
  });
  header.subject = { painLevel: 2, name: 'Ada Secretname' };
  const doc = analyzeRecordingLines(header, lines, {}, { angles: true });
  reps = doc.reps.map((r) => ({ ...r, setIndex: null }));
  anglesCount = doc.angles!.t.length;
  eventCount = lines.filter((l) => 'event' in l).length;
  const series = doc.angles!;
  const samples = series.t.map((t, i) => ({ t, pelvisDeg: series.pelvisDeg[i]!, trunkDeg: series.trunkDeg[i]!, lumbarDeg: series.lumbarDeg[i]! }));
  // Fed in uneven batches, as the streaming export reads them.
  async function* inBatches<T>(items: T[], size: number) {
    for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
  }
  await writeMcap(file, { header, lines: inBatches(lines, 333), angles: inBatches(samples, 1000), reps, session: { id: 's_test', settings: DEFAULT_SETTINGS } });
  read = await readMcap(new Uint8Array(readFileSync(file)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const on = (topic: string) => read.messages.filter((m) => m.topic === topic);

describe('MCAP export', () => {
  it('is zstd-chunked, and every CRC and index checks out', () => {
    expect(read.compressions).toEqual(new Set(['zstd']));
    expect([...read.topics.values()].sort()).toEqual(['/angles', '/events', '/imu/sacrum', '/imu/thoracic', '/log', '/reps', '/tf']);
  });

  it('fails the CRC check when a chunk byte is damaged', async () => {
    const bytes = new Uint8Array(readFileSync(file));
    bytes[Math.floor(bytes.byteLength / 3)]! ^= 0xff;
    await expect(readMcap(bytes)).rejects.toThrow();
  });

  it('every message meets its channel schema, and the schemas are complete (required fields, units, nulls)', () => {
    for (const [channelId, topic] of read.topics) {
      const { schema } = read.schemas.get(channelId)!;
      for (const m of on(topic)) if (!Value.Check(schema, m.value)) expect.fail(`${topic} message breaks its schema: ${JSON.stringify(m.value).slice(0, 200)}`);
    }
    const angles = read.schemas.get([...read.topics].find(([, t]) => t === '/angles')![0])!.schema as { required: string[]; properties: Record<string, { description: string }> };
    expect(angles.required).toEqual(['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg']);
    expect(angles.properties.lumbarDeg!.description).toMatch(/degrees/);
    // Before calibration the angles are null, and that is what the schema says.
    expect(on('/angles').some((m) => m.value.pelvisDeg === null)).toBe(true);
    // Thinned from 100 to 50 Hz (ANGLES_PERIOD_S), evenly.
    expect(on('/angles').length).toBeGreaterThan(anglesCount * 0.45);
    expect(on('/angles').length).toBeLessThan(anglesCount * 0.55);
    expect(on('/reps').map((m) => m.value.index)).toEqual(reps.map((r) => r.index));
    expect(on('/events')).toHaveLength(eventCount);
  });

  it('shows two segments bending as Foxglove frame transforms: pelvis flexion, then lumbar flexion on top', () => {
    const tf = read.schemas.get([...read.topics].find(([, t]) => t === '/tf')![0])!;
    expect(tf.name).toBe('foxglove.FrameTransform');
    const transforms = on('/tf').map((m) => m.value as { child_frame_id: string; parent_frame_id: string; rotation: { y: number; w: number }; timestamp: { sec: number; nsec: number } });
    const trunk = transforms.filter((t) => t.child_frame_id === 'trunk');
    const pelvis = transforms.filter((t) => t.child_frame_id === 'pelvis');
    expect(pelvis.length).toBe(trunk.length);
    expect(pelvis.every((t) => t.parent_frame_id === 'world') && trunk.every((t) => t.parent_frame_id === 'pelvis')).toBe(true);
    // The rounded rep bends the lumbar spine: the trunk frame turns by the reported lumbar peak (within the 20 Hz thinning).
    const rounded = reps[reps.length - 1]!;
    const bendDeg = (q: { y: number; w: number }) => (2 * Math.atan2(q.y, q.w) * 180) / Math.PI;
    const peakLumbarDeg = Math.max(...trunk.map((t) => bendDeg(t.rotation)));
    expect(peakLumbarDeg).toBeCloseTo(rounded.peakLumbarDeg!, -0.5);
    expect(Math.max(...pelvis.map((t) => bendDeg(t.rotation)))).toBeGreaterThan(20);
    expect(bendDeg(flexionRotation(30))).toBeCloseTo(30, 3);
  });

  it('puts recording events and rep faults in a Foxglove log', () => {
    const logs = on('/log').map((m) => m.value as { level: number; message: string; name: string });
    expect(logs.filter((l) => l.name === 'hinge.recording' && l.level === 2).map((l) => l.message)).toContain('calibrate');
    const faults = reps.flatMap((r) => r.faults.map((f) => `rep ${r.index}: ${f}`));
    expect(faults.length).toBeGreaterThan(0);
    const warnings = logs.filter((l) => l.level === 3).map((l) => l.message);
    for (const f of faults) expect(warnings.some((w) => w.startsWith(f))).toBe(true);
  });

  it('has a Metadata record with the session, settings and software version, and no patient name anywhere', () => {
    const meta = read.metadata.get('hinge.session')!;
    expect(meta.get('sessionId')).toBe('s_test');
    expect(JSON.parse(meta.get('settings')!)).toEqual(DEFAULT_SETTINGS);
    expect(meta.get('software')).toBe(`hinge-bridge ${SOFTWARE_VERSION}`);
    const everything = JSON.stringify([...meta]) + read.messages.map((m) => JSON.stringify(m.value)).join('');
    expect(everything).not.toContain('Secretname');
  });
});
