// The session report as a PDF (pdfkit): patient, date in the clinic's time zone, settings, summary,
// per-set table, two vector charts (peak lumbar flexion per rep against the limit; the angles over the
// session), faults with their numbers, and the clinician's notes. Words come from report-text.ts;
// numbers and dates are localised with Intl. The text font is Noto Sans (embedded, subset to the glyphs
// used): pdfkit's standard fonts cover Latin-1 only, and names like "Łukasz Żółć", "Dvořák" or Cyrillic
// and Greek ones must print.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { summarizeReps } from '@hinge/analysis';
import { sessionDurationS, type AngleSeries, type Patient, type RepRecord, type Load, type SessionState, type SettingsChange, type Annotation } from '@hinge/protocol';
import { reportText, type ReportLanguage } from './report-text';

export interface ReportInput {
  patient: Patient;
  session: SessionState;
  reps: readonly RepRecord[];
  /** The session's angle series, or null when the recording is missing. */
  angles: AngleSeries | null;
  /** Settings changed during the session (from the analysis of the recording); null when it is missing. */
  settingsChanges: readonly SettingsChange[] | null;
  /** The clinician's notes during the session (the analysis' `annotations`); absent or null: none shown. */
  annotations?: readonly Annotation[] | null;
}

export interface ReportOptions {
  language: ReportLanguage;
  /** IANA time zone the dates are shown in (the browser's), e.g. "Europe/Berlin". */
  timeZone: string;
  /** When the report is made (for its footer); tests pass a fixed date. */
  now?: Date;
}

/**
 * Noto Sans (SIL Open Font Licence) from @expo-google-fonts/noto-sans: Latin with all its European
 * extensions, Greek and Cyrillic in one TrueType file per style.
 */
const fontFile = (style: string) => createRequire(import.meta.url).resolve(`@expo-google-fonts/noto-sans/${style}/NotoSans_${style}.ttf`);
const FONT_FILES = { regular: fontFile('400Regular'), bold: fontFile('700Bold'), italic: fontFile('400Regular_Italic') };
const FONT = { regular: 'text', bold: 'text-bold', italic: 'text-italic' } as const;

const PAGE = { margin: 50, width: 595.28 - 100 }; // A4 in points, minus margins
const COLOURS = { pelvis: '#1f6fb2', trunk: '#6b4fa3', lumbar: '#b3261e', clean: '#1e7b34', faulty: '#b3261e', grid: '#999999' };
/** Most points a line of the angle chart draws; longer series are thinned by taking every n-th sample. */
const ANGLE_CHART_POINTS_MAX = 800;

/** Dates as "4 December 2026, 18:05 CET": the day, the clock time and the zone, so no one mistakes UTC for local. */
export const REPORT_DATE_FORMAT: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };

/** Formatters for one report: numbers and dates in the report's language and time zone. */
function formatters(options: ReportOptions) {
  const locale = options.language;
  const fixed = (digits: number) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const dash = '–';
  const num = (v: number | null | undefined, digits: number, unit = '') => (v == null || !Number.isFinite(v) ? dash : `${fixed(digits).format(v)}${unit}`);
  return {
    deg: (v: number | null | undefined) => num(v, 1, '°'),
    sec: (v: number | null | undefined) => num(v, 2, ' s'),
    pct: (share: number | null | undefined) => (share == null || !Number.isFinite(share) ? dash : `${fixed(0).format(share * 100)} %`),
    int: (v: number) => fixed(0).format(v),
    plain: (v: number, digits: number) => num(v, digits),
    date: (iso: string | null) =>
      iso === null ? dash : new Intl.DateTimeFormat(locale, { ...REPORT_DATE_FORMAT, timeZone: options.timeZone }).format(new Date(iso)),
    duration: (seconds: number | null) => {
      if (seconds === null || !Number.isFinite(seconds)) return dash;
      const total = Math.round(seconds);
      return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
    },
  };
}

