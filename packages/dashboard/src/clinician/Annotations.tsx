// The clinician's notes during a session: a one-line input that adds a note at the current recording
// time (an `annotation` line in the recording, over the WebSocket), and the notes so far. The same rule
// as the bridge (@hinge/protocol annotationProblem) is checked before sending.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ANNOTATION_MAX_CHARS, annotationProblem, normalizeAnnotation, type Annotation } from '@hinge/protocol';
import { seconds } from './format';

export function AnnotationList({ annotations }: { annotations: readonly Annotation[] }) {
  const { t } = useTranslation();
  return (
    <ul className="annotations" data-testid="annotations">
      {annotations.length === 0 && <li className="hint">{t('annotations.none')}</li>}
      {annotations.map((a, i) => (
        <li key={`${a.t}-${i}`}>
          <span className="alert-time">{t('annotations.at', { time: seconds(a.t, 1) })}</span> {a.text}
        </li>
      ))}
    </ul>
  );
}

export function AnnotationPanel({ annotations, canControl, onAdd }: { annotations: readonly Annotation[]; canControl: boolean; onAdd: (text: string) => Promise<unknown> }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const note = normalizeAnnotation(text);
  const problem = note === '' ? null : annotationProblem(note);
  return (
    <section className="panel" aria-labelledby="annotations-title">
      <h2 id="annotations-title">{t('annotations.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (note === '' || problem) return;
          setError(null);
          onAdd(note).then(
            () => setText(''),
            (err: Error) => setError(err.message),
          );
        }}
      >
        <label>
          {t('annotations.label')}
          <input
            type="text"
            value={text}
            maxLength={ANNOTATION_MAX_CHARS}
            placeholder={t('annotations.placeholder')}
            disabled={!canControl}
            onChange={(e) => setText(e.target.value)}
            data-testid="annotation-input"
          />
        </label>{' '}
        <button type="submit" disabled={!canControl || note === '' || problem !== null}>
          {t('annotations.add')}
        </button>
        <span className="hint"> {t('annotations.left', { count: Math.max(0, ANNOTATION_MAX_CHARS - [...note].length) })}</span>
      </form>
      {(problem ?? error) && (
        <p className="error" role="alert">
          {problem ?? error}
        </p>
      )}
      <AnnotationList annotations={annotations} />
    </section>
  );
}
