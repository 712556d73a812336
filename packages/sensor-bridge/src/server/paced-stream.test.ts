import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { pacedStream } from './paced-stream';

describe('pacedStream', () => {
  it('passes every byte through in order, no faster than its rate', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const chunks = Array.from({ length: 32 }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const startMs = performance.now();
    const out = await buffer(Readable.from(chunks).pipe(pacedStream(10 * 1024 * 1024)));
    const elapsedMs = performance.now() - startMs;
    expect(out.equals(data)).toBe(true);
    // 2 MB at 10 MB/s: the last chunk is due at 200 ms (timers never fire early; a slow machine only adds).
    expect(elapsedMs).toBeGreaterThanOrEqual(195);
  });

});
