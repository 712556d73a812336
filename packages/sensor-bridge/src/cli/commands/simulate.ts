import { CliError, type Command } from '../command';

// Placeholder while the command is being built.
export const simulateCommand: Command = {
  summary: 'simulate (being built)',
  usage: 'hinge simulate',
  async run() {
    throw new CliError('not built yet');
  },
};
