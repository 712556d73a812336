// Placement memory: which sensor (by Bluetooth address) the user put on the sacrum and which on the
// thoracic spine, kept in `<data dir>/sensor-placements.json` so the next session needs no choosing.
// One address per placement: remembering a sensor for a placement forgets whichever sensor had it.
// A damaged file is moved aside (never silently overwritten) and reading continues with no memory.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RememberedSensor {
  placement: string;
  model?: string;
  name?: string;
  /** ISO time of the choice. */
  updatedAt: string;
}

export interface PlacementMemory {
  /** Keyed by lowercase address. */
  sensors: Record<string, RememberedSensor>;
  /** Set when the file could not be used (and was moved aside). */
  warning?: string;
}

export const PLACEMENTS_FILE = 'sensor-placements.json';

export function loadPlacements(dataDir: string): PlacementMemory {
  const file = path.join(dataDir, PLACEMENTS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sensors: {} };
    return { sensors: {}, warning: `cannot read ${file}: ${(error as Error).message}` };
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; sensors?: unknown };
    if (parsed.version !== 1 || typeof parsed.sensors !== 'object' || parsed.sensors === null) throw new Error('not a version 1 placement file');
    const sensors: Record<string, RememberedSensor> = {};
    for (const [address, entry] of Object.entries(parsed.sensors as Record<string, Partial<RememberedSensor>>)) {
      if (typeof entry?.placement === 'string' && entry.placement !== '') {
        sensors[address.toLowerCase()] = { placement: entry.placement, updatedAt: String(entry.updatedAt ?? ''), ...(entry.model ? { model: entry.model } : {}), ...(entry.name ? { name: entry.name } : {}) };
      }
    }
    return { sensors };
  } catch (error) {
    const aside = `${file}.damaged-${Date.now()}`;
    renameSync(file, aside);
    return { sensors: {}, warning: `${file} was damaged (${(error as Error).message}); moved to ${aside}` };
  }
}

/** The remembered address for a placement, if any. */
export function addressFor(memory: PlacementMemory, placement: string): string | undefined {
  return Object.entries(memory.sensors).find(([, s]) => s.placement === placement)?.[0];
}

export function rememberPlacement(dataDir: string, address: string, entry: Omit<RememberedSensor, 'updatedAt'>, now = new Date()): PlacementMemory {
  const memory = loadPlacements(dataDir);
  const key = address.toLowerCase();
  for (const [other, s] of Object.entries(memory.sensors)) if (s.placement === entry.placement && other !== key) delete memory.sensors[other];
  memory.sensors[key] = { ...entry, updatedAt: now.toISOString() };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, PLACEMENTS_FILE);
  // Write a temporary file and rename it, so a crash never leaves half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify({ version: 1, sensors: memory.sensors }, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return memory;
}
