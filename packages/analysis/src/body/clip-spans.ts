// Spans of grid time in which a sensor's readings were clipped at its range (saturation.ts bridges
// them; this keeps where, so the output can mark the angles of those spans as bridged, not measured).
import type { GridFrame, SegmentName } from './time-grid';

export interface ClipSpan {
  segment: SegmentName;
  start: number;
  end: number;
}

export interface ClipSpans {
  spans: ClipSpan[];
  /** The span in progress per segment. */
  open: Record<SegmentName, ClipSpan | null>;
}

const SEGMENTS = ['pelvis', 'trunk'] as const;

export function createClipSpans(): ClipSpans {
  return { spans: [], open: { pelvis: null, trunk: null } };
}

export function updateClipSpans(c: ClipSpans, frame: GridFrame): void {
  for (const segment of SEGMENTS) {
    const clipped = frame[segment]?.clipped ?? false;
    const open = c.open[segment];
    if (clipped && open) open.end = frame.t;
    else if (clipped) c.open[segment] = { segment, start: frame.t, end: frame.t };
    else if (open) {
      c.spans.push(open);
      c.open[segment] = null;
    }
  }
}

/** All spans, in time order, the open ones closed. */
export function finishClipSpans(c: ClipSpans): ClipSpan[] {
  for (const segment of SEGMENTS) {
    const open = c.open[segment];
    if (open) c.spans.push(open);
    c.open[segment] = null;
  }
  return c.spans.sort((a, b) => a.start - b.start);
}
