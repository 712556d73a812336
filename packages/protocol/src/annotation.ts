// The annotations' schemas (TypeBox): a note's text as REST and WebSocket take it, and a note as the
// analysis reports it. What a note may hold is defined in ./annotation-text.ts.
import { Type, type Static } from 'typebox';
import { ANNOTATION_MAX_CHARS } from './annotation-text';

/** POST /api/sessions/:id/annotations and the WebSocket `annotate` message: the note's text. */
export const AnnotationText = Type.String({ minLength: 1, maxLength: ANNOTATION_MAX_CHARS, description: `the note, one line, at most ${ANNOTATION_MAX_CHARS} characters` });
export const AnnotationBody = Type.Object({ text: AnnotationText }, { additionalProperties: false });
export type AnnotationBody = Static<typeof AnnotationBody>;

/** One note as the analysis reports it: recording time (s) and text. */
export const Annotation = Type.Object({
  t: Type.Number({ description: 'recording time of the note, s' }),
  text: Type.String({ description: 'the note (patient data)' }),
});
export type Annotation = Static<typeof Annotation>;
