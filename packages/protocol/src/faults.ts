// The faults a rep can have (docs/analysis-output.md), as plain values: the analysis and the export
// worker load this without the schema library.
export const FAULTS = ['lumbar-rounding', 'knee-dominant', 'too-fast'] as const;
export type Fault = (typeof FAULTS)[number];
