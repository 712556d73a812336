// Fingerprints of the analysis output, to check that a change meant to leave every result alone (a speed-up,
// a clean-up) does: per session, sha256 of the analysis document with its angle series (as
// analyzeRecordingLines makes it offline) and of the live stream (events and angles taken after every line,
// then the document). Sessions: the hard tier (every class, 3 seeds), the hard conditions (2 seeds, slip 1)
// and fixtures/*.jsonl(.gz). Run before and after, and diff:
//   pnpm exec tsx bench/analysis-hashes.ts > before.txt   (change)   pnpm exec tsx bench/analysis-hashes.ts | diff before.txt -
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordingHeader, RecordingLine } from '@hinge/protocol';
import { HARD_CLASSES, hardSession, simulateSession } from '@hinge/simulator';
import { analyzeRecordingLines, createSessionAnalyzer } from '../packages/analysis/src/session-analyzer';
import { openRecording } from '../packages/sensor-bridge/src/recording/reader';
import { HARD_CONDITIONS, hardConditionOptions } from './hard-conditions';
import { invokedDirectly } from './stats';

const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

interface Session {
  name: string;
  header: RecordingHeader;
  lines: RecordingLine[];
}

async function sessions(): Promise<Session[]> {
  const out: Session[] = [];
  for (const cls of HARD_CLASSES) {
    for (const seed of [5000, 5001, 5002]) {
      const sim = simulateSession({ seed, mounting: 'random', noise: 'typical', script: hardSession(seed, cls, { durationS: 90 }) });
      out.push({ name: `hard ${cls} ${seed}`, header: sim.header, lines: sim.lines });
    }
  }
  for (const condition of HARD_CONDITIONS) {
    for (const seed of condition === 'slip' ? [3000] : [3000, 3001]) {
      const sim = simulateSession(hardConditionOptions(condition, seed));
      out.push({ name: `condition ${condition} ${seed}`, header: sim.header, lines: sim.lines });
    }
  }
  for (const file of readdirSync(fixturesDir).filter((f) => /\.jsonl(\.gz)?$/.test(f)).sort()) {
    const recording = await openRecording(path.join(fixturesDir, file), { mode: 'lenient' });
    const lines: RecordingLine[] = [];
    for await (const batch of recording.batches) lines.push(...batch);
    out.push({ name: `fixture ${file}`, header: recording.header, lines });
  }
  return out;
}

/** One line per session (document hash, live stream hash, name), then the hash of them all. */
export async function analysisHashes(): Promise<string[]> {
  const rows: string[] = [];
  for (const s of await sessions()) {
    const doc = JSON.stringify(analyzeRecordingLines(s.header, s.lines, {}, { angles: true }));
    const live = createSessionAnalyzer(s.header, {}, { maxPendingAngles: Infinity });
    const stream: unknown[] = [];
    for (const line of s.lines) {
      live.push(line);
      stream.push(live.takeEvents(), live.takeAngles());
    }
    stream.push(live.finish(), live.takeEvents(), live.takeAngles());
    rows.push(`${sha(doc)} ${sha(JSON.stringify(stream))}  ${s.name} (${s.lines.length} lines)`);
  }
  rows.push(`all ${sha(rows.join('\n'))}`);
  return rows;
}

if (invokedDirectly(import.meta.url)) console.log((await analysisHashes()).join('\n'));
