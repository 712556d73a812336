// A gzip stream (RFC 1952) written piece by piece, synchronously, each piece ending at a byte boundary
// so that the bytes written so far always decode up to the end of the last piece. Each piece is
// deflated on its own (zlib's deflateRawSync) with the last 32 KiB of text before it as the preset
// dictionary, and ended with a sync flush instead of a final block: its back-references reach only into
// text the decoder already has in its window, so the pieces join into one valid deflate stream (the
// method pigz uses to compress blocks in parallel). The trailer (an empty final block, the CRC-32 and
// the length) comes with end(). Node's zlib streams flush asynchronously; this needs no event loop.
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** Deflate's window: back-references reach at most this far (RFC 1951 section 2). */
const WINDOW_BYTES = 32 * 1024;
/** ID1 ID2, CM = deflate, no flags, no time, no extra flags, OS unknown (RFC 1952 section 2.3). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty final block with fixed codes: BFINAL=1, BTYPE=01, end-of-block code (7 zero bits). */
const EMPTY_FINAL_BLOCK = Buffer.from([0x03, 0x00]);

export class SyncFlushedGzip {
  private window = Buffer.alloc(0);
  private crc = 0;
  private length = 0;
  private started = false;

  constructor(private readonly level = 6) {}

  /** The compressed bytes of `text`, ending at a sync point (the gzip header first, the first time). */
  piece(text: Buffer): Buffer {
    const head = this.started ? [] : [GZIP_HEADER];
    this.started = true;
    if (text.length === 0) return Buffer.concat(head);
    const deflated = deflateRawSync(text, {
      level: this.level,
      finishFlush: constants.Z_SYNC_FLUSH,
      ...(this.window.length > 0 ? { dictionary: this.window } : {}),
    });
    this.crc = crc32(text, this.crc);
    this.length = (this.length + text.length) % 2 ** 32;
    const recent = Buffer.concat([this.window, text]);
    this.window = recent.subarray(Math.max(0, recent.length - WINDOW_BYTES));
    return Buffer.concat([...head, deflated]);
  }

  /** The end of the stream: an empty final block and the trailer. */
  end(): Buffer {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.length, 4);
    return Buffer.concat([this.piece(Buffer.alloc(0)), EMPTY_FINAL_BLOCK, trailer]);
  }
}