export function writeReportPdf(input: ReportInput, options: ReportOptions): Promise<Buffer> {
  const { patient, session, reps } = input;
  const t = reportText(options.language);
  const f = formatters(options);
  const summary = session.summary ?? summarizeReps([...reps]);
  const pain = (score: number | null) => (score === null ? '–' : `${score}/10`);
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    info: { Title: `${t('title')}: ${patient.name}, ${f.date(session.startedAt ?? session.createdAt)}`, Author: 'hip hinge trainer' },
    font: FONT_FILES.regular,
  });
  doc.registerFont(FONT.regular, FONT_FILES.regular);
  doc.registerFont(FONT.bold, FONT_FILES.bold);
  doc.registerFont(FONT.italic, FONT_FILES.italic);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font(FONT.bold).fontSize(18).text(`${t('title')}: ${patient.name}`);
  doc.moveDown(0.5);
  const facts: [string, string][] = [
    [t('patient'), patient.name + (patient.clinicId ? ` (${t('clinicId')} ${patient.clinicId})` : '')],
    [t('session'), session.label || session.id],
    [t('date'), f.date(session.startedAt ?? session.createdAt)],
    [t('duration'), f.duration(sessionDurationS(session))],
    [t('status'), t(`status_${session.status}`)],
  ];
  factTable(doc, facts);
  if (session.status === 'live') doc.font(FONT.italic).fontSize(10).text(t('running'));

  heading(doc, t('settings'));
  factTable(doc, [
    [t('load'), t(`load_${session.settings.load}`)],
    [t('painBefore'), pain(session.painBefore ?? session.settings.painLevel)],
    [t('painAfter'), pain(session.painAfter ?? null)],
    [t('limit'), f.deg(session.settings.lumbarLimitDeg)],
    [t('tempoMin'), f.sec(session.settings.tempoMinS)],
    [t('target'), t('targetValue', { sets: session.settings.targetSets, reps: session.settings.targetReps })],
  ]);
  if (input.settingsChanges !== null) {
    // When a setting changed, from what to what (the table above holds the settings at the end).
    const value = (change: SettingsChange, v: SettingsChange['from']) =>
      v === null ? '–' : change.setting === 'lumbarLimitDeg' ? f.deg(Number(v)) : change.setting === 'tempoMinS' ? f.sec(Number(v)) : change.setting === 'load' ? t(`load_${v as Load}`) : change.setting === 'painLevel' ? pain(Number(v)) : f.int(Number(v));
    doc.moveDown(0.3).font(FONT.bold).fontSize(10).text(t('settingsChanges'), PAGE.margin);
    if (input.settingsChanges.length === 0) doc.font(FONT.regular).text(t('noSettingsChanges'));
    for (const c of input.settingsChanges) {
      doc.font(FONT.regular).text(t('settingsChange', { time: f.duration(c.t), setting: t(`setting_${c.setting}`), from: value(c, c.from), to: value(c, c.to) }));
    }
  }
  if (input.annotations && input.annotations.length > 0) {
    doc.moveDown(0.3).font(FONT.bold).fontSize(10).text(t('annotations'), PAGE.margin);
    for (const a of input.annotations) doc.font(FONT.regular).text(t('annotation', { time: f.duration(a.t), text: a.text }));
  }

  heading(doc, t('summary'));
  factTable(doc, [
    [t('reps'), f.int(summary.repCount)],
    [t('clean'), summary.repCount > 0 ? `${f.int(summary.cleanReps)} (${f.pct(summary.cleanReps / summary.repCount)})` : '–'],
    [t('peakMax'), f.deg(summary.peakLumbarDegMax)],
    [t('peakMean'), f.deg(summary.peakLumbarDegMean)],
    [t('hipShare'), f.pct(summary.hipShareMean)],
    [t('descent'), f.sec(summary.descentSMean)],
    [t('ascent'), f.sec(summary.ascentSMean)],
    [t('faults'), Object.entries(summary.faultCounts).map(([fault, n]) => `${t(`fault_${fault}` as 'fault_too-fast')} ${n}`).join(', ')],
  ]);

  heading(doc, t('sets'));
  if (session.sets.length === 0) doc.font(FONT.regular).fontSize(10).text(t('noSets'));
  else {
    const rows = session.sets.map((set) => {
      const inSet = reps.filter((r) => r.setIndex === set.index);
      const s = summarizeReps([...inSet]);
      const end = set.end ?? session.t;
      return [String(set.index), f.int(s.repCount), s.repCount > 0 ? f.pct(s.cleanReps / s.repCount) : '–', f.deg(s.peakLumbarDegMax), f.pct(s.hipShareMean), f.sec(s.descentSMean), f.duration(end - set.start)];
    });
    table(doc, [t('set'), t('reps'), t('clean'), t('peakMax'), t('hipShare'), t('descent'), t('duration')], rows);
  }

  if (reps.length > 0) {
    heading(doc, t('chartPeaks'));
    peakChart(doc, reps, session.settings.lumbarLimitDeg, f);
  }
  if (input.angles && input.angles.t.length > 1) {
    heading(doc, t('chartAngles'));
    angleChart(doc, input.angles, session.settings.lumbarLimitDeg, f);
  }

  heading(doc, t('faults'));
  const faulty = reps.filter((r) => r.faults.length > 0);
  if (faulty.length === 0) doc.font(FONT.regular).fontSize(10).text(t('noFaults'));
  for (const rep of faulty) {
    const details = rep.faults.map((fault) => {
      const values = rep.faultDetails?.find((d) => d.fault === fault)?.values ?? {};
      const numbers = Object.entries(values).map(([name, v]) => `${name} ${name.endsWith('Deg') ? f.deg(v) : name.endsWith('S') ? f.sec(v) : f.plain(v, 2)}`);
      return `${t(`fault_${fault}` as 'fault_too-fast')}${numbers.length > 0 ? ` (${numbers.join(', ')})` : ''}`;
    });
    doc.font(FONT.regular).fontSize(10).text(`${t('rep', { rep: rep.index })}: ${details.join('; ')}`);
  }

  heading(doc, t('notes'));
  doc.font(FONT.regular).fontSize(10).text(patient.notes.trim() === '' ? t('noNotes') : patient.notes);

  doc.moveDown(1);
  doc.font(FONT.regular).fontSize(8).fillColor('#555555').text(t('generated', { date: f.date((options.now ?? new Date()).toISOString()) }));
  doc.end();
  return done;
}

