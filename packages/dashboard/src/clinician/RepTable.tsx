// One row per rep: peak angles (peak lumbar with its uncertainty, ±), hip share, tempo, and faults with
// the numbers that triggered them.
// Used live and in review.
import { useTranslation } from 'react-i18next';
import type { RepReport } from '@hinge/protocol';
import { deg, degPlusMinus, formatValues, percent, seconds } from './format';

/** The set column is the analysis' `RepReport.set` (its one rule; absent: outside any set), live and stored alike. */
export function RepTable({ reps, caption }: { reps: readonly RepReport[]; caption: string }) {
  const { t } = useTranslation();
  return (
    <table className="reps" data-testid="rep-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {(['rep', 'set', 'peakTrunk', 'peakPelvis', 'peakLumbar', 'hipShare', 'down', 'up', 'faults'] as const).map((key) => (
            <th key={key} scope="col">
              {t(`reps.${key}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {reps.length === 0 && (
          <tr>
            <td colSpan={9} className="hint">
              {t('reps.none')}
            </td>
          </tr>
        )}
        {reps.map((r) => (
          <tr key={r.index} className={r.faults.length > 0 ? 'rep-faulty' : 'rep-clean'}>
            <th scope="row">{r.index}</th>
            <td>{r.set ?? '–'}</td>
            <td>{deg(r.peakTrunkDeg)}</td>
            <td>{deg(r.peakPelvisDeg)}</td>
            <td title={r.peakLumbarUncertaintyDeg === undefined ? undefined : t('reps.uncertainty')}>{degPlusMinus(r.peakLumbarDeg, r.peakLumbarUncertaintyDeg)}</td>
            <td>{percent(r.hipShare)}</td>
            <td>{seconds(r.descentS)}</td>
            <td>{seconds(r.ascentS)}</td>
            <td>
              {r.faults.length === 0 ? (
                t('reps.clean')
              ) : (
                <ul className="faults">
                  {r.faults.map((fault) => {
                    const detail = r.faultDetails?.find((d) => d.fault === fault);
                    return (
                      <li key={fault}>
                        ⚠ <strong>{t(`fault.${fault}`)}</strong>
                        {detail && `: ${formatValues(detail.values)}`}
                      </li>
                    );
                  })}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
