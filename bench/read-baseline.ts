// The simple baseline for the offline pipeline figure: stream a recording from disk and JSON.parse every
// line, nothing else. Any analysis of a file has to do at least this much.
import { createReadStream } from 'node:fs';

/** Reads FILE (plain .jsonl) and parses each line; returns how many lines carried a sensor sample. */
export async function readAndParse(file: string): Promise<{ lines: number; samples: number }> {
  let pending = '';
  let lines = 0;
  let samples = 0;
  const take = (text: string) => {
    if (text === '') return;
    const value = JSON.parse(text) as { sensor?: unknown; event?: unknown };
    lines++;
    if (typeof value.sensor === 'string' && value.event === undefined) samples++;
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (pending + (chunk as string)).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) take(part);
  }
  take(pending);
  return { lines, samples };
}
