// The settings changes of a session in its report: when (time into the session), which setting, from
// what to what; the `settingsChanges` of the analysis of its recording (GET /api/sessions/:id/analysis).
import { useTranslation } from 'react-i18next';
import type { Load, SettingsChange } from '@hinge/protocol';
import { deg, duration, seconds } from '../clinician/format';

export function SettingsHistory({ changes, error }: { changes: readonly SettingsChange[] | null; error: string | null }) {
  const { t } = useTranslation();
  const value = (change: SettingsChange, v: SettingsChange['from']): string => {
    if (v === null) return '–';
    switch (change.setting) {
      case 'lumbarLimitDeg':
        return deg(Number(v));
      case 'tempoMinS':
        return seconds(Number(v), 1);
      case 'load':
        return t(`load.${v as Load}`);
      case 'painLevel':
        return t('pain.ofTen', { level: v });
      default:
        return String(v);
    }
  };
  return (
    <section aria-labelledby="report-settings-history-title">
      <h2 id="report-settings-history-title">{t('review.settingsHistory')}</h2>
      {changes === null ? (
        <p className="hint">{error ? t('review.settingsHistoryFailed', { error }) : t('app.loading')}</p>
      ) : changes.length === 0 ? (
        <p data-testid="settings-history">{t('review.settingsHistoryNone')}</p>
      ) : (
        <ul data-testid="settings-history">
          {changes.map((c, i) => (
            <li key={i}>
              {t('review.settingsChange', { time: duration(c.t), setting: t(`advice.setting.${c.setting}`), from: value(c, c.from), to: value(c, c.to) })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
