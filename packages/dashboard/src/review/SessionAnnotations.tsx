// The clinician's notes of a session in its report: the `annotations` of the analysis of its recording
// (GET /api/sessions/:id/analysis, fetched once by the report), the same list the live view showed and
// `hinge analyze` prints.
import { useTranslation } from 'react-i18next';
import type { AnalysisDocument } from '@hinge/protocol';
import { AnnotationList } from '../clinician/Annotations';

export function SessionAnnotations({ analysis }: { analysis: { data: AnalysisDocument | null; error: string | null } }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="report-annotations-title">
      <h2 id="report-annotations-title">{t('annotations.title')}</h2>
      {analysis.data ? (
        <AnnotationList annotations={analysis.data.annotations ?? []} />
      ) : (
        <p className="hint">{analysis.error ? t('annotations.failed', { error: analysis.error }) : t('annotations.loading')}</p>
      )}
    </section>
  );
}
