// A live source the test drives: it hands over the lines it is given, nothing by itself.
import type { RecordingHeader, RecordingLine } from '@hinge/protocol';
import type { SensorSource, SourceSink } from '../src/sources/source';

export function manualSource(header: RecordingHeader): { source: SensorSource; push: (batch: RecordingLine[]) => void } {
  let sink: SourceSink | null = null;
  const source: SensorSource = {
    capabilities: ['live'],
    async start(s) {
      sink = s;
      return header;
    },
    async stop() {
      sink = null;
    },
    status: () => ({ sensors: [], problems: [] }),
  };
  return { source, push: (batch) => sink?.lines(batch) };
}
