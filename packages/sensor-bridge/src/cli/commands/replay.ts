import { CliError, type Command } from '../command';

// Placeholder while the command is being built.
export const replayCommand: Command = {
  summary: 'replay (being built)',
  usage: 'hinge replay',
  async run() {
    throw new CliError('not built yet');
  },
};