type Doc = PDFKit.PDFDocument;
type Formatters = ReturnType<typeof formatters>;

function heading(doc: Doc, text: string): void {
  ensureRoom(doc, 60);
  doc.moveDown(0.8).font(FONT.bold).fontSize(13).fillColor('black').text(text, PAGE.margin);
  doc.moveDown(0.2);
}

function ensureRoom(doc: Doc, heightPt: number): void {
  if (doc.y + heightPt > doc.page.height - PAGE.margin) doc.addPage();
}

function factTable(doc: Doc, facts: readonly [string, string][]): void {
  doc.fontSize(10).fillColor('black');
  for (const [label, value] of facts) {
    ensureRoom(doc, 14);
    const y = doc.y;
    doc.font(FONT.bold).text(label, PAGE.margin, y, { width: 170 });
    const labelBottom = doc.y;
    doc.font(FONT.regular).text(value, PAGE.margin + 175, y, { width: PAGE.width - 175 });
    doc.y = Math.max(doc.y, labelBottom);
  }
  doc.x = PAGE.margin;
}

function table(doc: Doc, header: readonly string[], rows: readonly string[][]): void {
  const columnW = PAGE.width / header.length;
  const line = (cells: readonly string[], bold: boolean) => {
    ensureRoom(doc, 28);
    const y = doc.y;
    let bottom = y;
    cells.forEach((cell, i) => {
      doc.font(bold ? FONT.bold : FONT.regular).fontSize(9).text(cell, PAGE.margin + i * columnW, y, { width: columnW - 4 });
      bottom = Math.max(bottom, doc.y);
    });
    doc.y = bottom + 2;
  };
  line(header, true);
  for (const row of rows) line(row, false);
  doc.x = PAGE.margin;
}

/** A chart frame: the plot area in points and a y mapping, with ticks at the bottom, limit and top. */
function frame(doc: Doc, heightPt: number, yMax: number, ticks: readonly number[], f: Formatters) {
  ensureRoom(doc, heightPt + 30);
  const left = PAGE.margin + 36;
  const top = doc.y + 6;
  const width = PAGE.width - 40;
  const y = (v: number) => top + heightPt - (Math.max(0, Math.min(yMax, v)) / yMax) * heightPt;
  doc.save().lineWidth(0.5).strokeColor(COLOURS.grid).rect(left, top, width, heightPt).stroke().restore();
  doc.font(FONT.regular).fontSize(7).fillColor('black');
  for (const tick of ticks) doc.text(f.deg(tick), PAGE.margin - 4, y(tick) - 3, { width: 36, align: 'right' });
  return { left, top, width, height: heightPt, y };
}

