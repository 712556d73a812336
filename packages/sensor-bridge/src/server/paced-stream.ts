// A pass-through stream that lets bytes through no faster than a set rate. A file sent as fast as a
// local client reads it keeps the bridge's event loop busy with one read and one write after another,
// and the live sessions' frames wait behind them: downloading a 270 MB recording over loopback (0.9 s)
// raised the live sample-to-client p99 from 2 to 12-20 ms; paced at 64 MB/s it was 7.6 ms, at 32 MB/s
// 3.9 ms (bench/long-export.ts --only recording, 4 live sessions; docs/benchmarks.md). A clinic network
// is slower than that anyway, and a 4-hour recording as sessions record it (.jsonl.gz, ~14 MB/h) takes
// under 2 s at 32 MB/s.
import { Transform } from 'node:stream';

/** Downloads of whole files (a stored recording) go at most this fast, bytes/s. */
export const FILE_DOWNLOAD_BYTES_PER_S = 32 * 1024 * 1024;

export function pacedStream(bytesPerS: number): Transform {
  const startMs = performance.now();
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.byteLength;
      const waitMs = startMs + (bytes / bytesPerS) * 1000 - performance.now();
      if (waitMs >= 1) setTimeout(() => done(null, chunk), waitMs);
      else done(null, chunk);
    },
  });
}
