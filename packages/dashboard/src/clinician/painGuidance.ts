// What the setup form says about today's pain level: the hip hinge suits pain levels 1 to 5 (0-10 scale).
// Returns the message key (i18n `pain.*`); the level goes in as `{{level}}`.
export function painGuidance(painLevel: number | null): { tone: 'ok' | 'warn'; key: 'pain.unknown' | 'pain.high' | 'pain.none' | 'pain.ok' } {
  if (painLevel === null) return { tone: 'ok', key: 'pain.unknown' };
  if (painLevel > 5) return { tone: 'warn', key: 'pain.high' };
  if (painLevel < 1) return { tone: 'ok', key: 'pain.none' };
  return { tone: 'ok', key: 'pain.ok' };
}
