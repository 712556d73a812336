// A fixed-capacity ring of time-stamped samples with several value columns, stored in Float64Arrays
// outside React state. Live angle frames are appended as they arrive (100 Hz and more); the chart copies
// the last `windowS` seconds out once per animation frame. null (no data from a sensor) is stored as NaN
// and handed back as null, which uPlot draws as a gap.

export interface SeriesRing {
  readonly capacity: number;
  readonly columnCount: number;
  /** Number of samples currently held (at most `capacity`). */
  readonly length: number;
  /** Increases on every append, so a reader can tell whether anything changed since it last looked. */
  readonly version: number;
  /** Appends equal-length columns: `t` (s) and one array per value column. */
  append(t: readonly number[], columns: readonly (readonly (number | null)[])[]): void;
  /** Time of the newest sample, or null when empty. */
  lastT(): number | null;
  /** The samples with t >= newest t - windowS, oldest first, as uPlot data: [t, col0, col1, ...]. */
  window(windowS: number): [number[], ...(number | null)[][]];
  clear(): void;
}

export function createSeriesRing(capacity: number, columnCount: number): SeriesRing {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  const times = new Float64Array(capacity);
  const values = Array.from({ length: columnCount }, () => new Float64Array(capacity));
  let head = 0; // index of the next write
  let length = 0;
  let version = 0;

  const indexOf = (ageFromOldest: number) => (head - length + ageFromOldest + capacity) % capacity;

  return {
    capacity,
    columnCount,
    get length() {
      return length;
    },
    get version() {
      return version;
    },
    append(t, columns) {
      if (columns.length !== columnCount) throw new RangeError(`expected ${columnCount} value columns, got ${columns.length}`);
      for (const column of columns) {
        if (column.length !== t.length) throw new RangeError('value columns must be as long as t');
      }
      for (let i = 0; i < t.length; i++) {
        const ti = t[i]!;
        if (!Number.isFinite(ti)) continue; // a sample without a time cannot be placed; skip it
        times[head] = ti;
        for (let c = 0; c < columnCount; c++) {
          const v = columns[c]![i];
          values[c]![head] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
        }
        head = (head + 1) % capacity;
        if (length < capacity) length++;
      }
      version++;
    },
    lastT() {
      return length === 0 ? null : times[(head - 1 + capacity) % capacity]!;
    },
    window(windowS) {
      const outT: number[] = [];
      const outValues = values.map(() => [] as (number | null)[]);
      if (length === 0) return [outT, ...outValues];
      const fromT = times[(head - 1 + capacity) % capacity]! - windowS;
      // Binary search for the first sample at or after fromT (times are appended in order).
      let lo = 0;
      let hi = length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[indexOf(mid)]! < fromT) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < length; k++) {
        const i = indexOf(k);
        outT.push(times[i]!);
        for (let c = 0; c < columnCount; c++) {
          const v = values[c]![i]!;
          outValues[c]!.push(Number.isNaN(v) ? null : v);
        }
      }
      return [outT, ...outValues];
    },
    clear() {
      head = 0;
      length = 0;
      version++;
    },
  };
}
