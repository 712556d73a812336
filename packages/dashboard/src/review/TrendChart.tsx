// A small line chart of one or two values per session, by date, drawn as SVG so it prints sharply.
// Missing values leave a gap. Date ticks and value labels are thinned (chartLayout.ts) so none overlap;
// every value is still in the chart's accessible description and in the table below it.
import { useTranslation } from 'react-i18next';
import { dateOnly } from '../clinician/format';
import { dateXs, labelledIndices } from './chartLayout';
import type { ProgressPoint } from './progress';

export interface TrendSeries {
  name: string;
  value: (p: ProgressPoint) => number | null;
  /** Hollow points (e.g. pain after), filled otherwise. */
  hollow?: boolean;
}

interface Props {
  title: string;
  points: readonly ProgressPoint[];
  series: readonly TrendSeries[];
  format: (v: number) => string;
  min: number;
  max: number;
  /** Which direction is better, said in words under the title. */
  better: 'higher' | 'lower';
  /** A dashed reference line (e.g. the lumbar limit). */
  reference?: number;
}

const W = 340;
const H = 170;
const PAD = { left: 40, right: 18, top: 16, bottom: 30 };
const VALUE_LABEL_GAP_PX = 34;
const DATE_LABEL_GAP_PX = 70;

export function TrendChart({ title, points, series, format, min, max, better, reference }: Props) {
  const { t } = useTranslation();
  const all = series.flatMap((s) => points.map(s.value)).filter((v): v is number => v !== null);
  const top = Math.max(max, ...all.map((v) => v + (max - min) * 0.15));
  const xs = dateXs(points.map((p) => Date.parse(p.date)), PAD.left + 8, W - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - min) / (top - min || 1)) * (H - PAD.top - PAD.bottom);
  const dateLabels = labelledIndices(xs, DATE_LABEL_GAP_PX);
  const described = points
    .map((p) => `${dateOnly(p.date)}: ${series.map((s) => `${s.name} ${s.value(p) === null ? t('review.noData') : format(s.value(p)!)}`).join(', ')}`)
    .join('; ');

  return (
    <figure className="trend">
      <figcaption>
        {title} <span className="hint">{better === 'higher' ? t('review.higherBetter') : t('review.lowerBetter')}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${described}`}>
        <line className="axis" x1={PAD.left} y1={y(min)} x2={W - PAD.right} y2={y(min)} />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(min)} />
        <line className="grid" x1={PAD.left - 2} y1={y(max)} x2={PAD.left + 2} y2={y(max)} />
        <text className="tick" x={PAD.left - 4} y={y(max) + 4} textAnchor="end">
          {format(max)}
        </text>
        <text className="tick" x={PAD.left - 4} y={y(min) + 4} textAnchor="end">
          {format(min)}
        </text>
        {reference !== undefined && <line className="reference" x1={PAD.left} y1={y(reference)} x2={W - PAD.right} y2={y(reference)} />}
        {series.map((s, seriesIndex) => {
          const values = points.map(s.value);
          // With two series, the higher value of a date is labelled above its point and the lower one below.
          const above = (i: number, v: number) =>
            series.every((other, j) => j === seriesIndex || other.value(points[i]!) === null || v > other.value(points[i]!)! || (v === other.value(points[i]!) && seriesIndex < j));
          const known = values.map((v, i) => (v === null ? null : i)).filter((i): i is number => i !== null);
          const labelled = new Set(labelledIndices(known.map((i) => xs[i]!), VALUE_LABEL_GAP_PX).map((k) => known[k]!));
          return (
            <g key={s.name} className={s.hollow ? 'trend-series hollow' : 'trend-series'}>
              <path className="trend-line" d={linePath(values, xs, y)} />
              {values.map((v, i) =>
                v === null ? null : (
                  <g key={points[i]!.sessionId}>
                    <circle className="trend-point" cx={xs[i]} cy={y(v)} r="4" />
                    {labelled.has(i) && (
                      <text className="value" x={xs[i]} y={above(i, v) ? y(v) - 8 : y(v) + 16} textAnchor="middle">
                        {format(v)}
                      </text>
                    )}
                  </g>
                ),
              )}
            </g>
          );
        })}
        {dateLabels.map((i) => (
          <text key={points[i]!.sessionId} className="tick" x={xs[i]} y={H - 10} textAnchor={i === points.length - 1 && points.length > 1 ? 'end' : 'middle'}>
            {dateOnly(points[i]!.date)}
          </text>
        ))}
      </svg>
    </figure>
  );
}

/** An SVG path through the known values; a missing value breaks the line. */
function linePath(values: readonly (number | null)[], xs: readonly number[], y: (v: number) => number): string {
  let d = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${xs[i]!.toFixed(1)},${y(v).toFixed(1)}`;
    drawing = true;
  });
  return d;
}
