// Number formatting shared by the tables and feeds.

/** `{peakLumbarDeg: 31.24, limitDeg: 20}` -> "peak lumbar 31.2°, limit 20.0°". Units come from the name's suffix. */
export function formatValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${words(name)} ${formatWithUnit(name, value)}`)
    .join(', ');
}

function words(name: string): string {
  return name
    .replace(/(Deg|S|M|Pct)$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function formatWithUnit(name: string, value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (name.endsWith('Deg')) return `${value.toFixed(1)}°`;
  if (name.endsWith('S')) return `${value.toFixed(2)} s`;
  if (name.endsWith('M')) return `${(value * 100).toFixed(1)} cm`;
  if (name.endsWith('Pct')) return `${value.toFixed(0)} %`;
  return value.toFixed(2);
}

export function deg(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : `${value.toFixed(1)}°`;
}

export function seconds(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : `${value.toFixed(2)} s`;
}

export function percent(share: number | null | undefined): string {
  return share == null || !Number.isFinite(share) ? '–' : `${Math.round(share * 100)} %`;
}