function peakChart(doc: Doc, reps: readonly RepRecord[], limitDeg: number, f: Formatters): void {
  const peaks = reps.map((r) => r.peakLumbarDeg ?? 0);
  const yMax = Math.max(limitDeg * 1.5, ...peaks) * 1.1;
  const box = frame(doc, 120, yMax, [0, limitDeg, Math.round(yMax)], f);
  const slot = box.width / reps.length;
  reps.forEach((rep, i) => {
    const v = rep.peakLumbarDeg ?? 0;
    const x = box.left + i * slot + slot * 0.15;
    doc.save().fillColor(rep.faults.length > 0 ? COLOURS.faulty : COLOURS.clean).rect(x, box.y(v), slot * 0.7, box.y(0) - box.y(v)).fill().restore();
    // The peak's uncertainty (one standard deviation) as an error bar.
    const sigma = rep.peakLumbarUncertaintyDeg;
    if (sigma !== undefined && rep.peakLumbarDeg !== null) {
      const mid = x + slot * 0.35;
      doc.save().strokeColor('black').lineWidth(0.6).moveTo(mid, box.y(v - sigma)).lineTo(mid, box.y(v + sigma)).stroke().restore();
    }
  });
  doc.save().strokeColor(COLOURS.lumbar).lineWidth(1).dash(4, { space: 3 }).moveTo(box.left, box.y(limitDeg)).lineTo(box.left + box.width, box.y(limitDeg)).stroke().undash().restore();
  // Rep numbers under the bars, thinned so they never overlap (at least 18 pt apart).
  const every = Math.max(1, Math.ceil(18 / slot));
  doc.font(FONT.regular).fontSize(7).fillColor('black');
  reps.forEach((rep, i) => {
    if (i % every === 0) doc.text(String(rep.index), box.left + i * slot, box.top + box.height + 2, { width: slot * every, align: 'left', lineBreak: false });
  });
  doc.x = PAGE.margin;
  doc.y = box.top + box.height + 14;
}

function angleChart(doc: Doc, angles: AngleSeries, limitDeg: number, f: Formatters): void {
  const series = [
    { values: angles.pelvisDeg, colour: COLOURS.pelvis },
    { values: angles.trunkDeg, colour: COLOURS.trunk },
    { values: angles.lumbarDeg, colour: COLOURS.lumbar },
  ];
  const known = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMax = Math.max(limitDeg * 1.5, ...known.map((v) => Math.min(v, 150)), 10) * 1.05;
  const box = frame(doc, 150, yMax, [0, limitDeg, Math.round(yMax)], f);
  const t0 = angles.t[0]!;
  const t1 = angles.t[angles.t.length - 1]!;
  const x = (t: number) => box.left + ((t - t0) / (t1 - t0 || 1)) * box.width;
  const stride = Math.max(1, Math.ceil(angles.t.length / ANGLE_CHART_POINTS_MAX));
  for (const { values, colour } of series) {
    doc.save().strokeColor(colour).lineWidth(0.8);
    let drawing = false;
    for (let i = 0; i < angles.t.length; i += stride) {
      const v = values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        drawing = false;
        continue;
      }
      if (drawing) doc.lineTo(x(angles.t[i]!), box.y(v));
      else doc.moveTo(x(angles.t[i]!), box.y(v));
      drawing = true;
    }
    doc.stroke().restore();
  }
  doc.save().strokeColor(COLOURS.lumbar).lineWidth(1).dash(4, { space: 3 }).moveTo(box.left, box.y(limitDeg)).lineTo(box.left + box.width, box.y(limitDeg)).stroke().undash().restore();
  doc.font(FONT.regular).fontSize(7).fillColor('black');
  doc.text(`${f.plain(t0, 0)} s`, box.left, box.top + box.height + 2, { lineBreak: false });
  doc.text(`${f.plain(t1, 0)} s`, box.left + box.width - 60, box.top + box.height + 2, { width: 60, align: 'right', lineBreak: false });
  doc.x = PAGE.margin;
  doc.y = box.top + box.height + 14;
}
