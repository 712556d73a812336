// One row per rep: peak angles, hip share, tempo, and faults with the numbers that triggered them.
// Used live and in review.
import type { RepReport } from '@hinge/protocol';
import { deg, formatValues, percent, seconds } from './format';

/** `setIndex`: the clinician's set (start set / stop set) the rep fell in, null outside any set. */
type RepRow = RepReport & { setIndex: number | null };

export function RepTable({ reps, caption }: { reps: readonly RepRow[]; caption: string }) {
  return (
    <table className="reps" data-testid="rep-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Rep</th>
          <th scope="col">Set</th>
          <th scope="col">Peak trunk</th>
          <th scope="col">Peak pelvis</th>
          <th scope="col">Peak lumbar</th>
          <th scope="col">Hip share</th>
          <th scope="col">Down</th>
          <th scope="col">Up</th>
          <th scope="col">Faults</th>
        </tr>
      </thead>
      <tbody>
        {reps.length === 0 && (
          <tr>
            <td colSpan={9} className="hint">
              No reps yet.
            </td>
          </tr>
        )}
        {reps.map((r) => (
          <tr key={r.index} className={r.faults.length > 0 ? 'rep-faulty' : 'rep-clean'}>
            <th scope="row">{r.index}</th>
            <td>{r.setIndex ?? '–'}</td>
            <td>{deg(r.peakTrunkDeg)}</td>
            <td>{deg(r.peakPelvisDeg)}</td>
            <td>{deg(r.peakLumbarDeg)}</td>
            <td>{percent(r.hipShare)}</td>
            <td>{seconds(r.descentS)}</td>
            <td>{seconds(r.ascentS)}</td>
            <td>
              {r.faults.length === 0 ? (
                '✓ clean'
              ) : (
                <ul className="faults">
                  {r.faults.map((fault) => {
                    const detail = r.faultDetails?.find((d) => d.fault === fault);
                    return (
                      <li key={fault}>
                        ⚠ <strong>{fault}</strong>
                        {detail && `: ${detail.message} (${formatValues(detail.values)})`}
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
