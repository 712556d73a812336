// Sound for the patient: short Web Audio tones when the back nears or passes the limit, and optional
// spoken cues (speechSynthesis). Browsers only allow sound after a user gesture, so the player is made
// when the patient (or clinician) presses "Sound on".
import type { Zone } from './feedback';

export interface CuePlayer {
  setVolume(volume01: number): void;
  setMuted(muted: boolean): void;
  /** A tone for entering a zone: one soft high beep near the limit, two low beeps past it, none when flat. */
  toneFor(zone: Zone): void;
  /** Speaks a cue (already in the UI language, BCP 47 `lang`) when speech is enabled and available. */
  speak(text: string, lang: string): void;
  setSpeech(enabled: boolean): void;
  close(): void;
}

export function createCuePlayer(): CuePlayer | null {
  const AudioContextClass = window.AudioContext;
  if (!AudioContextClass) return null;
  const context = new AudioContextClass();
  const master = context.createGain();
  master.connect(context.destination);
  let volume = 0.6;
  let muted = false;
  let speech = false;
  const applyGain = () => master.gain.setValueAtTime(muted ? 0 : volume, context.currentTime);
  applyGain();

  const beep = (frequencyHz: number, startS: number, durationS: number) => {
    const oscillator = context.createOscillator();
    const envelope = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequencyHz;
    const t0 = context.currentTime + startS;
    // Short attack and release so the tone does not click.
    envelope.gain.setValueAtTime(0, t0);
    envelope.gain.linearRampToValueAtTime(0.5, t0 + 0.02);
    envelope.gain.setValueAtTime(0.5, t0 + durationS - 0.05);
    envelope.gain.linearRampToValueAtTime(0, t0 + durationS);
    oscillator.connect(envelope).connect(master);
    oscillator.start(t0);
    oscillator.stop(t0 + durationS + 0.01);
  };

  return {
    setVolume(volume01) {
      volume = Math.min(1, Math.max(0, volume01));
      applyGain();
    },
    setMuted(value) {
      muted = value;
      applyGain();
      if (muted) window.speechSynthesis?.cancel();
    },
    toneFor(zone) {
      if (muted) return;
      if (context.state === 'suspended') void context.resume();
      if (zone === 'near') beep(660, 0, 0.15);
      if (zone === 'past') {
        beep(330, 0, 0.2);
        beep(330, 0.3, 0.2);
      }
    },
    speak(text, lang) {
      if (muted || !speech || !window.speechSynthesis) return;
      window.speechSynthesis.cancel();
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      utterance.volume = volume;
      utterance.rate = 0.9;
      window.speechSynthesis.speak(utterance);
    },
    setSpeech(enabled) {
      speech = enabled;
    },
    close() {
      void context.close();
    },
  };
}
