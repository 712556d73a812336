// A side view of the patient: legs, a pelvis segment and a trunk segment with the head, tilting with
// the measured pelvis and trunk angles. It is redrawn from the latest angles once per animation frame
// through refs, not React state. The figure faces right; + angles tilt it forward.
import { useEffect, useRef } from 'react';
import type { AngleSample } from '@hinge/protocol';

const HIP = { x: 150, y: 230 };
const PELVIS_LENGTH = 45;
const TRUNK_LENGTH = 95;
const HEAD_RADIUS = 20;

/** End of a segment of `length` from (x, y), tilted `deg` forward from vertical (SVG y grows down). */
function tip(x: number, y: number, length: number, deg: number) {
  const rad = (deg * Math.PI) / 180;
  return { x: x + length * Math.sin(rad), y: y - length * Math.cos(rad) };
}

export function HingeFigure({ latestAngles, label }: { latestAngles: () => AngleSample | null; label: string }) {
  const pelvisRef = useRef<SVGLineElement>(null);
  const trunkRef = useRef<SVGLineElement>(null);
  const headRef = useRef<SVGCircleElement>(null);

  useEffect(() => {
    let frame = 0;
    let drawnT = Number.NaN;
    const draw = () => {
      const sample = latestAngles();
      if (sample && sample.t !== drawnT) {
        drawnT = sample.t;
        const pelvisDeg = sample.pelvisDeg ?? 0;
        const trunkDeg = sample.trunkDeg ?? pelvisDeg;
        const top = tip(HIP.x, HIP.y, PELVIS_LENGTH, pelvisDeg);
        const shoulder = tip(top.x, top.y, TRUNK_LENGTH, trunkDeg);
        const head = tip(shoulder.x, shoulder.y, HEAD_RADIUS + 6, trunkDeg);
        pelvisRef.current?.setAttribute('x2', top.x.toFixed(1));
        pelvisRef.current?.setAttribute('y2', top.y.toFixed(1));
        trunkRef.current?.setAttribute('x1', top.x.toFixed(1));
        trunkRef.current?.setAttribute('y1', top.y.toFixed(1));
        trunkRef.current?.setAttribute('x2', shoulder.x.toFixed(1));
        trunkRef.current?.setAttribute('y2', shoulder.y.toFixed(1));
        headRef.current?.setAttribute('cx', head.x.toFixed(1));
        headRef.current?.setAttribute('cy', head.y.toFixed(1));
      }
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [latestAngles]);

  const top = tip(HIP.x, HIP.y, PELVIS_LENGTH, 0);
  const shoulder = tip(top.x, top.y, TRUNK_LENGTH, 0);
  return (
    <svg className="figure" viewBox="0 0 300 400" role="img" aria-label={label}>
      <line className="floor" x1="40" y1="390" x2="260" y2="390" />
      <line className="leg" x1={HIP.x} y1={HIP.y} x2={HIP.x - 8} y2="310" />
      <line className="leg" x1={HIP.x - 8} y1="310" x2={HIP.x} y2="385" />
      <line ref={pelvisRef} className="segment pelvis" x1={HIP.x} y1={HIP.y} x2={top.x} y2={top.y} />
      <line ref={trunkRef} className="segment trunk" x1={top.x} y1={top.y} x2={shoulder.x} y2={shoulder.y} />
      <circle ref={headRef} className="head" cx={shoulder.x} cy={shoulder.y - HEAD_RADIUS - 6} r={HEAD_RADIUS} />
      <circle className="joint" cx={HIP.x} cy={HIP.y} r="7" />
    </svg>
  );
}
