// The V8 heap setting of a long-running bridge process (`hinge serve`; not of the CLI's short commands
// nor of tests).
//
// The live sessions' analysis keeps each sample for some seconds of recording time: long enough to be
// promoted to the old generation, where it dies. With V8's default growth V8 let that garbage pile up
// for minutes before a full collection: during a sequence of exports of a 4-hour recording, the bridge's
// main-thread heapUsed climbed 55 -> 104 MB, and its RSS with it (bench/long-export.ts, docs/benchmarks.md).
// Letting the old generation grow only 30 % past what survived the last full collection keeps heapUsed
// at 52-56 MB over the same sequence; the full collections it adds (marked incrementally) did not raise
// the live sample-to-client p99 (2.7-5.7 ms during the exports).
// V8's flag is read each time it sets the next limit, so setting it at start (node:v8 setFlagsFromString)
// takes effect; the same flag on node's command line does the same.
import { setFlagsFromString } from 'node:v8';

/** How far (%) the old generation may grow past its size after the last full collection before the next. */
export const BRIDGE_HEAP_GROWING_PERCENT = 30;

export function tuneBridgeHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${BRIDGE_HEAP_GROWING_PERCENT}`);
}
