// Annotations: a clinician's short note at a time point of a session. One definition of what a note may
// hold, used by REST, WebSocket, the dashboard and the analysis (which refuses a bad one in a file); the
// schemas are in ./annotation.ts, this file has no TypeBox (the analysis loads it).
// A note is patient data: it is written in the recording and carried by the analysis output, and never
// logged (the bridge's logger redacts `text`; error messages about a note never quote it).

/** Longest note, in characters (Unicode code points, as JSON Schema's maxLength counts them). */
export const ANNOTATION_MAX_CHARS = 280;

// C0/C1 control characters (newlines and tabs included: a note is one line) and the bidirectional
// formatting characters that can make displayed text read differently from what is stored.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The text as it is stored: surrounding white space removed, Unicode NFC. */
export function normalizeAnnotation(text: string): string {
  return text.normalize('NFC').trim();
}

/** Why `text` cannot be a note, or null. The reason never quotes the text (it is patient data). */
export function annotationProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'a note must be text';
  const chars = [...text].length;
  if (text.trim() === '') return 'a note must not be empty';
  if (chars > ANNOTATION_MAX_CHARS) return `a note is at most ${ANNOTATION_MAX_CHARS} characters (this one has ${chars})`;
  if (FORBIDDEN.test(text)) return 'a note must be one line without control or text-direction characters';
  return null;
}

