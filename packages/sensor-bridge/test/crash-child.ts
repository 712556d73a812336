// Child process for the crash test: a bridge with one replaying session that the test kills with
// SIGKILL mid-recording. argv: DATA_DIR REPLAY_DIR. Prints one JSON line {sessionId, recordingPath} (the file's absolute path).
import { buildApp } from '../src/server/app';
import { standinAnalysis } from './standin-analysis';
import { resolveRecordingPath } from '../src/storage/archive';

const [dataDir, replayDir] = process.argv.slice(2);
if (!dataDir || !replayDir) throw new Error('usage: crash-child DATA_DIR REPLAY_DIR');
const app = await buildApp({ dataDir, replayDirs: [replayDir], analysis: standinAnalysis });
const patient = app.bridge.hub.createPatient({ name: 'Crash test' });
const session = await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'replay', recording: 'short.jsonl', speed: 4, loop: true } });
session.startSet();
process.stdout.write(JSON.stringify({ sessionId: session.id, recordingPath: resolveRecordingPath(app.bridge.layout.root, app.bridge.store.getSession(session.id)?.recordingPath ?? '') }) + '\n');
