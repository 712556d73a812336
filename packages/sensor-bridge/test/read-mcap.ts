// Reads a whole MCAP file back the way a viewer would, checking every CRC (data section, chunks,
// summary): the records tests assert on, decompressing zstd chunks.
import { McapIndexedReader, McapStreamReader, type IReadable, type TypedMcapRecord } from '@mcap/core';
import { decompress, init } from '@bokuweb/zstd-wasm';

export interface ReadMcap {
  records: TypedMcapRecord[];
  topics: Map<number, string>;
  /** Channel id -> schema (parsed JSON) */
  schemas: Map<number, { name: string; schema: object }>;
  messages: { topic: string; logTime: bigint; value: Record<string, unknown> }[];
  compressions: Set<string>;
  metadata: Map<string, Map<string, string>>;
}

let ready: Promise<void> | undefined;

export async function readMcap(bytes: Uint8Array): Promise<ReadMcap> {
  ready ??= init();
  await ready;
  const zstd = (buffer: Uint8Array, decompressedSize: bigint) => decompress(buffer, { defaultHeapSize: Number(decompressedSize) });
  const reader = new McapStreamReader({ validateCrcs: true, includeChunks: true, decompressHandlers: { zstd } });
  reader.append(bytes);
  const out: ReadMcap = { records: [], topics: new Map(), schemas: new Map(), messages: [], compressions: new Set(), metadata: new Map() };
  const schemaById = new Map<number, { name: string; schema: object }>();
  const decoder = new TextDecoder();
  for (let record; (record = reader.nextRecord()); ) {
    out.records.push(record);
    if (record.type === 'Schema') schemaById.set(record.id, { name: record.name, schema: JSON.parse(decoder.decode(record.data)) as object });
    if (record.type === 'Channel') {
      out.topics.set(record.id, record.topic);
      out.schemas.set(record.id, schemaById.get(record.schemaId)!);
    }
    if (record.type === 'Chunk') out.compressions.add(record.compression);
    if (record.type === 'Metadata') out.metadata.set(record.name, record.metadata);
    if (record.type === 'Message') {
      out.messages.push({ topic: out.topics.get(record.channelId) ?? '?', logTime: record.logTime, value: JSON.parse(decoder.decode(record.data)) as Record<string, unknown> });
    }
  }
  if (!reader.done()) throw new Error('MCAP ended early');
  // The summary and indexes too, as a seeking viewer reads them.
  const readable: IReadable = {
    size: async () => BigInt(bytes.byteLength),
    read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
  };
  const indexed = await McapIndexedReader.Initialize({ readable, decompressHandlers: { zstd } });
  let indexedCount = 0;
  for await (const _ of indexed.readMessages({ validateCrcs: true })) indexedCount++;
  if (indexedCount !== out.messages.length) throw new Error(`indexed reader saw ${indexedCount} messages, stream reader ${out.messages.length}`);
  return out;
}
