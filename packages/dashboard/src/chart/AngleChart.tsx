// Pelvis, trunk and lumbar angles over time on a uPlot canvas, with the lumbar limit drawn as a dashed
// line. Live: give it a `ring`; it redraws at most once per animation frame, and only when the ring
// changed, so 100 Hz frames never go through React. Recorded: give it `data` (uPlot's aligned columns).
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesRing } from './seriesRing';
import { deg, seconds } from '../clinician/format';

export const ANGLE_SERIES = [
  { key: 'chart.pelvis' as const, stroke: '#1f6fb2', dash: [] as number[] },
  { key: 'chart.trunk' as const, stroke: '#6b4fa3', dash: [8, 4] },
  { key: 'chart.lumbar' as const, stroke: '#b3261e', dash: [] as number[], width: 2.5 },
];

type Columns = [number[], ...(number | null)[][]];

/** A rep to shade behind the curves: recording time, s; faulty reps in red, clean ones in green. */
export interface RepBand {
  index: number;
  start: number;
  end: number;
  faulty: boolean;
}

interface AngleChartProps {
  /** Live source: drawn continuously, the last `windowS` seconds. */
  ring?: SeriesRing;
  windowS?: number;
  /** Recorded source: drawn once. */
  data?: Columns;
  limitDeg: number;
  /** Reps shaded behind the curves, numbered at the top. */
  reps?: readonly RepBand[];
  height?: number;
  title: string;
}

export function AngleChart({ ring, windowS = 10, data, limitDeg, reps = [], height = 260, title }: AngleChartProps) {
  const { t } = useTranslation();
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const limitRef = useRef(limitDeg);
  const repsRef = useRef(reps);

  useEffect(() => {
    limitRef.current = limitDeg;
    repsRef.current = reps;
    plotRef.current?.redraw(false);
  }, [limitDeg, reps]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const options: uPlot.Options = {
      width: Math.max(200, container.clientWidth),
      height,
      scales: {
        x: { time: false },
        y: { range: (_u, min, max) => [Math.min(-15, min, -limitRef.current), Math.max(60, max, limitRef.current + 10)] },
      },
      axes: [
        { label: t('chart.time'), stroke: '#333' },
        { label: t('chart.angle'), stroke: '#333' },
      ],
      series: [
        { label: 't (s)', value: (_u, v) => seconds(v) },
        ...ANGLE_SERIES.map((s) => ({
          label: t(s.key),
          stroke: s.stroke,
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => deg(v),
        })),
      ],
      legend: { live: !ring },
      hooks: {
        drawClear: [(u) => drawRepBands(u, repsRef.current)],
        draw: [(u) => drawLimit(u, limitRef.current)],
      },
    };
    const initial: Columns = data ?? ring?.window(windowS) ?? [[], [], [], []];
    const plot = new uPlot(options, initial as uPlot.AlignedData, container);
    plotRef.current = plot;

    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, container.clientWidth), height }));
    resize.observe(container);

    let frame = 0;
    let drawnVersion = -1;
    const tick = () => {
      if (ring && ring.version !== drawnVersion) {
        drawnVersion = ring.version;
        plot.setData(ring.window(windowS) as uPlot.AlignedData);
      }
      frame = requestAnimationFrame(tick);
    };
    if (ring) frame = requestAnimationFrame(tick);

    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [ring, data, windowS, height, t]);

  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="chart-limit">{t('chart.limit', { limit: deg(limitDeg, 0) })}</span>
      </figcaption>
      <div ref={containerRef} role="img" aria-label={`${title}: ${t('chart.pelvis')}, ${t('chart.trunk')}, ${t('chart.lumbar')}; ${t('chart.limit', { limit: deg(limitDeg, 0) })}`} />
    </figure>
  );
}

function drawLimit(u: uPlot, limitDeg: number) {
  const y = u.valToPos(limitDeg, 'y', true);
  if (!Number.isFinite(y)) return;
  const ctx = u.ctx;
  const { left, width } = u.bbox;
  ctx.save();
  ctx.strokeStyle = '#b3261e';
  ctx.lineWidth = 1.5 * uPlot.pxRatio;
  ctx.setLineDash([6 * uPlot.pxRatio, 6 * uPlot.pxRatio]);
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(left + width, y);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#b3261e';
  ctx.font = `${12 * uPlot.pxRatio}px sans-serif`;
  const text = `lumbar limit ${limitDeg.toFixed(0)}°`;
  ctx.fillText(text, left + width - ctx.measureText(text).width - 6 * uPlot.pxRatio, y - 4 * uPlot.pxRatio);
  ctx.restore();
}

function drawRepBands(u: uPlot, reps: readonly RepBand[]) {
  const ctx = u.ctx;
  const { top, height, left, width } = u.bbox;
  ctx.save();
  ctx.font = `${11 * uPlot.pxRatio}px sans-serif`;
  for (const rep of reps) {
    const x0 = Math.max(left, u.valToPos(rep.start, 'x', true));
    const x1 = Math.min(left + width, u.valToPos(rep.end, 'x', true));
    if (!(x1 > x0)) continue;
    ctx.fillStyle = rep.faulty ? 'rgba(179, 38, 30, 0.10)' : 'rgba(30, 123, 52, 0.08)';
    ctx.fillRect(x0, top, x1 - x0, height);
    ctx.fillStyle = rep.faulty ? '#b3261e' : '#1e7b34';
    ctx.fillText(`${rep.faulty ? '⚠' : '✓'}${rep.index}`, x0 + 2 * uPlot.pxRatio, top + 12 * uPlot.pxRatio);
  }
  ctx.restore();
}
