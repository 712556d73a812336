// The session simulator: a forward model of a person doing hip hinges (and other things) wearing a
// sacrum and a thoracic IMU, producing recording lines and the exact ground truth. See docs/simulator.md.
export { simulateSession, createSimulatorStream, SENSOR_IDS, type SimulatorOptions, type SimulatorStream, type Dropout } from './session';
export { randomSession, parseScript, completeStep, isRepStep, stepDurationS, SimulatorError, REP_KINDS, type ScriptStep, type ScriptStepInput, type RepKind, type RandomSessionOptions } from './script';
export { createRng, deriveSeed, type Rng } from './random';
export { BORDERLINE, TRUTH_LUMBAR_LIMIT_DEG, TRUTH_TEMPO_MIN_S, type SimulationTruth, type TruthRep } from './truth';
export { drawHumanRep, hardSession, HARD_CLASSES, type HardClass, type HardSessionOptions } from './hard';
export { GRAVITY_MS2, type Mounting, type NoiseLevel, type SensorConditions, type SensorErrors } from './sensors';
