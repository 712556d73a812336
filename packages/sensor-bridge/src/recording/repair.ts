// Repairs a recording that a crash left open, for crash recovery (server/recovery.ts): cut it after its
// last whole line, then append one line (the `interrupted` event), keeping every byte before the cut as
// it was (a clinic copy pushed chunk by chunk stays a prefix of it).
//
// Plain `.jsonl`: cut after the last '\n', append the text.
// `.jsonl.gz` as the live writer makes it (./writer.ts): one gzip stream whose every write ended with a
// sync flush, i.e. an empty stored block `00 00 ff ff` (RFC 1951 section 3.2.4; zlib's Z_SYNC_FLUSH).
// The cut goes after the last such marker from which the stream decodes to whole lines; the line is then
// appended as a final stored block (RFC 1951 3.2.4: BFINAL=1, BTYPE=00, LEN, NLEN, bytes) followed by
// the gzip trailer, CRC-32 and length of all the text (RFC 1952 section 2.3.1), so the file becomes a
// complete gzip stream. A complete stream (the writer closed it) gets the line as a second gzip member
// (RFC 1952 2.2: a file may hold several members, read as one text).
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { constants, crc32, gunzipSync, gzipSync } from 'node:zlib';

const TAIL_BLOCK_BYTES = 64 * 1024;

/** Where the file's last whole line ends: after its last '\n', found reading backwards block by block. */
function endOfLastWholeLine(fd: number, size: number): number {
  const block = Buffer.alloc(TAIL_BLOCK_BYTES);
  for (let end = size; end > 0; end -= TAIL_BLOCK_BYTES) {
    const start = Math.max(0, end - TAIL_BLOCK_BYTES);
    const n = readSync(fd, block, 0, end - start, start);
    const at = block.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
  }
  return 0;
}

/** Cuts the file after its last '\n' (a crash may leave half a line). Returns bytes removed. */
function truncateToLastWholeLine(file: string): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const end = endOfLastWholeLine(fd, size);
    if (end !== size) ftruncateSync(fd, end);
    return size - end;
  } finally {
    closeSync(fd);
  }
}

/** The empty stored block a sync flush ends with. */
const SYNC_MARK = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Sync points tried from the end before giving up on cutting in place (a crash leaves the file at one, or one past). */
const MAX_SYNC_TRIES = 64;
const NEWLINE = 0x0a;

/** The text a gzip stream holds, complete or cut off (decoded as far as it goes). */
function gunzipPrefix(data: Uint8Array): Buffer {
  return gunzipSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
}

function isCompleteGzip(data: Uint8Array): boolean {
  try {
    gunzipSync(data);
    return true;
  } catch {
    return false;
  }
}

/** Where an open (cut-off) gzip stream may be cut so that it decodes to whole lines: after its last usable sync point. */
function lastWholeLineSyncPoint(data: Buffer): number | null {
  let from = data.length - SYNC_MARK.length;
  for (let tries = 0; tries < MAX_SYNC_TRIES && from >= 0; tries++) {
    const at = data.lastIndexOf(SYNC_MARK, from);
    if (at < 0) return null;
    const end = at + SYNC_MARK.length;
    try {
      const text = gunzipPrefix(data.subarray(0, end));
      if (text.length > 0 && text[text.length - 1] === NEWLINE) return end;
    } catch {
      // the marker's bytes occurred inside compressed data; try an earlier one
    }
    from = at - 1;
  }
  return null;
}

/**
 * Cuts an open gzip recording after its last sync point that ends a whole line. A stream without one (not
 * written by the live writer) is rewritten whole from what decodes, up to its last whole line. Returns
 * the compressed bytes removed.
 */
function cutGzipToLastWholeLine(file: string): number {
  const data = readFileSync(file);
  if (isCompleteGzip(data)) return 0;
  const end = lastWholeLineSyncPoint(data);
  if (end !== null) {
    if (end !== data.length) truncateSync(file, end);
    return data.length - end;
  }
  let text: Buffer;
  try {
    text = gunzipPrefix(data);
  } catch {
    return 0; // not a gzip stream at all: left as it is, for the reader to name the problem
  }
  const whole = gzipSync(text.subarray(0, text.lastIndexOf(NEWLINE) + 1));
  const tmp = `${file}.repair`;
  writeFileSync(tmp, whole, { mode: 0o600 });
  renameSync(tmp, file);
  return Math.max(0, data.length - whole.length);
}

/** The bytes that end an open gzip stream holding `before` with `line`: a final stored block, then CRC-32 and length. */
function finalStoredBlock(before: Buffer, line: Buffer): Buffer {
  if (line.length > 0xffff) throw new Error('line too long for one stored block');
  const head = Buffer.from([0x01, line.length & 0xff, line.length >> 8, ~line.length & 0xff, (~line.length >> 8) & 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(line, crc32(before)), 0);
  trailer.writeUInt32LE((before.length + line.length) % 2 ** 32, 4);
  return Buffer.concat([head, line, trailer]);
}

/** Appends bytes, or nothing: on failure (disk full) the file is cut back to its size before. Returns how to take them out again. */
function appendBytes(file: string, data: Buffer): () => void {
  const fd = openSync(file, 'r+');
  let size = 0;
  try {
    size = fstatSync(fd).size;
    try {
      for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset, data.length - offset, size + offset);
    } catch (error) {
      ftruncateSync(fd, size);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
  return () => truncateSync(file, size);
}

/** Cuts a recording (plain or `.gz`) after its last whole line. Returns the bytes removed. */
export function cutToLastWholeLine(file: string): number {
  return file.endsWith('.gz') ? cutGzipToLastWholeLine(file) : truncateToLastWholeLine(file);
}

/** Appends one whole line (ending in '\n') to a recording cut by cutToLastWholeLine; the gzip one becomes a complete stream. Returns how to take it out again. */
export function appendWholeLine(file: string, line: string): () => void {
  const bytes = Buffer.from(line);
  if (!file.endsWith('.gz')) return appendBytes(file, bytes);
  const data = readFileSync(file);
  return appendBytes(file, isCompleteGzip(data) ? gzipSync(bytes) : finalStoredBlock(gunzipPrefix(data), bytes));
}
