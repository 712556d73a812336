import { CliError, type Command } from '../command';

// Placeholder while the command is being built.
export const analyzeCommand: Command = {
  summary: 'analyze (being built)',
  usage: 'hinge analyze',
  async run() {
    throw new CliError('not built yet');
  },
};
