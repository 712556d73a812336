// A small line chart of one value per session (a handful of points, static), drawn as SVG so it prints
// sharply. Missing values leave a gap; every point is labelled with its value, not only its position.
import type { ProgressPoint } from './progress';

interface Props {
  title: string;
  points: readonly ProgressPoint[];
  value: (p: ProgressPoint) => number | null;
  format: (v: number) => string;
  min: number;
  max: number;
  /** Which direction is better, said in words under the chart. */
  better: 'higher' | 'lower';
}

const W = 320;
const H = 160;
const PAD = { left: 36, right: 12, top: 14, bottom: 28 };

export function TrendChart({ title, points, value, format, min, max, better }: Props) {
  const values = points.map(value);
  // Room above the highest point for its label.
  const top = Math.max(max, ...values.filter((v): v is number => v !== null).map((v) => v + (max - min) * 0.15));
  const x = (i: number) => PAD.left + (points.length <= 1 ? 0.5 : i / (points.length - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - min) / (top - min || 1)) * (H - PAD.top - PAD.bottom);
  const segments: string[] = [];
  let path = '';
  values.forEach((v, i) => {
    if (v === null) {
      if (path) segments.push(path);
      path = '';
      return;
    }
    path += `${path ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  });
  if (path) segments.push(path);
  const described = points.map((p, i) => `${p.label}: ${values[i] === null ? 'no data' : format(values[i]!)}`).join('; ');

  return (
    <figure className="trend">
      <figcaption>
        {title} <span className="hint">({better} is better)</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${described}`}>
        <line className="axis" x1={PAD.left} y1={y(min)} x2={W - PAD.right} y2={y(min)} />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(min)} />
        <text className="tick" x={PAD.left - 4} y={y(top) + 4} textAnchor="end">
          {format(top)}
        </text>
        <text className="tick" x={PAD.left - 4} y={y(min) + 4} textAnchor="end">
          {format(min)}
        </text>
        {segments.map((d) => (
          <path key={d} className="trend-line" d={d} />
        ))}
        {values.map((v, i) =>
          v === null ? null : (
            <g key={points[i]!.sessionId}>
              <circle className="trend-point" cx={x(i)} cy={y(v)} r="4" />
              <text className="value" x={x(i)} y={y(v) - 8} textAnchor="middle">
                {format(v)}
              </text>
            </g>
          ),
        )}
        {points.map((p, i) => (
          <text key={p.sessionId} className="tick" x={x(i)} y={H - 8} textAnchor="middle">
            {i + 1}
          </text>
        ))}
      </svg>
    </figure>
  );
}
