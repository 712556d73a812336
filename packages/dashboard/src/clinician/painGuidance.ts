// What the setup form says about today's pain level: the hip hinge suits pain levels 1 to 5 (0-10 scale).
export function painGuidance(painLevel: number | null): { tone: 'ok' | 'warn'; text: string } {
  if (painLevel === null) return { tone: 'ok', text: 'The hip hinge suits pain levels 1 to 5.' };
  if (painLevel > 5) return { tone: 'warn', text: `Pain ${painLevel}/10 is above 5: the hip hinge suits levels 1 to 5. Consider an easier exercise.` };
  if (painLevel < 1) return { tone: 'ok', text: 'No pain today. The hip hinge suits pain levels 1 to 5.' };
  return { tone: 'ok', text: `Pain ${painLevel}/10: within the 1 to 5 range the hip hinge suits.` };
}
