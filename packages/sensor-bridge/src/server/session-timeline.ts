// The one timeline of a running session. Every line, the source's samples and the clinician's control
// lines alike, goes into the recording and into the analysis in the same order through `push`;
// nothing reaches the analysis any other way. So analysing the file again (`hinge analyze`, crash
// recovery, /analysis, the exports) replays exactly what happened live. Samples are rounded to their
// sensor's resolution (../recording/quantize.ts) before both, so the file holds what the analysis saw.
import type { AnalysisDocument, AnalysisEvent, AngleSample, EventLine, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { isEventLine } from '@hinge/protocol';
import type { SessionAnalyzer } from '@hinge/analysis';
import type { RecordingWriter } from '../recording/writer';
import { createQuantizer } from '../recording/quantize';

/** The part of the analysis' SessionAnalyzer a live session drives. */
export type StreamingAnalyzer = Pick<SessionAnalyzer, 'push' | 'now' | 'takeAngles' | 'takeEvents' | 'finish'>;
/** The analysis of a recording from its header on (settings, sets and software come from the header and later lines). */
export type AnalyzerFactory = (header: RecordingHeader) => StreamingAnalyzer;

export class SessionTimeline {
  /** Latest sample time seen, s. */
  lastSampleT = 0;

  private readonly quantize: (line: RecordingLine) => RecordingLine;

  constructor(
    private readonly writer: RecordingWriter,
    private readonly analyzer: StreamingAnalyzer,
    header: RecordingHeader,
  ) {
    this.quantize = createQuantizer(header);
  }

  get file(): string {
    return this.writer.file;
  }

  /** Lines from the source, in their order. */
  push(lines: readonly RecordingLine[]): void {
    for (const sourceLine of lines) {
      const line = this.quantize(sourceLine);
      this.writer.append(line);
      this.analyzer.push(line);
      if (!isEventLine(line) && line.t > this.lastSampleT) this.lastSampleT = line.t;
    }
  }

  /**
   * A control action (calibrate, set-start, set-end, settings) as an event line at the time the
   * analysis has reached, so it applies from exactly there, live and on every re-analysis.
   */
  control(event: string, fields: Record<string, unknown> = {}): EventLine {
    const line: EventLine = { t: this.analyzer.now(), event, ...fields };
    this.writer.append(line);
    this.analyzer.push(line);
    return line;
  }

  /** The data directory cannot be written: close the recording (what is on disk stays); analysis goes on. */
  stopRecording(): void {
    this.writer.close();
  }

  takeAngles(): AngleSample[] {
    return this.analyzer.takeAngles();
  }

  takeEvents(): AnalysisEvent[] {
    return this.analyzer.takeEvents();
  }

  /** Closes the recording and ends the analysis; events it emits at the end are left for takeEvents(). */
  finish(): AnalysisDocument {
    this.writer.close();
    return this.analyzer.finish();
  }
}
