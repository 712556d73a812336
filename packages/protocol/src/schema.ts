// Two schema shapes the bridge's replies use instead of TypeBox unions. A union is an `anyOf`, and a
// schema-driven serialiser (fast-json-stringify, behind Fastify's response schemas) must try each
// branch with a validator compiled on first use: hundreds of ms for a session state. A type list
// (`["object", "null"]`) and a one-keyword `enum` need no such trial.
import { Type, type Static, type TSchema } from 'typebox';

/** One of a fixed list of strings, as a single `enum`. */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `schema` or null, as the type list `[type, "null"]` (and `null` added to an `enum`). */
export function Nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}) {
  const s = schema as unknown as { type?: unknown; enum?: unknown[] };
  if (typeof s.type !== 'string') throw new Error('Nullable needs a schema of one type');
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [s.type, 'null'], ...(s.enum ? { enum: [...s.enum, null] } : {}), ...options });
}
